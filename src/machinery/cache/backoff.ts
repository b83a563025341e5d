/**
 * Exponential backoff with jitter, measured on a Clock: how long a reflector waits before retrying after
 * a failure, so a broken API server is not hammered (client-node's informer flooded the API after reconnects:
 * kubernetes-client/javascript#1933). The defaults are those of client-go's tools/cache/reflector.go.
 */
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';

/** Hands out retry delays. `next()` records a failure and returns the delay before the next attempt. */
export interface Backoff {
  next(): number;
  /** Forget past failures: the next delay starts from the initial one again. */
  reset(): void;
}

/** ExponentialBackoff settings; the defaults are client-go's reflector values. */
export interface ExponentialBackoffOptions {
  clock?: Clock;
  /** First delay before jitter (ms). Default 800. */
  initialMs?: number;
  /** Growth per failure. Default 2. */
  factor?: number;
  /** Up to this fraction of the delay is added at random. Default 1.0 (so the delay lies in [d, 2d)). */
  jitter?: number;
  /** The un-jittered delay never grows past this (ms). Default 30 000. */
  capMs?: number;
  /** At most this often (ms), the sequence starts again from the initial delay. Default 120 000. */
  resetAfterMs?: number;
  /** A source of numbers in [0, 1); injectable for tests. Default Math.random. */
  random?: () => number;
}

/**
 * client-go's reflector backoff (800 ms, x2, jitter 1.0, cap 30 s, reset after 2 min: wait.Backoff with
 * DelayWithReset, apimachinery v0.36).
 *
 * Guarantees: the n-th delay is d_n * (1 + jitter * r) where d_1 = initial and d_{n+1} = min(d_n * factor,
 * cap), with r drawn from `random`; when more than `resetAfterMs` passed since construction or the last
 * reset, `next()` first restarts the sequence at d_1 (client-go's backoffManager measures from its last
 * reset, not from the last failure, so even a reflector that keeps failing drops back to d_1 every 2 min).
 * As in client-go, the cap applies before jitter, so with jitter 1.0 a delay can reach almost twice the cap.
 */
export class ExponentialBackoff implements Backoff {
  private readonly clock: Clock;
  private readonly initialMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly capMs: number;
  private readonly resetAfterMs: number;
  private readonly random: () => number;
  private currentMs: number;
  private lastResetAt: number;

  constructor(options: ExponentialBackoffOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.initialMs = options.initialMs ?? 800;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 1.0;
    this.capMs = options.capMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 120_000;
    this.random = options.random ?? Math.random;
    this.currentMs = this.initialMs;
    this.lastResetAt = this.clock.now();
  }

  next(): number {
    const now = this.clock.now();
    if (now - this.lastResetAt > this.resetAfterMs) {
      this.currentMs = this.initialMs;
      this.lastResetAt = now;
    }
    const base = this.currentMs;
    this.currentMs = Math.min(this.currentMs * this.factor, this.capMs);
    return this.jitter > 0 ? base + this.jitter * this.random() * base : base;
  }

  reset(): void {
    this.currentMs = this.initialMs;
    this.lastResetAt = this.clock.now();
  }
}
