/**
 * Runs a lesson's commands in-process, through a fresh commander program built by the same factory the
 * CLI uses (createProgram), so the learner sees exactly what `kube-lessons <command>` prints. Each run gets
 * its own abort signal: it follows the session's (Ctrl-C), a lesson's time limit for commands that stream
 * until stopped, and, in a terminal, the `q` key. runCommand maps the outcome to an exit code as the CLI does;
 * nothing here exits the process or touches process.exitCode.
 */
import type { Command } from 'commander';
import type { GlobalOptions } from '../console/context.ts';
import { runCommand } from '../console/run-command.ts';
import { ExitCode } from '../core/errors.ts';
import type { CommandSpec } from './catalog.ts';

export interface RunResult {
  /** The command's exit code; 0 also when it was stopped on purpose (time limit, or the learner's `q`). */
  code: number;
  stoppedBy?: 'time-limit' | 'learner';
}

export interface CommandRunner {
  /** Whether the program has this command (subcommands included). */
  has(argv: string[]): boolean;
  run(spec: CommandSpec, opts?: { keys?: boolean }): Promise<RunResult>;
}

export interface RunnerOptions {
  /** Builds a program whose commands see `signal` as their interrupt, and that throws usage errors instead of exiting (createProgram). */
  makeProgram: (signal: AbortSignal) => Command;
  /** Global options put before every command (the learner's --kubeconfig, --context, ...). */
  globalArgs?: string[];
  /** The session's signal: aborting it stops the running command. */
  signal: AbortSignal;
  debug?: boolean;
  /** Where error lines go (default stderr). */
  writeErr?: (line: string) => void;
  /** Where `q` is read from while a command runs, when `keys` is asked for (default process.stdin). */
  stdin?: NodeJS.ReadStream;
}

/** The command `argv` names: its first word, then subcommands as deep as the program has them. */
export function findCommand(program: Command, argv: string[]): Command | undefined {
  const byName = (list: readonly Command[], name: string) => list.find((c) => c.name() === name || c.aliases().includes(name));
  let cmd = byName(program.commands, argv[0] ?? '');
  if (!cmd) return undefined;
  for (const arg of argv.slice(1)) {
    if (cmd.commands.length === 0 || arg.startsWith('-')) break;
    const sub = byName(cmd.commands, arg);
    if (!sub) return undefined;
    cmd = sub;
  }
  return cmd;
}

/** Every command of a program, as the argv that reaches it (`['sandbox', 'up']`). */
export function allCommands(program: Command, prefix: string[] = []): string[][] {
  return program.commands.flatMap((c) => [[...prefix, c.name()], ...allCommands(c, [...prefix, c.name()])]);
}

/** The global options worth passing on to the commands a lesson runs. */
export function forwardedGlobals(g: GlobalOptions): string[] {
  const args: string[] = [];
  if (g.kubeconfig) args.push('--kubeconfig', g.kubeconfig);
  if (g.context) args.push('--context', g.context);
  if (g.namespace) args.push('--namespace', g.namespace);
  if (g.color === false) args.push('--no-color');
  if (g.debug) args.push('--debug');
  if (g.requestTimeout && g.requestTimeout !== '30s') args.push('--request-timeout', g.requestTimeout);
  return args;
}

export function createRunner(opts: RunnerOptions): CommandRunner {
  const writeErr = opts.writeErr ?? ((line: string) => void process.stderr.write(line + '\n'));
  let probe: Command | undefined;
  return {
    has(argv) {
      // A program built only to look commands up; its signal is never used.
      probe ??= opts.makeProgram(new AbortController().signal);
      return findCommand(probe, argv) !== undefined;
    },

    async run(spec, runOpts = {}) {
      if (opts.signal.aborted) return { code: ExitCode.interrupted };
      const controller = new AbortController();
      let stoppedBy: RunResult['stoppedBy'];
      const stop = (by: NonNullable<RunResult['stoppedBy']>) => {
        if (controller.signal.aborted) return;
        stoppedBy = by;
        controller.abort(Object.assign(new Error(by === 'learner' ? 'stopped' : `stopped after ${spec.stopAfterSeconds} s`), { name: 'AbortError' }));
      };
      const onSession = () => controller.abort(opts.signal.reason);
      opts.signal.addEventListener('abort', onSession, { once: true });
      const timer = spec.stopAfterSeconds ? setTimeout(() => stop('time-limit'), spec.stopAfterSeconds * 1000) : undefined;
      const stopKeys = runOpts.keys ? listenForStopKey(opts.stdin ?? process.stdin, () => stop('learner')) : () => {};
      let code: number;
      try {
        code = await runCommand(opts.makeProgram(controller.signal), [...(opts.globalArgs ?? []), ...spec.argv], {
          signal: controller.signal,
          debug: Boolean(opts.debug),
          // When the whole session is interrupted, the CLI says so once, for the session.
          writeErr: (line) => (opts.signal.aborted ? undefined : writeErr(line)),
          from: 'user',
          stoppedOnPurpose: () => stoppedBy !== undefined,
        });
      } finally {
        if (timer) clearTimeout(timer);
        stopKeys();
        opts.signal.removeEventListener('abort', onSession);
      }
      return stoppedBy ? { code, stoppedBy } : { code };
    },
  };
}

/**
 * While a command runs in a terminal, `q` or Ctrl-C stops it (and only it): the terminal is put in raw
 * mode so Ctrl-C arrives as a key instead of interrupting the whole session. Returns the undo.
 */
export function listenForStopKey(stdin: NodeJS.ReadStream, onStop: () => void): () => void {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return () => {};
  const wasRaw = stdin.isRaw;
  const onData = (data: Buffer | string) => {
    const s = data.toString();
    if (s.includes('\u0003') || /q/i.test(s)) onStop();
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.setRawMode(wasRaw);
    stdin.pause();
  };
}
