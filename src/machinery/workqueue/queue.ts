import { realClock, type Clock, type TimerHandle } from '../clock.ts';
import { safeEmit, type Tracer } from '../trace.ts';
import { Fifo } from './fifo.ts';
import { UNFINISHED_WORK_UPDATE_PERIOD_MS, type QueueMetrics } from './metrics.ts';

/** What `get` resolves with: an item to process, or word that the queue is shut down and empty. */
export type GetResult<T> = { item: T; shutdown: false } | { item: undefined; shutdown: true };

/** The queue's internal state, copied: for lessons and tests, not for control flow. */
export interface QueueSnapshot<T> {
  /** Items waiting to be taken, in the order they will be handed out. */
  queue: T[];
  /** Items that need processing: everything in `queue`, plus items re-added while being processed. */
  dirty: T[];
  /** Items handed to a worker and not yet done. */
  processing: T[];
  /** Delaying queues only: items waiting for their delay, earliest deadline first. */
  waiting?: { item: T; readyAt: number }[];
}

/** How a queue is built; every field is optional. */
export interface QueueOptions {
  /** Time source for metrics and, in delaying queues, for delays. Defaults to the real clock. */
  clock?: Clock;
  /** Shown in trace events as `data.name`; metrics are reported only for a named queue, as in client-go. */
  name?: string;
  /** Ignored without a `name` (client-go creates no metrics for an unnamed queue). */
  metrics?: QueueMetrics;
  tracer?: Tracer;
  /** Add `data.snapshot` (see `snapshot()`) to every trace event. Costs a copy per event; off by default. */
  snapshots?: boolean;
}

/**
 * A work queue in the manner of client-go's workqueue. Guarantees:
 * - stingy: an item added any number of times before a worker takes it is handed out once;
 * - exclusive: an item is never held by two workers at once; re-adding an item while it is held marks it
 *   dirty, and `done` puts it back at the end of the queue;
 * - fair: items are handed out in the order they were (effectively) added;
 * - after `shutDown`, adds are ignored, items already queued are still handed out, and every `get` then
 *   resolves with `shutdown: true`, including those already waiting.
 * Items are compared with SameValueZero (as `Set` does): strings and numbers by value, objects by identity.
 */
export interface Queue<T> {
  /** Marks `item` as needing processing. */
  add(item: T): void;
  /** Resolves with the next item, waiting for one if needed. The item is held until `done(item)`. */
  get(): Promise<GetResult<T>>;
  /**
   * Ends processing of `item`; if it was added again meanwhile it is queued again. Deliberately unlike
   * client-go, `done` of an item no worker holds changes nothing (client-go queues a dirty one a second
   * time, so that two workers could hold it).
   */
  done(item: T): void;
  /** How many items wait to be taken (held items are not counted). */
  len(): number;
  /** Stops accepting adds and releases idle getters once the queue is empty. */
  shutDown(): void;
  /**
   * Like `shutDown`, and resolves once no item is held by a worker, so workers must keep calling `done`.
   * As in client-go it waits for held items only: items still queued stay available to `get` but are
   * not waited for. A later plain `shutDown` stops the wait.
   */
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
  snapshot(): QueueSnapshot<T>;
}

/** The Queue implementation. One worker's `get` is served per item, in the order the `get`s were made. */
export class WorkQueue<T> implements Queue<T> {
  protected readonly clock: Clock;
  private readonly name: string | undefined;
  private readonly metrics: QueueMetrics | undefined;
  private readonly tracer: Tracer | undefined;
  private readonly snapshots: boolean;

  // Names follow client-go: the FIFO itself, what needs processing, and what workers hold.
  private readonly queue = new Fifo<T>();
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();

  /** Pending `get`s; only ever non-empty while `queue` is empty. */
  private readonly getters = new Fifo<(r: GetResult<T>) => void>();
  private drainWaiters: (() => void)[] = [];
  private shutdownCalled = false;

  // Metrics bookkeeping, kept only when metrics are wanted.
  private readonly addedAt: Map<T, number> | undefined;
  private readonly startedAt: Map<T, number> | undefined;
  private unfinishedTimer: TimerHandle | undefined;

  constructor(opts: QueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.name = opts.name;
    this.metrics = opts.name ? opts.metrics : undefined;
    this.tracer = opts.tracer;
    this.snapshots = opts.snapshots ?? false;
    if (this.metrics) {
      this.addedAt = new Map();
      this.startedAt = new Map();
      if (this.metrics.unfinishedWork) this.armUnfinishedWork();
    }
  }

  add(item: T): void {
    if (this.shutdownCalled) return this.emit('add-ignored-shutdown', item);
    if (this.dirty.has(item)) return this.emit('add-ignored-dirty', item);
    this.dirty.add(item);
    this.addedAt?.set(item, this.clock.now());
    this.metric((m) => m.added?.());
    this.depthChanged();
    // A held item goes back in the queue at `done`, never to a second worker now.
    if (this.processing.has(item)) return this.emit('add-deferred-processing', item);
    this.queue.push(item);
    this.emit('add', item);
    this.serveGetters();
  }

  get(): Promise<GetResult<T>> {
    if (this.queue.length > 0) return Promise.resolve({ item: this.take(), shutdown: false });
    if (this.shutdownCalled) return Promise.resolve({ item: undefined, shutdown: true });
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(item: T): void {
    if (!this.processing.delete(item)) return;
    const started = this.startedAt?.get(item);
    if (started !== undefined) {
      this.startedAt!.delete(item);
      this.metric((m) => m.workDuration?.(this.clock.now() - started));
    }
    this.emit('done', item);
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.emit('requeue-after-done', item);
      this.serveGetters();
    }
    if (this.processing.size === 0) this.releaseDrain();
  }

  len(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.beginShutdown(false);
    // As in client-go, a plain shutdown ends any drain in progress.
    this.releaseDrain();
  }

  shutDownWithDrain(): Promise<void> {
    this.beginShutdown(true);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.shutdownCalled;
  }

  snapshot(): QueueSnapshot<T> {
    return { queue: this.queue.toArray(), dirty: [...this.dirty], processing: [...this.processing] };
  }

  /** Called once when shutdown begins, before idle getters are released; subclasses stop their timers. */
  protected onShutDown(): void {}

  /** Sends a trace event with component 'workqueue'; does nothing without a tracer. */
  protected emit(action: string, item?: T, extra?: Record<string, unknown>): void {
    if (!this.tracer) return;
    const data: Record<string, unknown> = { ...extra };
    if (this.name !== undefined) data.name = this.name;
    if (this.snapshots) data.snapshot = this.snapshot();
    const key = keyOf(item);
    safeEmit(this.tracer, {
      component: 'workqueue',
      action,
      ...(key !== undefined ? { key } : {}),
      data,
      at: this.clock.now(),
    });
  }

  /** Calls a metrics hook, ignoring its failures. */
  protected metric(call: (m: QueueMetrics) => void): void {
    if (!this.metrics) return;
    try {
      call(this.metrics);
    } catch {
      // metrics are best effort
    }
  }

  private beginShutdown(drain: boolean): void {
    const first = !this.shutdownCalled;
    this.shutdownCalled = true;
    if (first) this.onShutDown();
    this.emit('shutdown', undefined, { drain });
    // As client-go's update loop, which ends when the queue is shut down.
    this.stopUnfinishedWork();
    // Getters only wait while the queue is empty, so every one of them learns of the shutdown now.
    for (let resolve = this.getters.shift(); resolve; resolve = this.getters.shift()) {
      resolve({ item: undefined, shutdown: true });
    }
  }

  /** Hands queued items to waiting getters, oldest getter first. */
  private serveGetters(): void {
    while (this.getters.length > 0 && this.queue.length > 0) {
      const resolve = this.getters.shift()!;
      resolve({ item: this.take(), shutdown: false });
    }
  }

  /** Moves the head of the queue to `processing`; the caller hands it out. */
  private take(): T {
    const item = this.queue.shift() as T;
    this.dirty.delete(item);
    this.processing.add(item);
    this.depthChanged();
    if (this.metrics) {
      const now = this.clock.now();
      const added = this.addedAt!.get(item);
      this.addedAt!.delete(item);
      if (added !== undefined) this.metric((m) => m.queueLatency?.(now - added));
      this.startedAt!.set(item, now);
    }
    this.emit('get', item);
    return item;
  }

  private releaseDrain(): void {
    if (this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Depth counts what is dirty, as client-go's gauge: queued items and held ones added again, not yet taken. */
  private depthChanged(): void {
    if (this.metrics?.depth) this.metric((m) => m.depth?.(this.dirty.size));
  }

  private armUnfinishedWork(): void {
    this.unfinishedTimer = this.clock.setTimer(() => {
      this.unfinishedTimer = undefined;
      this.reportUnfinishedWork();
      this.armUnfinishedWork();
    }, UNFINISHED_WORK_UPDATE_PERIOD_MS);
  }

  private stopUnfinishedWork(): void {
    this.unfinishedTimer?.cancel();
    this.unfinishedTimer = undefined;
  }

  private reportUnfinishedWork(): void {
    const now = this.clock.now();
    let total = 0;
    let longest = 0;
    for (const started of this.startedAt!.values()) {
      const held = now - started;
      total += held;
      if (held > longest) longest = held;
    }
    this.metric((m) => m.unfinishedWork?.(total, longest));
  }
}

/** Creates a plain work queue. */
export function newQueue<T = string>(opts: QueueOptions = {}): Queue<T> {
  return new WorkQueue<T>(opts);
}

/** A trace key for primitive items; objects have no meaningful key. */
function keyOf(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint' || typeof item === 'symbol') return String(item);
  return undefined;
}
