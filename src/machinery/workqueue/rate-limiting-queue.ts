import { DelayingWorkQueue, type DelayingQueue } from './delaying-queue.ts';
import type { QueueOptions } from './queue.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.ts';

/**
 * A DelayingQueue that asks a RateLimiter how long each retry should wait. Guarantees, besides those of
 * DelayingQueue: `addRateLimited(item)` is `addAfter(item, limiter.when(item))` (so the limiter counts
 * the retry even if the queue is shutting down, as in client-go); `forget` and `numRequeues` go to the
 * limiter. Retry policy stays out of the worker's business logic.
 */
export interface RateLimitingQueue<T> extends DelayingQueue<T> {
  addRateLimited(item: T): void;
  /** The item succeeded: reset its backoff. It does not remove the item from the queue. */
  forget(item: T): void;
  numRequeues(item: T): number;
}

export interface RateLimitingQueueOptions<T> extends QueueOptions {
  /** Defaults to `defaultControllerRateLimiter` on the queue's clock. */
  rateLimiter?: RateLimiter<T>;
}

/** The RateLimitingQueue implementation. */
export class RateLimitingWorkQueue<T> extends DelayingWorkQueue<T> implements RateLimitingQueue<T> {
  private readonly limiter: RateLimiter<T>;

  constructor(opts: RateLimitingQueueOptions<T> = {}) {
    super(opts);
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>({ clock: this.clock });
  }

  addRateLimited(item: T): void {
    const delayMs = this.limiter.when(item);
    this.emit('rate-limited', item, { delayMs, requeues: this.limiter.numRequeues(item) });
    this.addAfter(item, delayMs);
  }

  forget(item: T): void {
    this.limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }
}

/** Creates a rate-limiting queue with the given limiter. */
export function newRateLimitingQueue<T = string>(limiter: RateLimiter<T>, opts: QueueOptions = {}): RateLimitingQueue<T> {
  return new RateLimitingWorkQueue<T>({ ...opts, rateLimiter: limiter });
}
