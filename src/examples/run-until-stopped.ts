/**
 * How the long-running lesson examples (watch, informer) end: on the command's interrupt signal, after an
 * optional timeout, or when the example itself decides (an expired watch). The first reason wins. While
 * running it holds the process open: the machinery's own timers are unref'd on purpose.
 */
import { stopSignalOf } from '../core/errors.ts';

export interface StopControl<R extends string> {
  /** Aborts when the run should end, whatever the reason. */
  readonly signal: AbortSignal;
  /** Safe to pass around unbound. */
  readonly stopWith: (reason: R) => void;
  /** The first reason given; 'interrupted' (Ctrl-C) or 'terminated' (SIGTERM) when the command's signal ended it. */
  reason(): R | SignalStop | undefined;
  /** Resolves once stopped. */
  stopped(): Promise<void>;
  /** Stops (if not yet), and releases the timers and the listener. */
  dispose(): void;
}

export type SignalStop = 'interrupted' | 'terminated';

export function stopControl<R extends string>(interrupt: AbortSignal, timeout?: { ms: number; reason: R }): StopControl<R> {
  const stop = new AbortController();
  let first: R | SignalStop | undefined;
  const end = (r: R | SignalStop) => {
    first ??= r;
    stop.abort();
  };
  const onInterrupt = () => end(stopSignalOf(interrupt.reason) === 'SIGTERM' ? 'terminated' : 'interrupted');
  if (interrupt.aborted) onInterrupt();
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  const timer = timeout?.ms ? setTimeout(() => end(timeout.reason), timeout.ms) : undefined;
  const keepAlive = setInterval(() => {}, 60_000);
  return {
    signal: stop.signal,
    stopWith: end,
    reason: () => first,
    stopped: () => (stop.signal.aborted ? Promise.resolve() : new Promise((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }))),
    dispose: () => {
      stop.abort();
      interrupt.removeEventListener('abort', onInterrupt);
      if (timer) clearTimeout(timer);
      clearInterval(keepAlive);
    },
  };
}
