/**
 * Runs one command line through a commander program and turns what happened into an exit code, in one place
 * for the CLI's entry and for the lessons that run commands in-process. Commands return their outcome (or
 * nothing, which means done); nothing here reads or writes process.exitCode or exits the process.
 */
import { CommanderError, type Command } from 'commander';
import { ExitCode } from '../core/errors.ts';
import { reportError } from './funnel.ts';
import { oneLineUsageErrors } from './usage.ts';

/**
 * What a command says about how it ended, when it did not throw:
 * - 'done': it did its job (exit 0; 130 or 143 when a signal cut it short, even if it wound down cleanly);
 * - 'checks-failed': it ran to the end and found something unhealthy (exit 1);
 * - 'not-passing': the learner's exercise was checked and does not pass yet (exit 1).
 */
export type CommandOutcome = 'done' | 'checks-failed' | 'not-passing';

// Commander drops what an action returns: `returnsOutcome` keeps it here, per root program.
const outcomes = new WeakMap<Command, CommandOutcome>();

/** Wraps an action so the outcome it returns reaches runCommand. */
export function returnsOutcome<A extends unknown[]>(action: (...args: A) => Promise<CommandOutcome | void>): (this: Command, ...args: A) => Promise<void> {
  return async function (this: Command, ...args: A) {
    const outcome = await action(...args);
    if (outcome) outcomes.set(rootOf(this), outcome);
  };
}

function rootOf(cmd: Command): Command {
  return cmd.parent ? rootOf(cmd.parent) : cmd;
}

export interface RunCommandOptions {
  /** The signal the program's commands stop on (Ctrl-C). */
  signal: AbortSignal;
  debug: boolean;
  /** Where error lines go, one line per call. */
  writeErr: (line: string) => void;
  /** 'node' for process.argv (the CLI), 'user' for bare arguments (a lesson's command). */
  from: 'node' | 'user';
  /** True when the caller stopped the command on purpose (a lesson's time limit): then it ended well. */
  stoppedOnPurpose?: () => boolean;
}

/** Parses and runs `argv`; returns the exit code. Every failure is reported through the error funnel. */
export async function runCommand(program: Command, argv: string[], opts: RunCommandOptions): Promise<number> {
  oneLineUsageErrors(program);
  const onPurpose = opts.stoppedOnPurpose ?? (() => false);
  try {
    await program.parseAsync(argv, { from: opts.from });
    const code = exitCodeFor(outcomes.get(program) ?? 'done');
    // Stopped by Ctrl-C or SIGTERM: the signal's code (the funnel says which, in one line), however cleanly it ended.
    if (code === ExitCode.ok && opts.signal.aborted && !onPurpose()) return reportError(opts.signal.reason, { debug: opts.debug, write: opts.writeErr });
    return code;
  } catch (err) {
    // --help and --version end here with 0; usage errors arrive as one-line UserFacingErrors (usage.ts).
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (onPurpose()) return ExitCode.ok;
    return reportError(opts.signal.aborted ? opts.signal.reason : err, { debug: opts.debug, write: opts.writeErr });
  } finally {
    outcomes.delete(program);
  }
}

/** The one mapping from a command's outcome to an exit code (errors map through the funnel, signals above). */
export function exitCodeFor(outcome: CommandOutcome): number {
  return outcome === 'done' ? ExitCode.ok : ExitCode.failure;
}
