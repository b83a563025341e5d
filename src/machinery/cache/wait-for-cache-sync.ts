/**
 * waitForCacheSync: the gate controllers pass before starting workers, so they never act on a half-filled
 * cache.
 */
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';

/** How often the sync functions are polled. */
export const syncedPollPeriodMs = 100;

/** The stop signal, and the clock to poll on. */
export interface WaitForCacheSyncOptions {
  signal: AbortSignal;
  /** The clock to poll on. Default the real clock. */
  clock?: Clock;
}

/**
 * client-go's free function cache.WaitForCacheSync, which still polls (v0.36): the factory's
 * waitForCacheSync and waitFor (done-checker.ts) wait on DoneCheckers instead and react at once.
 * Polls every `hasSynced` function at once and then every 100 ms. Resolves true as soon as all of them
 * return true, false if the signal aborts first. Never rejects (a throwing function counts as not synced).
 */
export async function waitForCacheSync(stop: AbortSignal | WaitForCacheSyncOptions, ...hasSynced: (() => boolean)[]): Promise<boolean> {
  const { signal, clock = realClock } = stop instanceof AbortSignal ? { signal: stop } : stop;
  for (;;) {
    if (hasSynced.every(safely)) return true;
    if (signal.aborted) return false;
    try {
      await clock.sleep(syncedPollPeriodMs, signal);
    } catch {
      return false;
    }
  }
}

function safely(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}
