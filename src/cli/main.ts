/** Process entry: wires the interrupt signal, runs the program, and funnels every failure to one line and an exit code. */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { ExitCode } from '../core/errors.ts';
import { reportError } from './funnel.ts';
import { createProgram } from './program.ts';

/** Runs the CLI and returns the exit code (the shim exits with it, so stray sockets or timers cannot hold the process). */
export async function main(argv: string[]): Promise<number> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    // First Ctrl-C: ask everything to stop and clean up. Second: leave at once.
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    interrupt.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // A closed pipe (`kube-lessons watch pods | head`) is a request to stop, not a crash.
  let stdoutClosed = false;
  let stdoutError: Error | undefined;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stdoutClosed = true;
    else stdoutError ??= new Error(`cannot write the output: ${err.code ?? err.message}`);
    interrupt.abort(Object.assign(new Error('stdout closed'), { name: 'AbortError' }));
  });
  const debug = argv.includes('--debug');
  const program = createProgram({ version: pkg.version, signal: interrupt.signal });
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let code: number;
  try {
    await program.parseAsync(argv);
    // Commands report a failed check (not an error) through process.exitCode; one that treats Ctrl-C as its
    // normal end (a controller draining its queue) sets it to 0 explicitly.
    const set = process.exitCode === undefined ? undefined : Number(process.exitCode);
    code = interrupt.signal.aborted && set !== 0 ? ExitCode.interrupted : (set ?? ExitCode.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage errors were already printed.
      code = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    } else {
      code = stdoutClosed ? ExitCode.ok : reportError(interrupt.signal.aborted ? interrupt.signal.reason : err, { debug });
    }
  }
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  if (stdoutError) return reportError(stdoutError, { debug });
  return stdoutClosed ? ExitCode.ok : code;
}
