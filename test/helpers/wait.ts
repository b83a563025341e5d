/**
 * Waiting for a state that sends no event: a file another process writes, a terminal's screen, an object
 * the API server holds. Polled; the deadline is only the bound after which the test fails, saying what it
 * waited for. Where an event exists (a line of output, a watch event, a callback), wait for that instead.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs?: number;
  everyMs?: number;
  /** What to add to the failure message (the screen's end, say). */
  detail?: () => string;
}

/** Resolves with the first value `get` returns that is not undefined. */
export async function waitFor<T>(what: string, get: () => Promise<T | undefined> | T | undefined, opts: PollOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) break;
    await sleep(opts.everyMs ?? 200);
  }
  const detail = opts.detail?.();
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `:\n${detail}` : ''}`);
}

/** Resolves once `check` returns true. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000, everyMs = 200): Promise<void> {
  await waitFor(what, async () => ((await check()) ? true : undefined), { timeoutMs, everyMs });
}
