// Exercise: rate-limiter (Understanding Kubernetes controllers I, the workqueue).
// When a key fails, the workqueue asks a rate limiter how long to wait before retrying it. client-go's
// per-item exponential limiter answers base * 2^n for the n-th failure of that key (n from 0), capped at max,
// and forgets a key's failures when told it succeeded. Every key counts on its own.
//
// Run `npx kube-lessons verify rate-limiter`.
import type { RateLimiter } from 'kube-lessons/machinery';

export class ExponentialLimiter implements RateLimiter<string> {
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(baseMs: number, maxMs: number) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  /** How long `item` waits before its next retry; counts one failure of it. */
  when(item: string): number {
    // TODO: count the failures per item (a Map), and return baseMs * 2 ** failuresBefore, at most maxMs.
    void item;
    return 0;
  }

  /** The item succeeded: its next failure starts from baseMs again. */
  forget(item: string): void {
    // TODO
    void item;
  }

  /** How many failures of `item` were counted since it was last forgotten. */
  numRequeues(item: string): number {
    // TODO
    void item;
    return 0;
  }
}
