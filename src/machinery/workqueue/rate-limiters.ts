import { realClock, type Clock } from '../clock.ts';

/**
 * Decides how long an item should wait before it is retried. `when` is called once per retry and
 * records it; `forget` clears what the limiter knows about the item (call it after a success);
 * `numRequeues` is how many retries the limiter has counted for it.
 *
 * Deliberate difference: the limiters below refuse settings client-go accepts but cannot mean (a negative
 * delay or attempt count, a bucket with no burst or no positive rate) with a RangeError when made, where
 * client-go returns negative or practically endless delays.
 */
export interface RateLimiter<T> {
  /** Delay in milliseconds before `item` may be retried; counts as one retry. */
  when(item: T): number;
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** client-go's DefaultControllerRateLimiter numbers. */
export const DEFAULT_CONTROLLER_BASE_DELAY_MS = 5;
export const DEFAULT_CONTROLLER_MAX_DELAY_MS = 1_000_000;
export const DEFAULT_CONTROLLER_QPS = 10;
export const DEFAULT_CONTROLLER_BURST = 100;
/** client-go's DefaultItemBasedRateLimiter numbers (per-item backoff only). */
export const DEFAULT_ITEM_BASE_DELAY_MS = 1;
export const DEFAULT_ITEM_MAX_DELAY_MS = 1_000_000;

/**
 * Per-item exponential backoff: the n-th `when` for an item (counting from 0 since its last `forget`)
 * returns `baseMs * 2^n`, never more than `maxMs`. Huge n cannot overflow: the result is then `maxMs`.
 */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(baseMs: number, maxMs: number) {
    requireNonNegative('baseMs', baseMs);
    requireNonNegative('maxMs', maxMs);
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  when(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    if (this.baseMs === 0) return 0;
    // 2 ** n becomes Infinity for n >= 1024; the comparison then picks maxMs.
    const backoff = this.baseMs * 2 ** n;
    return backoff < this.maxMs ? backoff : this.maxMs;
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** Per item: `fastMs` for the first `maxFastAttempts` retries, `slowMs` after that. */
export class ItemFastSlowRateLimiter<T> implements RateLimiter<T> {
  private readonly attempts = new Map<T, number>();
  private readonly fastMs: number;
  private readonly slowMs: number;
  private readonly maxFastAttempts: number;

  constructor(fastMs: number, slowMs: number, maxFastAttempts: number) {
    requireNonNegative('fastMs', fastMs);
    requireNonNegative('slowMs', slowMs);
    requireNonNegative('maxFastAttempts', maxFastAttempts);
    this.fastMs = fastMs;
    this.slowMs = slowMs;
    this.maxFastAttempts = maxFastAttempts;
  }

  when(item: T): number {
    const n = (this.attempts.get(item) ?? 0) + 1;
    this.attempts.set(item, n);
    return n <= this.maxFastAttempts ? this.fastMs : this.slowMs;
  }

  forget(item: T): void {
    this.attempts.delete(item);
  }

  numRequeues(item: T): number {
    return this.attempts.get(item) ?? 0;
  }
}

/**
 * One token bucket shared by all items: it holds up to `burst` tokens, starts full, and refills at `qps`
 * tokens per second of the Clock. Each `when` takes a token, borrowing against future refills when none
 * is left, and returns how long until that token exists. It keeps nothing per item: `forget` does nothing
 * and `numRequeues` is always 0.
 */
export class BucketRateLimiter<T = unknown> implements RateLimiter<T> {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  /** May go negative: tokens already promised to callers told to wait. */
  private tokens: number;
  private last: number;

  constructor(qps: number, burst: number, opts: { clock?: Clock } = {}) {
    if (!(qps > 0)) throw new RangeError(`qps must be > 0, got ${qps}`);
    if (!(Number.isInteger(burst) && burst >= 1)) throw new RangeError(`burst must be an integer >= 1, got ${burst}`);
    this.qps = qps;
    this.burst = burst;
    this.clock = opts.clock ?? realClock;
    this.tokens = burst;
    this.last = this.clock.now();
  }

  when(_item: T): number {
    if (this.qps === Infinity) return 0;
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
      this.last = now;
    }
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

/** Combines limiters: every one of them records each retry, and the longest delay wins. */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** Caps another limiter's delays at `maxDelayMs`, which it otherwise leaves alone (client-go's WithMaxWaitRateLimiter). */
export class WithMaxWaitRateLimiter<T> implements RateLimiter<T> {
  private readonly limiter: RateLimiter<T>;
  private readonly maxDelayMs: number;

  constructor(limiter: RateLimiter<T>, maxDelayMs: number) {
    this.limiter = limiter;
    this.maxDelayMs = maxDelayMs;
  }

  when(item: T): number {
    return Math.min(this.limiter.when(item), this.maxDelayMs);
  }

  forget(item: T): void {
    this.limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }
}

/**
 * client-go's default for controllers: per-item exponential backoff from 5 ms to 1000 s, and an overall
 * 10 qps (burst 100) bucket so a flood of failures cannot hammer the API server.
 */
export function defaultControllerRateLimiter<T = string>(opts: { clock?: Clock } = {}): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>(DEFAULT_CONTROLLER_BASE_DELAY_MS, DEFAULT_CONTROLLER_MAX_DELAY_MS),
    new BucketRateLimiter<T>(DEFAULT_CONTROLLER_QPS, DEFAULT_CONTROLLER_BURST, opts),
  );
}

/** client-go's default per-item limiter: exponential backoff from 1 ms to 1000 s, no shared bucket. */
export function defaultItemBasedRateLimiter<T = string>(): RateLimiter<T> {
  return new ItemExponentialFailureRateLimiter<T>(DEFAULT_ITEM_BASE_DELAY_MS, DEFAULT_ITEM_MAX_DELAY_MS);
}

function requireNonNegative(name: string, value: number): void {
  if (!(value >= 0)) throw new RangeError(`${name} must be >= 0, got ${value}`);
}
