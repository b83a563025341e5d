/**
 * ProcessorListener: relays an informer's notifications to one event handler, through that handler's own
 * buffer and its own asynchronous delivery loop.
 */
import type { Clock } from '../clock.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import type { DoneChecker } from './done-checker.ts';
import { DoneSignal } from './done-checker.ts';
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
  /**
   * Done once the informer feeding this listener has synced; `isDone()` must turn true at that moment
   * (`done()` may settle later: it only wakes the listener's own checker).
   */
  upstreamSynced: DoneChecker;
  /**
   * How early a resync check may come and still count (ms): the clock's timer slack, so that a timer firing
   * early does not skip a whole period. Default 0: due exactly at the deadline.
   */
  resyncSlackMs?: number;
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
 * - `hasSynced()` (and `hasSyncedChecker()`) turns true once the informer has synced while this listener was
 *   running and every initial-list add given to it has returned from the handler; it never turns false
 *   again (client-go's SingleFileTracker with watchSynced). A listener stopped before the informer synced,
 *   or with initial adds still buffered, never syncs; an add in flight at `stop()` still counts when it returns;
 * - after `stop()` nothing more is delivered; the promise resolves when the call in flight has finished;
 * - `shouldResync(now)` is true from the deadline on (`resyncSlackMs` earlier, if given), never with a period of 0.
 *
 * Deliberate difference: an initial add whose handler throws or rejects counts as delivered, so the
 * registration still syncs. client-go's default crashes the process on a handler panic; with crashing off,
 * the panicking add is never counted and HasSynced stays false for good, which client-go tracks as a bug
 * (kubernetes#129024; TestEventPanics notes the hang). Here throwing handlers are reported and delivery goes
 * on by design, so one bad object must not keep a controller from ever starting. Nor is there a pause after
 * a throw: client-go, with crashing off, sleeps one wall-clock second before the next notification to keep a
 * panicking handler from flooding its log; here the error goes to the tracer and onError once per throw, and
 * a wall-clock pause no fake clock could drive would only hold up that handler's later events.
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
  private readonly upstream: DoneChecker;
  private readonly resyncSlackMs: number;
  private readonly onError: ProcessorListenerOptions['onError'];
  /** Initial adds given to this listener whose handler call has not returned (client-go's tracker count). */
  private initialInFlight = 0;
  /** The informer synced while this listener ran (client-go's watchSynced saw it before giving up). */
  private upstreamSeen = false;
  private readonly synced: DoneSignal;
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
    this.upstream = options.upstreamSynced;
    this.resyncSlackMs = options.resyncSlackMs ?? 0;
    this.onError = options.onError;
    this.buffer = new RingGrowing(options.bufferSize ?? 1024);
    this.nextResyncAt = this.clock.now() + resyncPeriodMs;
    this.synced = new DoneSignal(`${this.upstream.name} + event handler ${this.id}`);
    // Wakes the checker when the informer syncs with nothing left to deliver; nobody needs to poll.
    void this.upstream.done().then(() => this.checkSynced());
  }

  add(notification: Notification<T>): void {
    if (this.stopped) return;
    if (notification.type === 'add' && notification.isInInitialList) this.initialInFlight++;
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
    return this.checkSynced();
  }

  /** Done when `hasSynced()` turns true (client-go's registration HasSyncedChecker). */
  hasSyncedChecker(): DoneChecker {
    return this.synced;
  }

  /** Starts the delivery loop (once). */
  run(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.deliverLoop();
  }

  /** Stops delivery, drops what is pending, and resolves when the handler call in flight has returned. */
  stop(): Promise<void> {
    // An informer sync that came before the stop still counts; one after it does not.
    this.checkSynced();
    this.stopped = true;
    // Dropped initial adds are never delivered, so they stay counted: this listener then never syncs.
    this.buffer.clear();
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    return this.loop ?? Promise.resolve();
  }

  /** Due from the deadline on, as client-go's exact comparison; the slack only absorbs real timers firing early. */
  shouldResync(now: number): boolean {
    return this.resyncPeriodMs > 0 && now + this.resyncSlackMs >= this.nextResyncAt;
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
      // Also after a throw: see the class comment.
      if (n.type === 'add' && n.isInInitialList) {
        this.initialInFlight--;
        this.checkSynced();
      }
    }
  }

  /** Latches `synced` once the upstream sync was seen while running and no initial add is outstanding. */
  private checkSynced(): boolean {
    if (!this.synced.isDone()) {
      if (!this.upstreamSeen && !this.stopped && this.upstream.isDone()) this.upstreamSeen = true;
      if (this.upstreamSeen && this.initialInFlight === 0) this.synced.finish();
    }
    return this.synced.isDone();
  }
}

function keyOf<T>(n: Notification<T>): string | undefined {
  try {
    return deletionHandlingMetaNamespaceKeyFunc(n.type === 'update' ? n.newObj : n.obj);
  } catch {
    return undefined;
  }
}
