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
  /** After this long without a failure (ms), start again from the initial delay. Default 120 000. */
  resetAfterMs?: number;
  /** A source of numbers in [0, 1); injectable for tests. Default Math.random. */
  random?: () => number;
}

/**
 * client-go's reflector backoff (800 ms, x2, jitter 1.0, cap 30 s, reset after 2 min).
 *
 * Guarantees: the n-th consecutive delay is d_n * (1 + jitter * r) where d_1 = initial and
 * d_{n+1} = min(d_n * factor, cap), with r drawn from `random`; if more than `resetAfterMs` passed since
 * the previous `next()`, the sequence restarts at d_1. As in client-go, the cap applies before jitter, so
 * with jitter 1.0 a delay can reach almost twice the cap.
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
  private lastAt: number | undefined;

  constructor(options: ExponentialBackoffOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.initialMs = options.initialMs ?? 800;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 1.0;
    this.capMs = options.capMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 120_000;
    this.random = options.random ?? Math.random;
    this.currentMs = this.initialMs;
  }

  next(): number {
    const now = this.clock.now();
    if (this.lastAt !== undefined && now - this.lastAt > this.resetAfterMs) this.currentMs = this.initialMs;
    this.lastAt = now;
    const base = this.currentMs;
    this.currentMs = Math.min(this.currentMs * this.factor, this.capMs);
    return this.jitter > 0 ? base + this.jitter * this.random() * base : base;
  }

  reset(): void {
    this.currentMs = this.initialMs;
    this.lastAt = undefined;
  }
}
