/**
 * Runs one command line through a commander program and turns what happened into an exit code, in one place
 * for the CLI's entry and for the lessons that run commands in-process. Commands return their outcome (or
 * nothing, which means done); nothing here reads or writes process.exitCode or exits the process.
 */
import { CommanderError, type Command } from 'commander';
import { ExitCode } from '../core/errors.ts';
import { reportError } from './funnel.ts';

/**
 * What a command says about how it ended, when it did not throw:
 * - 'done': it did its job (exit 0, or 130 when Ctrl-C cut it short);
 * - 'checks-failed': it ran to the end and found something unhealthy (exit 1);
 * - 'stopped': it was meant to run until Ctrl-C and stopped cleanly then (exit 0, not 130);
 * - 'not-passing': the learner's exercise was checked and does not pass yet (exit 1).
 */
export type CommandOutcome = 'done' | 'checks-failed' | 'stopped' | 'not-passing';

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
  neverExit(program, opts.writeErr);
  const onPurpose = opts.stoppedOnPurpose ?? (() => false);
  try {
    await program.parseAsync(argv, { from: opts.from });
    return exitCodeFor(outcomes.get(program) ?? 'done', opts.signal.aborted && !onPurpose());
  } catch (err) {
    // --help and --version end here with 0; usage errors were already printed by commander.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (onPurpose()) return ExitCode.ok;
    return reportError(opts.signal.aborted ? opts.signal.reason : err, { debug: opts.debug, write: opts.writeErr });
  } finally {
    outcomes.delete(program);
  }
}

/** The one mapping from a command's outcome to the process's exit code. */
export function exitCodeFor(outcome: CommandOutcome, interrupted: boolean): number {
  if (outcome === 'stopped') return ExitCode.ok;
  if (outcome === 'checks-failed' || outcome === 'not-passing') return ExitCode.failure;
  return interrupted ? ExitCode.interrupted : ExitCode.ok;
}

/** Makes every command of the program throw instead of calling process.exit, and print through `writeErr`. */
function neverExit(cmd: Command, writeErr: (line: string) => void): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeErr: (s) => writeErr(s.replace(/\n$/, '')) });
  for (const sub of cmd.commands) neverExit(sub, writeErr);
}
