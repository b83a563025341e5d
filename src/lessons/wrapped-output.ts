/**
 * What a lesson's commands print, wrapped to the screen at word boundaries: tables and long log lines would
 * otherwise be cut mid-word by the terminal. Whole lines pass through at once (a streaming watch prints
 * line by line); a trailing partial line waits for its end or for `flush`.
 */
import { wrapToWidth } from './markdown.ts';

/** The part of a terminal stream the CLI's output writes to. */
export interface LineSink {
  write(text: string): boolean;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

export interface WrappedOutput extends LineSink {
  flush(): void;
}

export function wrappedOutput(target: LineSink, width: () => number): WrappedOutput {
  let pending = '';
  const emit = (text: string) => target.write(wrapToWidth(text, width()));
  return {
    get isTTY() {
      return target.isTTY;
    },
    get columns() {
      return target.columns;
    },
    write(text: string): boolean {
      pending += text;
      const end = pending.lastIndexOf('\n');
      if (end < 0) return true;
      const whole = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      return emit(whole);
    },
    flush() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}
