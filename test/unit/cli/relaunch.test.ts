import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideRelaunch, describeRelaunch, MEMORY_FLAGS, type ProcessFacts } from '../../../src/cli/relaunch.ts';

const fresh: ProcessFacts = { execArgv: [], nodeOptions: undefined, relaunchedWith: undefined, canExecve: true, interrupted: false };

test('a fresh process relaunches with its own Node options first and the memory flags after them', () => {
  assert.deepEqual(decideRelaunch({ ...fresh, execArgv: ['--expose-gc', '--enable-source-maps'] }), {
    relaunch: true,
    execArgv: ['--expose-gc', '--enable-source-maps', ...MEMORY_FLAGS],
    added: [...MEMORY_FLAGS],
  });
  assert.deepEqual(decideRelaunch(fresh), { relaunch: true, execArgv: [...MEMORY_FLAGS], added: [...MEMORY_FLAGS] });
});

test('the replacing process does not relaunch again', () => {
  assert.deepEqual(decideRelaunch({ ...fresh, relaunchedWith: MEMORY_FLAGS.join(' ') }), { relaunch: false, reason: 'relaunched' });
});

test('no relaunch where execve is missing (Windows, old Node, a worker thread)', () => {
  assert.deepEqual(decideRelaunch({ ...fresh, canExecve: false }), { relaunch: false, reason: 'no-execve' });
});

test("the user's own heap flags win, on the command line or in NODE_OPTIONS, in either spelling", () => {
  for (const flag of [
    '--max-semi-space-size=8',
    '--max_semi_space_size=8',
    '--min-semi-space-size=1',
    '--max-old-space-size=4096',
    '--max-heap-size=300',
    '--semi-space-growth-factor=2',
  ]) {
    assert.deepEqual(decideRelaunch({ ...fresh, execArgv: [flag] }), { relaunch: false, reason: 'user-heap-flags' }, flag);
    assert.deepEqual(decideRelaunch({ ...fresh, nodeOptions: `--enable-source-maps  ${flag}` }), { relaunch: false, reason: 'user-heap-flags' }, flag);
  }
  // Other Node options are no reason to stay: they are kept across the relaunch (NODE_OPTIONS through the environment).
  assert.equal(decideRelaunch({ ...fresh, nodeOptions: '--require ./trace.cjs --max-http-header-size=16384' }).relaunch, true);
});

test("the user's own --(no-)efficiency-mode is kept: ours is left out, the other flags still added and named", () => {
  const others = MEMORY_FLAGS.filter((f) => !f.includes('efficiency'));
  for (const flag of ['--efficiency-mode', '--no-efficiency-mode', '--efficiency_mode', '--efficiency-mode=false']) {
    const decision = decideRelaunch({ ...fresh, execArgv: [flag] });
    assert.deepEqual(decision, { relaunch: true, execArgv: [flag, ...others], added: others }, flag);
    assert.equal(describeRelaunch(decision, undefined), `debug: relaunching under ${others.join(' ')}`);
  }
});

test('--debug in the replacing process names the flags it was actually given', () => {
  const decision = decideRelaunch({ ...fresh, relaunchedWith: '--max-semi-space-size=2' });
  assert.match(describeRelaunch(decision, '--max-semi-space-size=2'), /^debug: relaunched under --max-semi-space-size=2 \(same pid \d+\)$/);
});

test('no relaunch under a debugger: the session the user attached would end', () => {
  for (const flag of ['--inspect', '--inspect=9230', '--inspect-brk', '--inspect-wait=0.0.0.0:9229']) {
    assert.deepEqual(decideRelaunch({ ...fresh, execArgv: [flag] }), { relaunch: false, reason: 'inspector' }, flag);
    assert.deepEqual(decideRelaunch({ ...fresh, nodeOptions: flag }), { relaunch: false, reason: 'inspector' }, flag);
  }
  assert.equal(decideRelaunch({ ...fresh, execArgv: ['--inspect-port=9230'] }).relaunch, true, 'a port alone starts no debugger');
});

test('an interrupt that arrived while starting is left to the command: no relaunch', () => {
  assert.deepEqual(decideRelaunch({ ...fresh, interrupted: true }), { relaunch: false, reason: 'interrupted' });
});

test('property: a relaunch keeps every Node option in order and adds only the memory flags; it never happens twice', () => {
  const option = fc.oneof(
    fc.constantFrom('--expose-gc', '--inspect', '--inspect-port=0', '--stack-size=2000', '--no-warnings', '--max-semi-space-size=4'),
    fc.string(),
  );
  fc.assert(
    fc.property(
      fc.array(option),
      fc.option(fc.string(), { nil: undefined }),
      fc.option(fc.string(), { nil: undefined }),
      fc.boolean(),
      fc.boolean(),
      (execArgv, nodeOptions, relaunchedWith, canExecve, interrupted) => {
        const d = decideRelaunch({ execArgv, nodeOptions, relaunchedWith, canExecve, interrupted });
        if (!d.relaunch) return;
        assert.ok(relaunchedWith === undefined && canExecve && !interrupted);
        assert.deepEqual(d.execArgv, [...execArgv, ...d.added]);
        assert.deepEqual(d.added, [...MEMORY_FLAGS]);
        const again = decideRelaunch({ execArgv: d.execArgv, nodeOptions, relaunchedWith: d.added.join(' '), canExecve, interrupted });
        assert.equal(again.relaunch, false);
        // Even without the marker, the flags now present count as heap flags: the process cannot loop.
        assert.equal(decideRelaunch({ execArgv: d.execArgv, nodeOptions, relaunchedWith: undefined, canExecve, interrupted }).relaunch, false);
      },
    ),
  );
});
