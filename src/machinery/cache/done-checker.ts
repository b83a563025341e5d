/**
 * DoneChecker and waitFor: waiting for an activity (an informer's sync) by being told, not by polling
 * (client-go v0.36 tools/cache: DoneChecker, WaitFor, and the informer's HasSyncedChecker).
 */

/** Something that finishes once: `done()` settles (never rejects) when it has, and stays settled. */
export interface DoneChecker {
  /** What is being waited for, for messages ('SharedIndexInformer v1/pods'). */
  readonly name: string;
  done(): Promise<void>;
  isDone(): boolean;
}

/** A DoneChecker its owner completes by calling `finish()` (idempotent). */
export class DoneSignal implements DoneChecker {
  readonly name: string;
  private finished = false;
  private readonly promise: Promise<void>;
  private resolve!: () => void;

  constructor(name: string) {
    this.name = name;
    this.promise = new Promise<void>((resolve) => {
      this.resolve = resolve;
    });
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolve();
  }

  done(): Promise<void> {
    return this.promise;
  }

  isDone(): boolean {
    return this.finished;
  }
}

/**
 * client-go's cache.WaitFor: resolves true once every checker is done, false as soon as the signal aborts
 * with one still pending (each is checked once more at that moment). No polling: it reacts at once.
 */
export async function waitFor(signal: AbortSignal, ...checkers: DoneChecker[]): Promise<boolean> {
  if (checkers.every((c) => c.isDone())) return true;
  if (signal.aborted) return false;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([Promise.all(checkers.map((c) => c.done())).then(() => 'done' as const), aborted]);
    return outcome === 'done' || checkers.every((c) => c.isDone());
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
