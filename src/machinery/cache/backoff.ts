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

/** ExponentialBackoff settings (wait.Backoff's fields); the defaults are client-go's reflector values. */
export interface ExponentialBackoffOptions {
  clock?: Clock;
  /** First delay before jitter (ms). Default 800. */
  initialMs?: number;
  /** Growth per failure; 0 keeps the delay constant. Default 2. */
  factor?: number;
  /** Up to this fraction of the delay is added at random; 0 or less adds none. Default 1.0 (so the delay lies in [d, 2d)). */
  jitter?: number;
  /** The un-jittered delay never grows past this (ms); 0 or less: no cap. Default 30 000. */
  capMs?: number;
  /**
   * How many times the delay may still grow; reaching the cap ends the growth too. Default
   * ceil(capMs / initialMs), as client-go's reflector derives it (so 0 without a cap: a constant delay).
   */
  steps?: number;
  /**
   * At most this often (ms), the sequence starts again from the initial delay; 0 or less: the delay never
   * grows. Default 120 000.
   */
  resetAfterMs?: number;
  /** A source of numbers in [0, 1); injectable for tests. Default Math.random. */
  random?: () => number;
}

/**
 * client-go's reflector backoff (800 ms, x2, jitter 1.0, cap 30 s, reset after 2 min: wait.Backoff with
 * DelayWithReset, apimachinery v0.36).
 *
 * Guarantees: the n-th delay is d_n * (1 + jitter * r) where d_1 = initial and d_{n+1} = min(d_n * factor,
 * cap) while steps remain (each growth uses one; hitting the cap uses them all), else d_n, with r drawn from
 * `random`; when more than `resetAfterMs` passed since construction or the last reset, `next()` first
 * restarts the sequence (delay and steps) at d_1 (client-go measures from its last reset, not from the last
 * failure, so even a reflector that keeps failing drops back to d_1 every 2 min). As in client-go, the cap
 * applies before jitter, so with jitter 1.0 a delay can reach almost twice the cap; a factor of 0 or a
 * reset interval of 0 or less keeps every delay at d_1; a negative factor never restarts the sequence; and
 * delays are whole nanoseconds, truncated as Go's time.Duration conversions truncate.
 */
export class ExponentialBackoff implements Backoff {
  private readonly clock: Clock;
  private readonly initialNs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly capNs: number;
  private readonly initialSteps: number;
  /** Null when the sequence never restarts (client-go then uses a plain DelayFunc). */
  private readonly resetAfterMs: number | null;
  private readonly random: () => number;
  private currentNs: number;
  private steps: number;
  private lastResetAt: number;

  constructor(options: ExponentialBackoffOptions = {}) {
    this.clock = options.clock ?? realClock;
    const initialMs = options.initialMs ?? 800;
    const capMs = options.capMs ?? 30_000;
    this.initialNs = toNs(initialMs);
    this.jitter = options.jitter ?? 1.0;
    this.capNs = toNs(capMs);
    this.random = options.random ?? Math.random;
    let factor = options.factor ?? 2;
    let steps = options.steps ?? (capMs > 0 ? Math.ceil(capMs / initialMs) : 0);
    const resetAfterMs = options.resetAfterMs ?? 120_000;
    // As DelayWithReset: no positive reset interval means no growth at all; no positive factor, no restarts.
    if (factor > 0 && resetAfterMs <= 0) {
      factor = 0;
      steps = 0;
    }
    this.factor = factor;
    this.initialSteps = steps;
    this.resetAfterMs = factor > 0 ? resetAfterMs : null;
    this.currentNs = this.initialNs;
    this.steps = this.initialSteps;
    this.lastResetAt = this.clock.now();
  }

  next(): number {
    const now = this.clock.now();
    if (this.resetAfterMs !== null && now - this.lastResetAt > this.resetAfterMs) {
      this.restart(now);
    }
    const base = this.currentNs;
    if (this.steps >= 1) {
      this.steps--;
      // As wait.Backoff.Step: with a factor of 0 the delay is left as it is, the cap included.
      if (this.factor !== 0) {
        let grown = Math.trunc(base * this.factor);
        if (this.capNs > 0 && grown > this.capNs) {
          grown = this.capNs;
          this.steps = 0;
        }
        this.currentNs = grown;
      }
    }
    const delayNs = this.jitter > 0 ? base + Math.trunc(this.random() * this.jitter * base) : base;
    return delayNs / 1e6;
  }

  reset(): void {
    this.restart(this.clock.now());
  }

  private restart(now: number): void {
    this.currentNs = this.initialNs;
    this.steps = this.initialSteps;
    this.lastResetAt = now;
  }
}

/**
 * Milliseconds to whole nanoseconds (time.Duration's unit). Rounded, not truncated: the product of a
 * fractional millisecond count and 1e6 can fall just short of the whole number it stands for (1.001 ms
 * gives 1000999.9999999999).
 */
function toNs(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms * 1e6) : ms;
}
