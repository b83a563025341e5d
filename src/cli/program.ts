/**
 * The root program: global options, the commands of the table (commands/index.ts), and the hook that resolves
 * the global options into the shared CommandContext once, before any action runs.
 */
import { Command, Option, type OutputConfiguration } from 'commander';
import { DEFAULT_REQUEST_TIMEOUT, durationOption, pathNameParser } from '../console/arguments.ts';
import type { CommandContext, GlobalOptions } from '../console/context.ts';
import { OUTPUT_FORMATS } from '../console/formats.ts';
import type { OutputSink } from '../console/output.ts';
import { COMMANDS, type CommandModule } from './commands/index.ts';

export interface ProgramDeps {
  version: string;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Where commands and help print (default process.stdout); the lessons pass a wrapping one. */
  stdout?: OutputSink;
  /** Where commands print progress and warnings (default process.stderr). */
  stderr?: OutputSink;
  /** Runs before the action of whichever command the line named (the CLI's launcher step); not passed on to programs built by makeProgram. */
  beforeAction?: (command: Command) => void;
  /**
   * The command the line to be parsed names (commandNamed): it is registered alone, and its registration must be
   * loaded (loadCommands). Absent: every command.
   */
  command?: string | undefined;
}

const ROOT_EXAMPLES = `
Examples, one per command:
  $ kube-lessons sandbox up                     # a local cluster, built on first use
  $ kube-lessons doctor                         # check Node, the client package, kubeconfig, the server
  $ kube-lessons list-nodes -o wide
  $ kube-lessons create-pod --wait              # the naked pod my-pod, followed with a watch
  $ kube-lessons delete-pod my-pod --wait
  $ kube-lessons trace get nodes                # one request, stage by stage
  $ kube-lessons api-resources --resolve batch/v1 Job
  $ kube-lessons workqueue --scenario dedup
  $ kube-lessons store
  $ kube-lessons watch pods -n kube-system
  $ kube-lessons informer pods --trace
  $ kube-lessons controller install && kube-lessons controller run
  $ kube-lessons learn                          # the guided lessons
  $ kube-lessons exercise init                  # exercises you write, in ./kube-lessons-exercises
  $ kube-lessons exercise watch                 # re-verify on every save (also: kube-lessons watch)
  $ kube-lessons verify list-nodes              # check one exercise
  $ kube-lessons hint list-nodes                # one more hint each time
  $ kube-lessons solution list-nodes            # ours, once yours passes
Every command has --help with its own options and examples.`;

/** The options every command takes, given before or after the command's name. */
function withGlobalOptions(program: Command): Command {
  return program
    .option('--kubeconfig <file>', 'kubeconfig file to use (default: $KUBECONFIG, ~/.kube/config, then the running sandbox)')
    .option('--context <name>', 'kubeconfig context to use')
    .addOption(
      new Option('-n, --namespace <ns>', "namespace (default: the context's, else default)").argParser(pathNameParser('namespace', { optional: true })),
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .option('--no-color', 'disable colour (also NO_COLOR=1)')
    .option('--no-headers', 'print tables without their header row (for scripts)')
    .addOption(durationOption('--request-timeout <duration>', 'timeout for each API request, e.g. 10s or 1m30s; 0 for none', DEFAULT_REQUEST_TIMEOUT))
    .option('--debug', 'show stack traces and internal details on errors');
}

/**
 * The command a line names, found as commander finds it: the first operand once the global options (and
 * their values) are taken off, or the one after `help`; undefined when it names none of the table's or the
 * global options are wrong (the real parse then reports them).
 */
export function commandNamed(line: readonly string[]): string | undefined {
  // A first word that is a command's name is commander's first operand (no option comes before it to take it
  // as a value): the usual line needs no parse of its own, and the real parse reports anything wrong after it.
  if (COMMANDS.some((c) => c.name === line[0])) return line[0];
  const parser = withGlobalOptions(new Command())
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  let operands: string[];
  try {
    operands = parser.parseOptions([...line]).operands;
  } catch {
    return undefined;
  }
  // commander's implicit help command prints the named command's help: that command's registration is needed.
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  return COMMANDS.some((c) => c.name === name) ? name : undefined;
}

/** The registrations loaded so far, by command name: programs created afterwards register these in full. */
const loaded = new Map<string, CommandModule>();

/**
 * Loads the registrations of the commands named (default: all), for the programs created afterwards; all of
 * them when one named runs the others (learn).
 */
export async function loadCommands(names: readonly string[] = COMMANDS.map((c) => c.name)): Promise<void> {
  const all = COMMANDS.some((c) => c.runsOthers && names.includes(c.name));
  const wanted = COMMANDS.filter((c) => (all || names.includes(c.name)) && !loaded.has(c.name));
  for (const [i, mod] of (await Promise.all(wanted.map((c) => c.load()))).entries()) loaded.set(wanted[i]!.name, mod);
}

export function createProgram(deps: ProgramDeps): Command {
  const program = withGlobalOptions(
    new Command('kube-lessons')
      .description('Learn how Kubernetes clients and controllers work, by running each lesson live against a real cluster.')
      .version(deps.version, '-V, --version', 'print the version'),
  )
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false, subcommandTerm: (c) => c.name() + (c.usage() ? ' ' + c.usage() : '') })
    .addHelpText('after', ROOT_EXAMPLES);
  if (deps.stdout || deps.stderr) program.configureOutput(helpOutput(program.configureOutput(), deps.stdout, deps.stderr));

  // The context (output, colour, the cluster) is loaded just before an action runs: --help and usage
  // errors never pay for the renderers.
  let contextModule: typeof import('../console/context.ts') | undefined;
  program.hook('preAction', async (_root, command) => {
    deps.beforeAction?.(command);
    contextModule ??= await import('../console/context.ts');
  });
  let ctx: CommandContext | undefined;
  const getCtx = () => {
    if (!contextModule) throw new Error('the command context is available only inside an action');
    ctx ??= contextModule.createContext(program.opts<GlobalOptions>(), deps.signal, deps);
    return ctx;
  };
  // A command that runs other commands (learn) builds its own programs with the same dependencies.
  const makeProgram = (signal: AbortSignal, stdout?: OutputSink) => {
    const { beforeAction: _entryOnly, command: _entryCommand, ...shared } = deps;
    return createProgram(stdout ? { ...shared, signal, stdout } : { ...shared, signal });
  };
  // A line that names a command gets that command alone: commander dispatches on that name and no other, and
  // the others' help, suggestions and usage errors show only on lines that name none of them. Those need only
  // the table's names, usages and descriptions: a command whose registration is not loaded is listed, never run.
  const only = COMMANDS.find((c) => c.name === deps.command);
  const unloaded = new Set<Command>();
  for (const entry of only ? [only] : COMMANDS) {
    const command = program.command(entry.name).usage(entry.usage).description(entry.description);
    const mod = loaded.get(entry.name);
    if (mod) mod.register(command, getCtx, makeProgram);
    else unloaded.add(command);
  }
  if (unloaded.size) {
    program.hook('preSubcommand', (_root, command) => {
      if (unloaded.has(command)) throw new Error(`internal: \`${command.name()}\` was dispatched before its registration was loaded (loadCommands)`);
    });
  }
  return program;
}

/**
 * Commander's help and messages written to the given sinks, asking them (not process.stdout, which would build
 * Node's stream: stdio.ts) whether they are terminals. A sink that is none gets help plain at 80 columns, as
 * commander gives a pipe; one that is gets commander's own colour decision.
 */
function helpOutput(defaults: OutputConfiguration, stdout: OutputSink | undefined, stderr: OutputSink | undefined): OutputConfiguration {
  const width = (sink: OutputSink) => (sink.isTTY ? sink.columns : undefined) ?? 80;
  return {
    ...(stdout && {
      writeOut: (text: string) => void stdout.write(text),
      getOutHelpWidth: () => width(stdout),
      getOutHasColors: () => Boolean(stdout.isTTY) && defaults.getOutHasColors!(),
    }),
    ...(stderr && {
      writeErr: (text: string) => void stderr.write(text),
      getErrHelpWidth: () => width(stderr),
      getErrHasColors: () => Boolean(stderr.isTTY) && defaults.getErrHasColors!(),
    }),
  };
}
