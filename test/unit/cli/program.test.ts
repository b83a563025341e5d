// The command table and the program built from it: a line that names a command registers that command alone,
// loaded from its own file, and it behaves as it does among all the others (same help, same usage errors);
// lines that name none (help, typos, bad global options) need no command's registration at all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { COMMANDS } from '../../../src/cli/commands/index.ts';
import { commandNamed, createProgram, loadCommands } from '../../../src/cli/program.ts';
import { oneLineUsageErrors } from '../../../src/console/usage.ts';

const deps = () => ({ version: '0', signal: new AbortController().signal });

/** The help a line prints, or the usage error it ends with; the program is built for that line, or with every command. */
async function outcome(line: string[], narrowed: boolean): Promise<{ out: string; error?: string; names: string[] }> {
  const program = createProgram(narrowed ? { ...deps(), command: commandNamed(line) } : deps());
  let out = '';
  const capture = (cmd: Command) => {
    cmd.configureOutput({ writeOut: (s) => (out += s), getOutHelpWidth: () => 100 });
    for (const sub of cmd.commands) capture(sub);
  };
  oneLineUsageErrors(program);
  capture(program);
  try {
    await program.parseAsync(line, { from: 'user' });
    return { out, names: program.commands.map((c) => c.name()) };
  } catch (err) {
    const { message, hint } = err as Error & { hint?: string };
    return { out, error: hint ? `${message} (hint: ${hint})` : message, names: program.commands.map((c) => c.name()) };
  }
}

/** Lines that name no command: the root help, commander's suggestions, the root's usage errors. */
const UNNAMED = [[], ['--help'], ['help'], ['-V'], ['lsit-nodes'], ['help', 'lsit-nodes'], ['--bogus', 'watch'], ['-o', 'nope', 'list-nodes'], ['--context']];

describe('createProgram', () => {
  // First: nothing is loaded yet in this process (the tests below load every command).
  it('prints the same root help, suggestions and usage errors from the table alone as with every command loaded', async () => {
    const unloaded = createProgram(deps());
    assert.equal(unloaded.commands.find((c) => c.name() === 'list-nodes')?.options.length, 0, 'no registration is loaded yet');
    const fromTable = await Promise.all(UNNAMED.map((line) => outcome(line, false)));
    // A command whose registration is not loaded is never run: dispatching to it fails loudly.
    assert.match((await outcome(['store'], false)).error ?? '', /^internal: `store` was dispatched before its registration was loaded/);
    await loadCommands();
    for (const [i, line] of UNNAMED.entries()) {
      const full = await outcome(line, false);
      assert.deepEqual(fromTable[i], full, line.join(' '));
    }
    assert.match((await outcome(['lsit-nodes'], true)).error ?? '', /^unknown command 'lsit-nodes' \(hint: did you mean list-nodes\?/);
    assert.match(fromTable[1]!.out, /^ {2}api-resources \[options\] \[apiVersion\] \[kind\] {2}list the resources/m);
  });

  it('takes each command’s usage from its registration, and its name and description from the table alone', async () => {
    await loadCommands();
    assert.deepEqual(
      createProgram(deps()).commands.map((c) => c.name()),
      COMMANDS.map((c) => c.name),
    );
    for (const entry of COMMANDS) {
      const command = new Command(entry.name);
      (await entry.load()).register(
        command,
        () => assert.fail('no context while registering'),
        () => assert.fail('no program while registering'),
      );
      assert.equal(command.usage(), entry.usage, `${entry.name}: the usage commander derives`);
      assert.equal(command.description(), '', `${entry.name}: the table holds the description`);
      assert.equal(command.name(), entry.name);
      assert.deepEqual(
        createProgram({ ...deps(), command: entry.name }).commands.map((c) => c.name()),
        [entry.name],
      );
    }
  });

  it('finds the command a line names past the global options and their values, as commander does', () => {
    assert.equal(commandNamed(['list-nodes']), 'list-nodes');
    assert.equal(commandNamed(['--kubeconfig', 'watch', '--context=x', '-n', 'store', '-o', 'wide', 'list-nodes', '-l', 'a=b']), 'list-nodes');
    assert.equal(commandNamed(['-nkube-system', '--request-timeout', '5s', '--no-color', 'informer', 'pods']), 'informer');
    assert.equal(commandNamed(['--', 'list-nodes']), 'list-nodes');
    // A line that starts with the command's name names it, whatever follows; the real parse reports what is wrong there.
    assert.equal(commandNamed(['list-nodes', '--request-timeout', 'soon']), 'list-nodes');
    assert.equal(commandNamed(['watch', '--context']), 'watch');
    assert.equal(commandNamed(['sandbox', 'help', 'up']), 'sandbox');
    // commander's help command shows the help of the command after it.
    assert.equal(commandNamed(['help', 'list-nodes']), 'list-nodes');
    assert.equal(commandNamed(['--context', 'x', 'help', 'sandbox', 'up']), 'sandbox');
    // Nothing named, no command of ours, an unknown option first, a bad value: none, and the real parse reports the rest.
    assert.equal(commandNamed([]), undefined);
    assert.equal(commandNamed(['--help']), undefined);
    assert.equal(commandNamed(['help']), undefined);
    assert.equal(commandNamed(['lsit-nodes']), undefined);
    assert.equal(commandNamed(['help', 'lsit-nodes']), undefined);
    assert.equal(commandNamed(['--bogus', 'list-nodes']), undefined);
    assert.equal(commandNamed(['--request-timeout', 'soon', 'list-nodes']), undefined);
    assert.equal(commandNamed(['-o', 'nope', 'list-nodes']), undefined);
  });

  it('gives the named command the same help and usage errors as among all the others', async () => {
    await loadCommands();
    for (const line of [
      ['list-nodes', '--help'],
      ['help', 'list-nodes'],
      ['help', 'controller'],
      ['-o', 'wide', 'controller', 'run', '--help'],
      ['sandbox', 'up', '--help'],
      ['list-nodes', '--bogus'],
      ['list-nodes', 'extra'],
      ['delete-pod'],
      ['controller'],
      ['exercise', 'nope'],
      ['workqueue', '--scenario', 'nope'],
      ['sandbox', 'up', '--nodes', '0'],
      // Named by the first word, wrong after it: the global options' errors, the subcommand's help command.
      ['list-nodes', '--request-timeout', 'soon'],
      ['list-nodes', '--context'],
      ['list-nodes', '-o', 'nope'],
      ['list-nodes', '--bogus', 'watch'],
      ['list-nodes', 'help'],
      ['sandbox', 'help', 'up'],
      ['controller', '--help', 'run'],
    ]) {
      const narrowed = await outcome(line, true);
      const full = await outcome(line, false);
      assert.equal(narrowed.names.length, 1, line.join(' '));
      assert.deepEqual({ out: narrowed.out, error: narrowed.error }, { out: full.out, error: full.error }, line.join(' '));
    }
  });
});
