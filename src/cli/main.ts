/** Process entry: wires the interrupt signal, runs the program, and funnels every failure to one line and an exit code. */
import { readFileSync } from 'node:fs';
import { ExitCode } from '../core/errors.ts';
import { kubectlForms } from '../console/argv.ts';
import { reportError } from '../console/funnel.ts';
import { runCommand } from '../console/run-command.ts';
import { standardStream } from '../console/stdio.ts';
import { commandNamed, createProgram, loadCommands } from './program.ts';
import { launchStep } from './relaunch.ts';

/** The package's version, inlined by scripts/bundle.js; undeclared where dist/cli runs unbundled (tests). */
declare const __KUBE_LESSONS_VERSION__: string | undefined;

/** The bundle knows its version without reading package.json (a file read and a JSON parse on every run). */
function packageVersion(): string {
  if (typeof __KUBE_LESSONS_VERSION__ === 'string') return __KUBE_LESSONS_VERSION__;
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Runs the CLI and returns the exit code (the shim exits with it, so stray sockets or timers cannot hold the process). */
export async function main(argv: string[]): Promise<number> {
  const version = packageVersion();
  const interrupt = new AbortController();
  // A closed pipe (`kube-lessons watch pods | head`) is a request to stop, not a crash.
  let stdoutClosed = false;
  let stdoutError: Error | undefined;
  const stdout = standardStream(1, (err) => {
    if (err.code === 'EPIPE') stdoutClosed = true;
    else stdoutError ??= new Error(`cannot write the output: ${err.code ?? err.message}`);
    interrupt.abort(Object.assign(new Error('stdout closed'), { name: 'AbortError' }));
  });
  // A standard error nobody reads leaves nowhere to say so.
  const stderr = standardStream(2, () => {});
  if (argv[2] === '__complete') {
    // The shell completion scripts' callback: candidates, one a line, and never an error.
    const [{ complete, defaultSources }] = await Promise.all([import('./completion.ts'), loadCommands()]);
    const program = createProgram({ version, signal: interrupt.signal, stdout, stderr });
    for (const c of await complete(program, argv.slice(3), defaultSources())) stdout.write(c + '\n');
    await stdout.flushed(); // the shell reads the candidates through a pipe
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
  const debug = argv.includes('--debug');
  const writeErr = (line: string) => void stderr.write(line + '\n');
  const line = kubectlForms(argv.slice(2));
  // Only the command the line runs (or asks help for) is loaded; help and usage errors need none.
  const command = commandNamed(line);
  if (command) await loadCommands([command]);
  const program = createProgram({
    version,
    signal: interrupt.signal,
    beforeAction: (cmd) => launchStep(cmd, { debug, interrupted: interrupt.signal.aborted, write: writeErr }),
    command,
    stdout,
    stderr,
  });
  const code = await runCommand(program, [...argv.slice(0, 2), ...line], {
    signal: interrupt.signal,
    debug,
    writeErr,
    from: 'node',
    // A closed pipe ended the command: that is the reader's choice, not a failure.
    stoppedOnPurpose: () => stdoutClosed,
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // The shim exits with process.exit, which would drop output a pipe has not taken yet (flushed.ts). Waited
  // for with the signal handlers off, so Ctrl-C still ends a wait on a reader that stopped reading.
  await stdout.flushed();
  const result = stdoutError ? reportError(stdoutError, { debug, write: writeErr }) : stdoutClosed ? ExitCode.ok : code;
  await stderr.flushed();
  return result;
}
