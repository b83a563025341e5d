/**
 * Usage errors the argument parser finds (an unknown option or command, a missing or extra argument, a bad
 * choice) become the same one line every other error is, with exit code 2 and a hint naming the help of the
 * command they happened in: `error: unknown option '--bogus' (hint: see \`kube-lessons list-nodes --help\`)`.
 * Commander prints nothing itself. `--help` and `--version` still end with 0, as does the bare program name,
 * which prints the root help on stdout as kubectl does.
 */
import { CommanderError, type Command } from 'commander';
import { ExitCode, UserFacingError } from '../core/errors.ts';

export function oneLineUsageErrors(program: Command): void {
  const walk = (cmd: Command) => {
    cmd.configureOutput({ outputError: () => {}, writeErr: () => {} });
    cmd.exitOverride((err) => {
      throw toUsageError(err, cmd);
    });
    for (const sub of cmd.commands) walk(sub);
  };
  walk(program);
}

function toUsageError(err: CommanderError, cmd: Command): Error {
  if (err.exitCode === 0) return err; // --help, --version
  const path = commandPath(cmd);
  const help = `see \`${path} --help\``;
  if (err.code === 'commander.help') {
    // A command of subcommands was given none (or, for the program itself, nothing at all).
    if (!cmd.parent) {
      cmd.outputHelp();
      return new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)');
    }
    const names = cmd.commands.map((c) => c.name()).join(', ');
    return new UserFacingError(`\`${path}\` needs a subcommand: ${names}`, help, ExitCode.usage);
  }
  // Commander's messages start "error: " and may add "(Did you mean --x?)" on a line of their own.
  const [first = '', ...rest] = err.message.replace(/^error: /, '').split('\n');
  const suggestion = rest
    .join(' ')
    .trim()
    .replace(/^\((.*)\)$/, '$1');
  return new UserFacingError(
    first.replace(/\.$/, ''),
    suggestion ? `${suggestion.charAt(0).toLowerCase()}${suggestion.slice(1)} ${help}` : help,
    ExitCode.usage,
  );
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
