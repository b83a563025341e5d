/** Process entry: wires the interrupt signal, runs the program, and funnels every failure to one line and an exit code. */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { ExitCode } from '../core/errors.ts';
import { kubectlForms } from './argv.ts';
import { reportError } from './funnel.ts';
import { createProgram } from './program.ts';

/** Runs the CLI and returns the exit code (the shim exits with it, so stray sockets or timers cannot hold the process). */
export async function main(argv: string[]): Promise<number> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const interrupt = new AbortController();
  if (argv[2] === '__complete') {
    // The shell completion scripts' callback: candidates, one a line, and never an error.
    const { complete, defaultSources } = await import('./completion.ts');
    const program = createProgram({ version: pkg.version, signal: interrupt.signal });
    for (const c of await complete(program, argv.slice(3), defaultSources())) process.stdout.write(c + '\n');
    return ExitCode.ok;
  }
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    // First signal: ask everything to stop and clean up. Second: leave at once.
    if (stoppedBy) process.exit(stoppedBy === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted);
    stoppedBy = signal;
    interrupt.abort(Object.assign(new Error(signal === 'SIGTERM' ? 'terminated' : 'interrupted'), { name: 'AbortError' }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
  let code: number;
  try {
    await program.parseAsync([...argv.slice(0, 2), ...kubectlForms(argv.slice(2))]);
    // A command stopped by a signal ends with the signal's code even when it wound down cleanly (a
    // controller draining its queue): the caller asked it to stop, and it did not finish on its own.
    const set = process.exitCode === undefined ? undefined : Number(process.exitCode);
    code = stoppedBy ? reportError(interrupt.signal.reason, { debug }) : (set ?? ExitCode.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0 (usage errors are UserFacingErrors: usage.ts).
      code = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    } else {
      code = stdoutClosed ? ExitCode.ok : reportError(interrupt.signal.aborted ? interrupt.signal.reason : err, { debug });
    }
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (stdoutError) return reportError(stdoutError, { debug });
  return stdoutClosed ? ExitCode.ok : code;
}
