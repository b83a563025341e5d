/**
 * The one place failures become output: a single line `error: <what failed>: <why> (hint: <what to do>)` on
 * stderr, a distinct exit code, and a stack trace only with --debug. Everything printed is redacted.
 */
import { describeError, ExitCode, InterruptedError, type ErrorContext } from '../core/errors.ts';
import { redact } from '../core/redact.ts';

export function reportError(err: unknown, opts: { debug: boolean; context?: ErrorContext; write?: (s: string) => void }): number {
  const write = opts.write ?? ((s: string) => void process.stderr.write(s + '\n'));
  const e = describeError(err, opts.context);
  if (e instanceof InterruptedError || e.exitCode === ExitCode.interrupted || e.exitCode === ExitCode.terminated) {
    write(e.message);
    return e.exitCode;
  }
  const [first, ...rest] = e.message.split('\n');
  write(redact(`error: ${first}${e.hint ? ` (hint: ${e.hint})` : ''}`));
  // Multi-line details (a component's log tail) follow the one-line summary, indented.
  if (rest.length) write(redact(rest.map((l) => `  ${l}`).join('\n')));
  if (opts.debug) {
    // Every stack down the cause chain: the outermost error often says only "fetch failed".
    let cur: unknown = (e as { cause?: unknown }).cause ?? err;
    for (let depth = 0; cur && depth < 6; depth++) {
      write(redact(`${depth ? 'caused by: ' : ''}${cur instanceof Error ? (cur.stack ?? cur.message) : JSON.stringify(cur)}`));
      cur = (cur as { cause?: unknown }).cause;
    }
  }
  return e.exitCode;
}
