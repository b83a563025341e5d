/**
 * `learn` and a cluster configuration it cannot use (exit 3): the run stops at the first lesson that needs
 * the cluster and fails on it, names the lessons not run in one line, and exits 3; other failures still let
 * the run go on and end with 1. In a terminal, running such a lesson ends the session the same way.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode, KubeconfigError, UserFacingError } from '../../../src/core/errors.ts';
import type { Lesson } from '../../../src/lessons/catalog.ts';
import { runVerdict, type LessonRunResult } from '../../../src/lessons/engine.ts';
import { learn } from '../../../src/lessons/session.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { capturedContext, fakeCluster, fakeProgram, FIXTURE_DIR, ScriptedPrompter, tempConfigHome } from './helpers.ts';

const folderError = () => new KubeconfigError('kubeconfig /tmp (from --kubeconfig) is a folder, not a file', 'name the kubeconfig file itself');

/** The fixture catalog reordered: alpha (no cluster), gamma (needs one), then beta, made to need one too. */
function clusterFirstCatalog(): string {
  const dir = tempDir('kube-lessons-learn-config-');
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  const file = join(dir, 'catalog.json');
  const catalog = JSON.parse(readFileSync(file, 'utf8')) as { lessons: { id: string; number: number; needsCluster: boolean }[] };
  const byId = (id: string) => catalog.lessons.find((l) => l.id === id)!;
  catalog.lessons = [byId('alpha'), byId('gamma'), { ...byId('beta'), needsCluster: true }].map((l, i) => ({ ...l, number: i + 1 }));
  writeFileSync(file, JSON.stringify(catalog));
  return dir;
}

async function run(opts: { errors: Record<string, UserFacingError>; lessonsDir?: string; ref?: string }) {
  const { env } = tempConfigHome();
  const program = fakeProgram({ errors: opts.errors });
  const cap = capturedContext();
  const outcome = await learn(
    opts.ref,
    { yes: true },
    { ctx: cap.ctx, makeProgram: program.makeProgram, env, lessonsDir: opts.lessonsDir ?? clusterFirstCatalog(), interactive: false, width: 200, cluster: fakeCluster() },
  ).then(
    () => undefined,
    (err: unknown) => err as UserFacingError,
  );
  return { outcome, log: program.log, text: cap.all.join('\n'), err: cap.err };
}

test('a configuration failure stops learn at that lesson: the ones after it are not run, and it exits 3', async () => {
  const r = await run({ errors: { stream: folderError() } });
  assert.deepEqual(r.log, ['hello', 'stream failed'], 'alpha ran, gamma failed, beta never started');
  assert.equal(r.outcome?.exitCode, ExitCode.config);
  assert.equal(r.outcome.message, 'learn stopped at lesson 2 (gamma) on the cluster configuration error above; not run: 3 beta (those needing a cluster would fail on the same connection)');
  assert.equal(r.outcome.hint, undefined, 'the hint was printed once, with the lesson’s own error');
});

test('a configuration failure prints its error with the hint once, and the lesson that passed before stays reported as ran', async () => {
  const r = await run({ errors: { stream: folderError() } });
  assert.deepEqual(
    r.err.filter((l) => l.startsWith('error:')),
    ['error: kubeconfig /tmp (from --kubeconfig) is a folder, not a file (hint: name the kubeconfig file itself)'],
  );
  assert.match(r.text, /✓ lesson 1 \(alpha\) ran/);
  assert.match(r.text, /✗ lesson 2 \(gamma\) failed: `kube-lessons fake stream` exited with 3/);
  assert.match(r.text, /1\s+alpha\s+ran/);
  assert.doesNotMatch(r.text, /lesson 3 \(beta\)/);
});

test('a configuration failure in a cluster-changing lesson skips its cleanup, which could only fail the same way', async () => {
  const r = await run({ errors: { change: folderError() }, ref: '3' });
  assert.deepEqual(r.log, ['change'], 'no `fake undo`');
  assert.equal(r.outcome?.exitCode, ExitCode.config);
  assert.equal(r.outcome.message, 'lesson 3 (beta) could not use the cluster configuration (the error above)');
});

test('a lesson failing for another reason (unreachable, exit 4) does not stop learn: the rest run and it exits 1', async () => {
  const r = await run({ errors: { stream: new UserFacingError('cannot reach https://fake:6443 (ECONNREFUSED)', 'start it', ExitCode.unreachable) } });
  assert.deepEqual(r.log, ['hello', 'stream failed', 'change', 'undo']);
  assert.equal(r.outcome?.exitCode, ExitCode.failure);
  assert.match(r.outcome.message, /^1 of 3 lessons failed to run \(2 gamma\)$/);
});

test('exit 3 from a lesson that needs no cluster is an ordinary failure: learn goes on and exits 1', async () => {
  const r = await run({ errors: { hello: folderError() }, lessonsDir: FIXTURE_DIR });
  assert.deepEqual(r.log, ['hello', 'change', 'undo', 'stream started', 'stream stopped']);
  assert.equal(r.outcome?.exitCode, ExitCode.failure);
});

test('in a terminal, running a lesson on a configuration that cannot be used ends the session with that error (exit 3), and runs nothing', async () => {
  const { env } = tempConfigHome();
  const program = fakeProgram();
  const cap = capturedContext();
  const problem = folderError();
  const prompter = new ScriptedPrompter(['run']);
  await assert.rejects(
    learn('gamma', {}, { ctx: cap.ctx, makeProgram: program.makeProgram, env, lessonsDir: FIXTURE_DIR, prompter, interactive: true, width: 200, cluster: fakeCluster({ problem }) }),
    (err: UserFacingError) => err === problem && err.exitCode === ExitCode.config,
  );
  assert.deepEqual(program.log, []);
  const text = cap.all.join('\n');
  assert.match(text, /learn stops here: the lessons that need a cluster \(3 gamma\) cannot run with this configuration\. Your progress is saved\./);
  assert.doesNotMatch(text, /sandbox up/, 'a sandbox would not be used: the kubeconfig named is the one that is broken');
});

const lesson = (number: number, id: string): Lesson => ({ number, id }) as Lesson;

test('runVerdict: nothing when every lesson ran or was skipped', () => {
  const lessons = [lesson(1, 'a'), lesson(2, 'b')];
  const results: LessonRunResult[] = [
    { lesson: lessons[0]!, status: 'ok' },
    { lesson: lessons[1]!, status: 'skipped', reason: 'no cluster' },
  ];
  assert.equal(runVerdict(lessons, results), undefined);
});

test('runVerdict: a stop on configuration names every lesson not run, pure ones included, with exit 3 and no second hint', () => {
  const lessons = [lesson(1, 'setup'), lesson(2, 'list-nodes'), lesson(3, 'workqueue'), lesson(4, 'stores')];
  const v = runVerdict(lessons, [{ lesson: lessons[0]!, status: 'failed', reason: 'exited with 3', configProblem: true }]);
  assert.equal(v?.exitCode, ExitCode.config);
  assert.equal(v.hint, undefined);
  assert.match(v.message, /^learn stopped at lesson 1 \(setup\) .*; not run: 2 list-nodes, 3 workqueue, 4 stores \(/);
});

test('runVerdict: failures of other kinds keep the exit-1 summary line and its hint', () => {
  const lessons = [lesson(1, 'a'), lesson(2, 'b')];
  const v = runVerdict(lessons, [
    { lesson: lessons[0]!, status: 'failed', reason: 'exited with 4' },
    { lesson: lessons[1]!, status: 'ok' },
  ]);
  assert.equal(v?.exitCode, ExitCode.failure);
  assert.equal(v.message, '1 of 2 lessons failed to run (1 a)');
  assert.match(v.hint ?? '', /kube-lessons doctor/);
});
