/**
 * Time, injected. Every timer in the machinery goes through a Clock so tests can use a FakeClock and never
 * sleep. Times are milliseconds; `now()` is monotonic for the real clock.
 */
export interface Clock {
  now(): number;
  /** Runs `fn` once after `ms`. The returned handle cancels it. Real timers are unref'd: they never keep the process alive. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** How early, by `now()`, a timer may fire (ms); absent: never early. */
  readonly timerSlackMs?: number;
}

export interface TimerHandle {
  cancel(): void;
}

export class RealClock implements Clock {
  /**
   * Node arms a timer from the event loop's time, kept in whole milliseconds (and on Linux possibly read from
   * the coarse monotonic clock), so a timer can fire up to ~2 ms before the deadline `now()` gave it.
   */
  readonly timerSlackMs = 5;

  /**
   * Milliseconds since the process started, as performance.now() counts them; not that call itself: the
   * global `performance` loads perf_hooks (~2-5 ms of a one-request command).
   */
  now(): number {
    return process.uptime() * 1000;
  }

  /** Waits longer than Node's timer limit (2^31-1 ms, ~24.8 days, which Node would fire at once) in steps. */
  setTimer(fn: () => void, ms: number): TimerHandle {
    let t: NodeJS.Timeout;
    const arm = (left: number) => {
      const step = Math.min(left, MAX_NODE_TIMER_MS);
      t = setTimeout(() => (left > step ? arm(left - step) : fn()), step);
      t.unref();
    };
    arm(Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

const MAX_NODE_TIMER_MS = 2_147_483_647;

export const realClock: Clock = new RealClock();

/**
 * A clock that moves only when told to. `advance(ms)` fires due timers in deadline order (ties in creation
 * order), letting pending promise callbacks run between timers so async code observes each step.
 *
 * Deliberate difference from k8s.io/utils' FakeClock, whose Step sets the final time first and then fires,
 * once, the timers that existed before it: here each timer fires at its own deadline (`now()` reads that
 * deadline), and timers set during the advance fire too when due within it, as they would on a real clock.
 * So an item added with a 1 s delay and taken after one 3 s advance shows 2 s of queue latency; Go shows 0.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Number of timers not yet fired. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = next.at;
      next.fn();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }

  private nextDue(limit: number) {
    let best: (typeof this.timers)[number] | undefined;
    for (const t of this.timers) {
      if (t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets every already-queued promise continuation run (several rounds, for chains of awaits). */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
