// The program registers only the command a line names: the name each command file declares is the one it
// registers, the name is found as commander finds the command it runs, and that command behaves as it does
// among all the others (same help, same usage errors).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { COMMANDS } from '../../../src/cli/commands/index.ts';
import { commandNamed, createProgram } from '../../../src/cli/program.ts';
import { oneLineUsageErrors } from '../../../src/console/usage.ts';

const deps = () => ({ version: '0', signal: new AbortController().signal });

/** The help a line prints, or the usage error it ends with, from a program built for that line or for all. */
async function outcome(line: string[], narrowed: boolean): Promise<{ out: string; error?: string; names: string[] }> {
  const program = createProgram(narrowed ? { ...deps(), line } : deps());
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

describe('createProgram', () => {
  it('registers under each command file’s declared name exactly the command it names', () => {
    const all = createProgram(deps());
    assert.deepEqual(
      all.commands.map((c) => c.name()),
      COMMANDS.map((c) => c.name),
    );
    for (const { name } of COMMANDS) {
      assert.deepEqual(
        createProgram({ ...deps(), line: [name] }).commands.map((c) => c.name()),
        [name],
      );
    }
  });

  it('finds the command a line names past the global options and their values, as commander does', () => {
    assert.equal(commandNamed(['list-nodes']), 'list-nodes');
    assert.equal(commandNamed(['--kubeconfig', 'watch', '--context=x', '-n', 'store', '-o', 'wide', 'list-nodes', '-l', 'a=b']), 'list-nodes');
    assert.equal(commandNamed(['-nkube-system', '--request-timeout', '5s', '--no-color', 'informer', 'pods']), 'informer');
    assert.equal(commandNamed(['--', 'list-nodes']), 'list-nodes');
    // Nothing named, an unknown option first, a bad value: every command, and the real parse reports the rest.
    assert.equal(commandNamed([]), undefined);
    assert.equal(commandNamed(['--help']), undefined);
    assert.equal(commandNamed(['--bogus', 'list-nodes']), undefined);
    assert.equal(commandNamed(['--request-timeout', 'soon', 'list-nodes']), undefined);
    assert.equal(commandNamed(['-o', 'nope', 'list-nodes']), undefined);
  });

  it('registers every command for a line that names none, or names help or a mistyped command', async () => {
    for (const line of [[], ['--help'], ['help', 'list-nodes'], ['lsit-nodes'], ['--bogus', 'watch']]) {
      assert.equal(createProgram({ ...deps(), line }).commands.length, COMMANDS.length, line.join(' '));
    }
    assert.match((await outcome(['lsit-nodes'], true)).error ?? '', /^unknown command 'lsit-nodes' \(hint: did you mean list-nodes\?/);
  });

  it('gives the named command the same help and usage errors as among all the others', async () => {
    for (const line of [
      ['list-nodes', '--help'],
      ['-o', 'wide', 'controller', 'run', '--help'],
      ['sandbox', 'up', '--help'],
      ['list-nodes', '--bogus'],
      ['delete-pod'],
      ['controller'],
      ['exercise', 'nope'],
      ['workqueue', '--scenario', 'nope'],
    ]) {
      const narrowed = await outcome(line, true);
      const full = await outcome(line, false);
      assert.equal(narrowed.names.length, 1, line.join(' '));
      assert.deepEqual({ out: narrowed.out, error: narrowed.error }, { out: full.out, error: full.error }, line.join(' '));
    }
  });
});
