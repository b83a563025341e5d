/**
 * ProcessorListener: relays an informer's notifications to one event handler, through that handler's own
 * buffer and its own asynchronous delivery loop.
 */
import type { Clock } from '../clock.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import type { DeletedFinalStateUnknown } from './keys.ts';
import { deletionHandlingMetaNamespaceKeyFunc } from './keys.ts';
import { RingGrowing } from './ring-buffer.ts';

/**
 * What an informer tells its clients. Handlers may be synchronous or return a promise; the next
 * notification for the same handler is delivered only after the promise settles.
 */
export interface ResourceEventHandler<T> {
  /** A new object, or (isInInitialList) one present in the first list or already cached when the handler joined. */
  onAdd?(obj: T, isInInitialList: boolean): void | Promise<void>;
  /** A changed object; also called by resyncs and relists with oldObj and newObj at the same resourceVersion. */
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  /** A deleted object, or a DeletedFinalStateUnknown tombstone when the deletion was missed. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void | Promise<void>;
}

/** One queued event for one handler. */
export type Notification<T> =
  { type: 'add'; obj: T; isInInitialList: boolean } | { type: 'update'; oldObj: T; newObj: T } | { type: 'delete'; obj: T | DeletedFinalStateUnknown<T> };

/** What a listener needs from its informer. */
export interface ProcessorListenerOptions {
  clock: Clock;
  tracer?: Tracer | undefined;
  /** Names the listener in traces and error reports. */
  id: number;
  /** Initial ring size; the ring grows as needed. Default 1024. */
  bufferSize?: number;
  /** Whether the informer feeding this listener has synced. */
  upstreamHasSynced: () => boolean;
  /** Told about a handler that threw or rejected. */
  onError?: ((err: unknown, info: { listener: number; notification: Notification<unknown>['type'] }) => void) | undefined;
}

/**
 * One handler's delivery lane.
 *
 * Guarantees:
 * - `add` never blocks or fails: notifications wait in an unbounded ring buffer;
 * - notifications are delivered in the order added, one at a time, each after the previous handler call
 *   (or its promise) finished, so a slow handler delays only itself;
 * - a handler that throws or rejects is reported (tracer, onError) and delivery goes on with the next one;
 * - `hasSynced()` is true once the informer has synced and every initial-list add given to this listener
 *   has been delivered;
 * - after `stop()` nothing more is delivered; the promise resolves when the call in flight has finished.
 */
export class ProcessorListener<T> {
  readonly handler: ResourceEventHandler<T>;
  readonly id: number;
  /** The period the handler asked for (after the 1 s floor). */
  readonly requestedResyncPeriodMs: number;
  private resyncPeriodMs: number;
  private nextResyncAt: number;
  private readonly buffer: RingGrowing<Notification<T>>;
  private readonly clock: Clock;
  private readonly tracer: Tracer | undefined;
  private readonly upstreamHasSynced: () => boolean;
  private readonly onError: ProcessorListenerOptions['onError'];
  private pendingInitial = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(handler: ResourceEventHandler<T>, requestedResyncPeriodMs: number, resyncPeriodMs: number, options: ProcessorListenerOptions) {
    this.handler = handler;
    this.id = options.id;
    this.requestedResyncPeriodMs = requestedResyncPeriodMs;
    this.resyncPeriodMs = resyncPeriodMs;
    this.clock = options.clock;
    this.tracer = options.tracer;
    this.upstreamHasSynced = options.upstreamHasSynced;
    this.onError = options.onError;
    this.buffer = new RingGrowing(options.bufferSize ?? 1024);
    this.nextResyncAt = this.clock.now() + resyncPeriodMs;
  }

  add(notification: Notification<T>): void {
    if (this.stopped) return;
    if (notification.type === 'add' && notification.isInInitialList) this.pendingInitial++;
    this.buffer.writeOne(notification);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Notifications waiting for delivery. */
  get pending(): number {
    return this.buffer.length;
  }

  hasSynced(): boolean {
    return this.upstreamHasSynced() && this.pendingInitial === 0;
  }

  /** Starts the delivery loop (once). */
  run(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.deliverLoop();
  }

  /** Stops delivery, drops what is pending, and resolves when the handler call in flight has returned. */
  stop(): Promise<void> {
    this.stopped = true;
    this.buffer.clear();
    // Dropped initial adds will never be delivered: hasSynced must not wait for them.
    this.pendingInitial = 0;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    return this.loop ?? Promise.resolve();
  }

  /**
   * Due at its deadline, give or take a tenth of the period (at most 1 s): the resync timer is armed for the
   * same period just after the deadline is set, and timers may fire a little early by this clock, which
   * would otherwise skip a whole period.
   */
  shouldResync(now: number): boolean {
    const tolerance = Math.min(this.resyncPeriodMs / 10, 1000);
    return this.resyncPeriodMs > 0 && now + tolerance >= this.nextResyncAt;
  }

  determineNextResync(now: number): void {
    this.nextResyncAt = now + this.resyncPeriodMs;
  }

  setResyncPeriod(ms: number): void {
    this.resyncPeriodMs = ms;
  }

  get resyncPeriod(): number {
    return this.resyncPeriodMs;
  }

  private async deliverLoop(): Promise<void> {
    while (!this.stopped) {
      const next = this.buffer.readOne();
      if (!next) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      await this.deliver(next.value);
    }
  }

  private async deliver(n: Notification<T>): Promise<void> {
    const h = this.handler;
    if (this.tracer) {
      safeEmit(this.tracer, {
        component: 'processor',
        action: 'handler-called',
        key: keyOf(n),
        data: { listener: this.id, notification: n.type },
        at: this.clock.now(),
      });
    }
    try {
      // Awaiting even a synchronous result yields between notifications, so listeners take turns.
      if (n.type === 'add') await h.onAdd?.(n.obj, n.isInInitialList);
      else if (n.type === 'update') await h.onUpdate?.(n.oldObj, n.newObj);
      else await h.onDelete?.(n.obj);
    } catch (err) {
      safeEmit(this.tracer, {
        component: 'processor',
        action: 'handler-error',
        key: keyOf(n),
        data: { listener: this.id, notification: n.type, error: err instanceof Error ? err.message : String(err) },
        at: this.clock.now(),
      });
      try {
        this.onError?.(err, { listener: this.id, notification: n.type });
      } catch {
        // the error reporter itself must not break delivery
      }
    } finally {
      if (n.type === 'add' && n.isInInitialList) this.pendingInitial--;
    }
  }
}

function keyOf<T>(n: Notification<T>): string | undefined {
  try {
    return deletionHandlingMetaNamespaceKeyFunc(n.type === 'update' ? n.newObj : n.obj);
  } catch {
    return undefined;
  }
}
