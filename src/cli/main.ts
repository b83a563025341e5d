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
  const debug = argv.includes('--debug');
  const program = createProgram({ version: pkg.version, signal: interrupt.signal });
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let code: number = ExitCode.ok;
  try {
    await program.parseAsync(argv);
    if (interrupt.signal.aborted) code = ExitCode.interrupted;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage errors were already printed.
      code = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    } else {
      code = reportError(interrupt.signal.aborted ? interrupt.signal.reason : err, { debug });
    }
  }
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  return code;
}
