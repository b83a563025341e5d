/** Running lesson commands in-process through a commander program. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { createProgram, loadCommands } from '../../../src/cli/program.ts';
import { returnsOutcome } from '../../../src/console/run-command.ts';
import { allCommands, createRunner, findCommand, forwardedGlobals } from '../../../src/lessons/runner.ts';
import { fakeProgram } from './helpers.ts';

function runner(opts: { failing?: string[]; signal?: AbortSignal } = {}) {
  const program = fakeProgram(opts.failing ? { failing: opts.failing } : {});
  const errors: string[] = [];
  const r = createRunner({ makeProgram: program.makeProgram, signal: opts.signal ?? new AbortController().signal, writeErr: (l) => errors.push(l) });
  return { r, log: program.log, errors, streaming: program.streaming };
}

test('findCommand follows subcommands as deep as the program has them', () => {
  const p = fakeProgram().makeProgram(new AbortController().signal);
  assert.equal(findCommand(p, ['fake', 'hello'])?.name(), 'hello');
  assert.equal(findCommand(p, ['fake'])?.name(), 'fake');
  assert.equal(findCommand(p, ['fake', 'nope']), undefined);
  assert.equal(findCommand(p, ['nope']), undefined);
  const leaf = new Command('x');
  leaf.command('trace').argument('<verb>').argument('<resource>');
  assert.equal(findCommand(leaf, ['trace', 'get', 'nodes'])?.name(), 'trace', 'arguments of a leaf command are not subcommands');
  assert.deepEqual(allCommands(p).slice(0, 3), [['fake'], ['fake', 'hello'], ['fake', 'change']]);
});

test('the real program has the learn command itself, and the sandbox subcommands', async () => {
  await loadCommands();
  const p = createProgram({ version: '0', signal: new AbortController().signal });
  assert.ok(findCommand(p, ['learn']));
  assert.ok(findCommand(p, ['sandbox', 'up']));
});

test('a command that succeeds returns 0', async () => {
  const { r, log } = runner();
  assert.equal(r.has(['fake', 'hello']), true);
  assert.equal(r.has(['fake', 'gone']), false);
  assert.deepEqual(await r.run({ argv: ['fake', 'hello'] }), { code: 0 });
  assert.deepEqual(log, ['hello']);
});

test('a failing command is reported through the error funnel and returns its exit code', async () => {
  const { r, errors } = runner();
  assert.deepEqual(await r.run({ argv: ['fake', 'fail'] }), { code: 8 });
  assert.deepEqual(errors, ['error: the fake command failed (hint: nothing to do)']);
});

test("a command's returned outcome becomes its code, without touching process.exitCode", async () => {
  const { r } = runner();
  const before = process.exitCode;
  assert.deepEqual(await r.run({ argv: ['fake', 'unhealthy'] }), { code: 1 });
  assert.equal(process.exitCode, before);
  assert.deepEqual(await r.run({ argv: ['fake', 'hello'] }), { code: 0 }, 'the outcome belongs to one run only');
});

test('usage errors come back as exit code 2 instead of exiting the process', async () => {
  const { r, errors } = runner();
  assert.deepEqual(await r.run({ argv: ['fake', 'hello', '--no-such-flag'] }), { code: 2 });
  assert.match(errors.join('\n'), /unknown option '--no-such-flag'/);
  assert.deepEqual(await r.run({ argv: ['fake', 'hello', '--help'] }), { code: 0 });
});

test('a streaming command is stopped by its time limit, and that counts as success', async () => {
  const { r, log } = runner();
  const started = Date.now();
  assert.deepEqual(await r.run({ argv: ['fake', 'stream'], stopAfterSeconds: 0.1 }), { code: 0, stoppedBy: 'time-limit' });
  assert.ok(Date.now() - started >= 90);
  assert.deepEqual(log, ['stream started', 'stream stopped']);
});

test('the session being interrupted stops the command with 130; a run after that does not start', async () => {
  const session = new AbortController();
  const { r, log, streaming } = runner({ signal: session.signal });
  void streaming.then(() => session.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' })));
  assert.deepEqual(await r.run({ argv: ['fake', 'stream'] }), { code: 130 });
  assert.deepEqual(await r.run({ argv: ['fake', 'hello'] }), { code: 130 });
  assert.deepEqual(log, ['stream started', 'stream stopped']);
});

test("the learner's global options are passed on, the default timeout is not", () => {
  assert.deepEqual(forwardedGlobals({ kubeconfig: '/k', context: 'c', namespace: 'ns', color: false, debug: true, requestTimeout: 30_000 }), [
    '--kubeconfig',
    '/k',
    '--context',
    'c',
    '--namespace',
    'ns',
    '--no-color',
    '--debug',
  ]);
  assert.deepEqual(forwardedGlobals({ requestTimeout: 5_000, color: true }), ['--request-timeout', '5s']);
});

test('global options reach the command through the program', async () => {
  const seen: unknown[] = [];
  const r = createRunner({
    makeProgram: () => {
      const p = new Command('kube-lessons').option('--kubeconfig <file>');
      p.command('show').action(() => {
        seen.push(p.opts().kubeconfig);
      });
      return p;
    },
    globalArgs: ['--kubeconfig', '/tmp/k'],
    signal: new AbortController().signal,
  });
  assert.deepEqual(await r.run({ argv: ['show'] }), { code: 0 });
  assert.deepEqual(seen, ['/tmp/k']);
});

test("a command that ends on the session's Ctrl-C reports 130 even when it winds down cleanly, 1 when its checks failed", async () => {
  for (const [outcome, code] of [
    ['done', 130],
    ['checks-failed', 1],
  ] as const) {
    const session = new AbortController();
    const r = createRunner({
      makeProgram: (signal) => {
        const p = new Command('kube-lessons');
        p.command('drain').action(
          returnsOutcome(async () => {
            await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
            return outcome;
          }),
        );
        return p;
      },
      signal: session.signal,
      writeErr: () => {},
    });
    const run = r.run({ argv: ['drain'] });
    session.abort();
    assert.deepEqual(await run, { code }, outcome);
  }
});

test('a command stopped by its time limit reports 0', async () => {
  const r = createRunner({
    makeProgram: (signal) => {
      const p = new Command('kube-lessons');
      p.command('drain').action(() => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })));
      return p;
    },
    signal: new AbortController().signal,
  });
  assert.deepEqual(await r.run({ argv: ['drain'], stopAfterSeconds: 0.05 }), { code: 0, stoppedBy: 'time-limit' });
});
