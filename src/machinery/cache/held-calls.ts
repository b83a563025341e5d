/**
 * The producer calls a queue holds while one of its pops processes an item. client-go runs a pop's process
 * under the queue's lock, so calls made meanwhile take effect after it, against the known objects as the
 * process left them. JavaScript cannot block the caller, so the call returns and its effect waits here.
 *
 * Guarantees: while `processing`, `run` holds what it is given; `end()` stops processing and applies what was
 * held, in call order, each once, even when one of them throws (that failure goes to `onError`: its caller
 * has returned already). Outside processing, `run` applies at once and its failure reaches the caller.
 */
export class HeldCalls {
  /** A pop's process is running: producer calls wait for its end. */
  processing = false;
  private held: (() => void)[] = [];

  /** Applies `apply` now, or once the running process ends. */
  run(apply: () => void): void {
    if (this.processing) this.held.push(apply);
    else apply();
  }

  /** Ends processing and applies what was held. */
  end(onError: (err: unknown) => void): void {
    this.processing = false;
    if (this.held.length === 0) return;
    const calls = this.held;
    this.held = [];
    for (const apply of calls) {
      try {
        apply();
      } catch (err) {
        onError(err);
      }
    }
  }
}
