/**
 * Lines written during one turn of the event loop, handed on as one text. A controller logs several lines
 * per sync (the write, its event, "successfully synced"), and every write to stdout is a system call and a
 * wake-up of whoever reads the pipe: one per line was 1,810 writes for 200 Foos.
 *
 * Guarantees: lines keep their order; what is queued goes out at the end of the current turn (setImmediate),
 * or at once on flush(); nothing is written while nothing is queued.
 */
export interface LineBatch {
  line(text: string): void;
  /** Writes what is queued now (before a summary, or before the process ends); needs no `this`, so it can be a listener. */
  readonly flush: () => void;
}

/** `write` receives the turn's lines joined by newlines, without a final one (as Output.line expects). */
export function lineBatch(write: (text: string) => void): LineBatch {
  let pending: string[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending.length === 0) return;
    const text = pending.join('\n');
    pending = [];
    write(text);
  };
  return {
    line(text) {
      pending.push(text);
      scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
