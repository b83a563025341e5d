/**
 * The lesson engine end to end, on the fixture catalog (test/fixtures/lessons) with a fake program: the
 * menu and its marks, jumping, running commands in-process, questions, tasks, cleanup, progress saved and
 * resumed, a corrupt progress file, and the non-interactive run's exit codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createColors } from '../../../src/console/colors.ts';
import { ExitCode, UserFacingError } from '../../../src/core/errors.ts';
import type { ProgressData } from '../../../src/lessons/progress.ts';
import { learn, type LearnDeps } from '../../../src/lessons/session.ts';
import {
  capturedContext,
  choose,
  fakeCluster,
  fakeProgram,
  FIXTURE_DIR,
  promptExit,
  ScriptedPrompter,
  tempConfigHome,
  type Answer,
  type FakeCluster,
} from './helpers.ts';

interface Session {
  prompter: ScriptedPrompter;
  program: ReturnType<typeof fakeProgram>;
  cap: ReturnType<typeof capturedContext>;
  cluster: FakeCluster;
  text: () => string;
}

async function session(
  answers: Answer[],
  opts: {
    ref?: string;
    env: NodeJS.ProcessEnv;
    interactive?: boolean;
    yes?: boolean;
    list?: boolean;
    reset?: boolean;
    cluster?: FakeCluster;
    failing?: string[];
    format?: 'table' | 'json' | 'yaml';
    makeProgram?: LearnDeps['makeProgram'];
  },
): Promise<Session> {
  const prompter = new ScriptedPrompter(answers);
  const program = fakeProgram({ failing: opts.failing ?? [] });
  const cap = capturedContext({}, opts.format ?? 'table');
  const cluster = opts.cluster ?? fakeCluster();
  await learn(
    opts.ref,
    { yes: opts.yes ?? false, list: opts.list ?? false, reset: opts.reset ?? false },
    {
      ctx: cap.ctx,
      makeProgram: opts.makeProgram ?? program.makeProgram,
      env: opts.env,
      lessonsDir: FIXTURE_DIR,
      prompter,
      interactive: opts.interactive ?? true,
      width: 80,
      cluster,
    },
  );
  assert.equal(prompter.remaining, 0, 'every scripted answer was used');
  return { prompter, program, cap, cluster, text: () => cap.all.join('\n') };
}

function readProgress(file: string): { current?: string; completed: Record<string, string> } {
  return JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof readProgress>;
}

test('first visit: the welcome, a menu with every lesson not started, and the first lesson as default', async () => {
  const { env, progressFile } = tempConfigHome();
  const s = await session([':quit'], { env });
  assert.match(s.text(), /Fixture welcome/);
  const menu = s.prompter.asked[0]!;
  assert.equal(menu.message, 'Pick a lesson');
  assert.deepEqual(
    menu.choices.map((c) => c.name),
    ['·  1. Alpha lesson', '·  2. Beta lesson', '·  3. Gamma lesson', '  Quit'],
  );
  assert.equal(menu.default, 'alpha');
  // The prose wraps at spaces, and a temporary folder's path may hold one: compare with each run of white space as one.
  const oneSpace = (text: string) => text.replace(/\s+/g, ' ');
  assert.ok(oneSpace(s.text()).includes(oneSpace(`progress is saved in ${progressFile}.`)), `the progress file's path:\n${s.text()}`);
});

test('a lesson from the menu: text, an in-process run, a wrong then a right answer, then progress is saved', async () => {
  const { env, progressFile } = tempConfigHome();
  const s = await session(
    [
      choose('Alpha'), // menu
      'run',
      'questions',
      choose('goodbye'), // wrong
      'retry',
      choose('hello'), // right
      'quit',
    ],
    { env },
  );
  const text = s.text();
  assert.match(text, /Lesson 1 of 3 · Alpha lesson/);
  assert.match(text, /ALPHA-TEXT/);
  assert.match(text, /src\/lessons\/engine\.ts — runInteractive/);
  assert.match(text, /\$ kube-lessons fake hello/);
  assert.deepEqual(s.program.log, ['hello']);
  // Wrong answer: marked, not explained (the explanation would give the answer away), then retried and explained.
  assert.match(text, /✗ Not quite\./);
  assert.match(text, /✓ Right\. ALPHA-EXPLANATION/);
  assert.ok(text.indexOf('Not quite') < text.indexOf('✓ Right'));
  assert.equal(text.indexOf('ALPHA-EXPLANATION'), text.indexOf('✓ Right. ALPHA-EXPLANATION') + '✓ Right. '.length, 'explained only once right');
  // The retried question marks the choice already tried.
  const retry = s.prompter.asked.filter((a) => a.message.startsWith('Checkpoint 1 of 1'))[1]!;
  assert.ok(retry.choices.some((c) => c.name.startsWith('goodbye') && c.name.includes('(tried)')));
  // After a run, the default moves on to the questions.
  const steps = s.prompter.asked.filter((a) => a.message === 'Lesson 1: what next?');
  assert.deepEqual(
    steps.map((a) => a.default),
    ['run', 'questions'],
  );
  assert.match(text, /✓ Lesson 1 done/);
  const saved = readProgress(progressFile);
  assert.deepEqual(Object.keys(saved.completed), ['alpha']);
  assert.equal(saved.current, 'beta');
});

test('coming back resumes at the next lesson, with ✓ ▶ · marks', async () => {
  const { env, progressFile } = tempConfigHome();
  mkdirSync(dirname(progressFile), { recursive: true });
  writeFileSync(progressFile, JSON.stringify({ formatVersion: 1, current: 'beta', completed: { alpha: '2026-01-01T00:00:00.000Z' } }));
  const s = await session([':quit'], { env });
  assert.match(s.text(), /Welcome back\. 1 of 3 lessons done; you were at lesson 2: Beta lesson\./);
  const menu = s.prompter.asked[0]!;
  assert.deepEqual(
    menu.choices.slice(0, 3).map((c) => c.name),
    ['✓  1. Alpha lesson', '▶  2. Beta lesson', '·  3. Gamma lesson'],
  );
  assert.equal(menu.default, 'beta');
});

test('jumping to a lesson by number: hint, confirm before changing, task check until it passes, cleanup, then the next lesson', async () => {
  const { env, progressFile } = tempConfigHome();
  const cluster = fakeCluster({
    results: [
      { ok: false, message: 'there is no pod "web-1" in namespace "lessons" yet' },
      { ok: true, message: 'pod "web-1" exists' },
    ],
  });
  const s = await session(
    [
      'hint',
      'run',
      true, // "This changes your cluster... Run it?"
      'questions',
      choose('yes'),
      'check',
      'hint',
      'check',
      true, // clean up
      choose('Next: lesson 3'),
      'menu', // inside gamma
      ':quit',
    ],
    { env, ref: '2', cluster },
  );
  const text = s.text();
  assert.doesNotMatch(text, /Fixture welcome/, 'a jump skips the welcome');
  assert.match(text, /Hint 1 of 1: beta hint/);
  const confirm = s.prompter.asked.find((a) => a.type === 'confirm')!;
  assert.equal(confirm.message, 'This changes your cluster: creates the fake thing. Run it?');
  assert.match(text, /Make the fake pod exist/);
  assert.match(text, /✗ Not yet: there is no pod "web-1" in namespace "lessons" yet\./);
  assert.match(text, /✓ Done: pod "web-1" exists\./);
  assert.deepEqual(cluster.checks, [
    { type: 'pod-exists', namespace: 'lessons', name: 'web-1' },
    { type: 'pod-exists', namespace: 'lessons', name: 'web-1' },
  ]);
  const cleanup = s.prompter.asked.filter((a) => a.type === 'confirm')[1]!;
  assert.match(cleanup.message, /Clean up what this lesson created\? This runs kube-lessons fake undo and kube-lessons fake undo-task/);
  assert.deepEqual(s.program.log, ['change', 'undo', 'undo-task']);
  assert.match(text, /Lesson 3 of 3 · Gamma lesson/);
  const saved = readProgress(progressFile);
  assert.deepEqual(Object.keys(saved.completed), ['beta']);
  assert.equal(saved.current, 'gamma', 'opening a lesson makes it the current one');
});

test('declining the change runs nothing and offers no cleanup; leaving for the menu keeps the lesson current', async () => {
  const { env, progressFile } = tempConfigHome();
  const s = await session(['run', false, 'menu', ':quit'], { env, ref: 'beta' });
  assert.deepEqual(s.program.log, []);
  assert.equal(s.prompter.asked.filter((a) => a.type === 'confirm').length, 1);
  const saved = readProgress(progressFile);
  assert.deepEqual(saved.completed, {});
  assert.equal(saved.current, 'beta');
});

test('leaving a lesson for the menu after changing the cluster offers the cleanup', async () => {
  const { env } = tempConfigHome();
  const s = await session(['run', true, 'menu', true, ':quit'], { env, ref: 'beta' });
  assert.deepEqual(s.program.log, ['change', 'undo']);
});

test('running a cluster-changing lesson again cleans up the last run first', async () => {
  const { env } = tempConfigHome();
  const s = await session(['run', true, choose('Clean up and run it again'), true, 'menu', true, ':quit'], { env, ref: 'beta' });
  assert.deepEqual(s.program.log, ['change', 'undo', 'change', 'undo']);
  assert.match(s.text(), /\$ kube-lessons fake undo {3}\(cleaning up the last run first\)/);
});

test('a lesson needing a cluster says so when none answers, points at the sandbox, and runs nothing', async () => {
  const { env } = tempConfigHome();
  const s = await session(['run', 'menu', ':quit'], { env, ref: 'gamma', cluster: fakeCluster({ configured: true, reachable: false }) });
  assert.match(s.text(), /This lesson runs against a cluster, and none answers: cannot reach\s+https:\/\/fake:6443 \(ECONNREFUSED\)\./);
  assert.match(s.text(), /kube-lessons sandbox up/);
  assert.deepEqual(s.program.log, []);
});

test('a streaming command stops after its time limit and counts as a normal end', async () => {
  const { env } = tempConfigHome();
  const s = await session(['run', 'questions', choose('time limit'), ':quit'], { env, ref: 'gamma' });
  assert.deepEqual(s.program.log, ['stream started', 'stream stopped']);
  assert.match(s.text(), /\(stopped after 0\.2 s\)/);
  assert.doesNotMatch(s.text(), /failed/);
});

test('showing the answer instead of retrying moves on', async () => {
  const { env } = tempConfigHome();
  const s = await session(['questions', choose('nothing'), 'reveal', 'menu', ':quit'], { env, ref: 'alpha' });
  assert.match(s.text(), /The answer: hello\. ALPHA-EXPLANATION/);
  assert.doesNotMatch(s.text(), /Not quite\. ALPHA-EXPLANATION/);
});

test('finishing the last lesson with others open lists them, and returns to the menu', async () => {
  const { env, progressFile } = tempConfigHome();
  const s = await session(['questions', choose('time limit'), ':quit'], { env, ref: '3' });
  assert.doesNotMatch(s.text(), /Fixture closing/);
  assert.match(s.text(), /That was the last lesson\. Still open: 1\. Alpha lesson; 2\. Beta lesson\./);
  const saved = readProgress(progressFile);
  assert.deepEqual(Object.keys(saved.completed), ['gamma']);
  assert.equal(saved.current, undefined);
});

test('finishing every lesson prints the closing text', async () => {
  const { env, progressFile } = tempConfigHome();
  mkdirSync(dirname(progressFile), { recursive: true });
  writeFileSync(
    progressFile,
    JSON.stringify({ formatVersion: 1, current: 'gamma', completed: { alpha: '2026-01-01T00:00:00.000Z', beta: '2026-01-01T00:00:00.000Z' } }),
  );
  const s = await session(['questions', choose('time limit'), ':quit'], { env, ref: 'gamma' });
  assert.match(s.text(), /Fixture closing/);
  assert.deepEqual(Object.keys(readProgress(progressFile).completed).sort(), ['alpha', 'beta', 'gamma']);
});

test('Ctrl-C at a prompt ends the session as interrupted (130), progress kept', async () => {
  const { env } = tempConfigHome();
  const cap = capturedContext();
  await assert.rejects(interruptedSession([promptExit()], { env }, cap), (e: UserFacingError) => e.exitCode === ExitCode.interrupted);
  assert.match(cap.all.join('\n'), /progress is saved in/);
});

test('Ctrl-C in a lesson after changing the cluster says what was left and how to remove it', async () => {
  const { env } = tempConfigHome();
  const cap = capturedContext();
  await assert.rejects(interruptedSession(['run', true, promptExit()], { env, ref: 'beta' }, cap), (e: UserFacingError) => e.exitCode === ExitCode.interrupted);
  assert.match(cap.all.join('\n'), /Left in your cluster by this lesson; to remove it: kube-lessons fake undo/);
  assert.match(cap.all.join('\n'), /progress is saved in/);
});

/** A session that is expected to end by an error: what it printed stays in `cap`. */
function interruptedSession(answers: Answer[], opts: { env: NodeJS.ProcessEnv; ref?: string }, cap: ReturnType<typeof capturedContext>): Promise<void> {
  const program = fakeProgram();
  return learn(opts.ref, { yes: false, list: false, reset: false }, { ctx: cap.ctx, makeProgram: program.makeProgram, env: opts.env, lessonsDir: FIXTURE_DIR, prompter: new ScriptedPrompter(answers), interactive: true, width: 80, cluster: fakeCluster() });
}

test('hints come one at a time, numbered, and start over', async () => {
  const { env } = tempConfigHome();
  const s = await session(['hint', 'hint', 'hint', 'menu', ':quit'], { env, ref: 'alpha' });
  const hints = s.cap.out.filter((l) => l.startsWith('Hint'));
  assert.deepEqual(hints, ['Hint 1 of 2: alpha hint one', 'Hint 2 of 2: alpha hint two', 'Hint 1 of 2: alpha hint one']);
});

test('a corrupt progress file is reported in one line, set aside, and the menu still works', async () => {
  const { env, progressFile } = tempConfigHome();
  mkdirSync(dirname(progressFile), { recursive: true });
  writeFileSync(progressFile, '{"formatVersion": 1, "completed": ');
  const s = await session([choose('Alpha'), 'menu', ':quit'], { env });
  const warnings = s.cap.err.filter((l) => l.includes('progress file'));
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0]!,
    /^warning: progress file .*progress\.json was unreadable \(not JSON: .*\); moved it to .*progress\.json\.corrupt-.* and starting fresh$/,
  );
  const aside = readdirSync(dirname(progressFile)).filter((f) => f.startsWith('progress.json.corrupt-'));
  assert.equal(aside.length, 1);
  assert.equal(readFileSync(`${dirname(progressFile)}/${aside[0]}`, 'utf8'), '{"formatVersion": 1, "completed": ');
  assert.equal(readProgress(progressFile).current, 'alpha', 'a fresh file was written');
});

test('--list prints every lesson with its mark; -o json gives the same as data', async () => {
  const { env, progressFile } = tempConfigHome();
  mkdirSync(dirname(progressFile), { recursive: true });
  writeFileSync(progressFile, JSON.stringify({ formatVersion: 1, current: 'beta', completed: { alpha: '2026-01-01T00:00:00.000Z' } }));
  const s = await session([], { env, list: true });
  const rows = s.cap.out
    .join('\n')
    .split('\n')
    .filter((l) => /alpha|beta|gamma/.test(l));
  assert.match(rows[0]!, /^✓\s+1\s+alpha\s+Alpha lesson\s+no$/);
  assert.match(rows[1]!, /^▶\s+2\s+beta\s+Beta lesson\s+no$/);
  assert.match(rows[2]!, /^·\s+3\s+gamma\s+Gamma lesson\s+yes$/);
  assert.match(s.text(), /1 of 3 done/);
  const j = await session([], { env, list: true, format: 'json' });
  const data = JSON.parse(j.cap.out.join('\n')) as { lessons: { status: string }[] };
  assert.deepEqual(
    data.lessons.map((l) => l.status),
    ['done', 'current', 'not started'],
  );
  const y = await session([], { env, list: true, format: 'yaml' });
  assert.match(y.cap.out.join('\n'), /^lessons:\n {2}- number: 1\n {4}id: alpha/m);
});

test('--reset asks first; no clears nothing, yes clears; --yes skips the question; no terminal and no --yes refuses', async () => {
  const { env, progressFile } = tempConfigHome();
  const write = () => {
    mkdirSync(dirname(progressFile), { recursive: true });
    writeFileSync(progressFile, JSON.stringify({ formatVersion: 1, completed: { alpha: '2026-01-01T00:00:00.000Z' } }));
  };
  write();
  const kept = await session([false], { env, reset: true });
  assert.match(kept.prompter.asked[0]!.message, /Forget your progress \(1 of 3 lessons done\)\?/);
  assert.equal(kept.prompter.asked[0]!.default, false);
  assert.ok(existsSync(progressFile));
  await session([true], { env, reset: true });
  assert.ok(!existsSync(progressFile));
  write();
  const quiet = await session([], { env, reset: true, yes: true });
  assert.ok(!existsSync(progressFile));
  assert.match(quiet.text(), /Progress cleared/);
  write();
  await assert.rejects(session([], { env, reset: true, interactive: false }), (err: UserFacingError) => err.exitCode === 2 && /--yes/.test(err.hint ?? ''));
  assert.ok(existsSync(progressFile));
});

test('an unknown lesson is a usage error naming the choices', async () => {
  const { env } = tempConfigHome();
  await assert.rejects(session([], { env, ref: '9' }), (err: UserFacingError) => err.exitCode === 2 && /alpha, beta, gamma/.test(err.hint ?? ''));
});

test('non-interactive: every lesson printed and run in order, cleanup after the changing one, no prompts, exit 0', async () => {
  const { env, progressFile } = tempConfigHome();
  const s = await session([], { env, yes: true });
  assert.deepEqual(s.program.log, ['hello', 'change', 'undo', 'stream started', 'stream stopped']);
  const text = s.text();
  for (const marker of ['ALPHA-TEXT', 'BETA-TEXT', 'GAMMA-TEXT']) assert.match(text, new RegExp(marker));
  assert.ok(text.indexOf('ALPHA-TEXT') < text.indexOf('BETA-TEXT') && text.indexOf('BETA-TEXT') < text.indexOf('GAMMA-TEXT'));
  assert.match(text, /\$ kube-lessons fake undo {3}\(cleanup\)/);
  assert.match(text, /✓ lesson 3 \(gamma\) ran/);
  assert.equal(s.prompter.asked.length, 0);
  assert.ok(!existsSync(progressFile), 'a smoke run leaves progress alone');
});

test("run from outside kube-lessons' own folder (an npm install), the page says which folder its source paths are under", async () => {
  const { env } = tempConfigHome();
  // The fixture catalog's root is test/fixtures, not the folder the tests run in.
  const text = (await session([], { env, yes: true })).text();
  assert.match(text, /Where the code lives in this project \(paths under test\/fixtures\/\)\n {2}• src\/lessons\/engine\.ts/);
});

test('non-interactive without a terminal behaves the same, even without --yes', async () => {
  const { env } = tempConfigHome();
  const s = await session([], { env, interactive: false });
  assert.deepEqual(s.program.log, ['hello', 'change', 'undo', 'stream started', 'stream stopped']);
});

test('non-interactive: a failing command fails its lesson with exit code 1', async () => {
  const { env } = tempConfigHome();
  await assert.rejects(session([], { env, yes: true, failing: ['change'] }), (err: UserFacingError) => {
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /1 of 3 lessons failed to run \(2 beta\)/);
    return true;
  });
});

test('non-interactive: the failing lesson is reported with the command and its exit code', async () => {
  const { env } = tempConfigHome();
  const program = fakeProgram({ failing: ['change'] });
  const cap = capturedContext();
  await assert.rejects(
    learn(
      undefined,
      { yes: true },
      { ctx: cap.ctx, makeProgram: program.makeProgram, env, lessonsDir: FIXTURE_DIR, interactive: false, width: 80, cluster: fakeCluster() },
    ),
  );
  assert.deepEqual(program.log, ['hello', 'change', 'undo', 'stream started', 'stream stopped']);
  const text = cap.all.join('\n');
  assert.match(text, /error: change broke/);
  assert.match(text, /✗ lesson 2 \(beta\) failed: `kube-lessons fake change` exited with 1/);
  assert.match(text, /2\s+beta\s+failed/);
});

test('non-interactive, no cluster configured at all: cluster lessons are skipped with the reason, and that is not a failure', async () => {
  const { env } = tempConfigHome();
  const s = await session([], { env, yes: true, cluster: fakeCluster({ configured: false }) });
  assert.deepEqual(s.program.log, ['hello', 'change', 'undo']);
  assert.match(s.text(), /↷ lesson 3 \(gamma\) skipped: it needs a cluster and none is configured; start one\s+with `kube-lessons sandbox up`/);
});

test('non-interactive, a cluster configured but failing: the failure counts', async () => {
  const { env } = tempConfigHome();
  await assert.rejects(
    session([], { env, yes: true, failing: ['stream'], cluster: fakeCluster({ configured: true, reachable: false }) }),
    (err: UserFacingError) => err.exitCode === 1 && /3 gamma/.test(err.message),
  );
});

test('non-interactive, a command missing from the program: the lesson fails and names the command', async () => {
  const { env } = tempConfigHome();
  const { Command } = await import('commander');
  const cap = capturedContext();
  await assert.rejects(
    learn(
      '1',
      { yes: true },
      { ctx: cap.ctx, makeProgram: () => new Command('kube-lessons'), env, lessonsDir: FIXTURE_DIR, interactive: false, width: 80, cluster: fakeCluster() },
    ),
    (err: UserFacingError) => err.exitCode === 1,
  );
  assert.match(cap.all.join('\n'), /✗ lesson 1 \(alpha\) failed: this build has no `kube-lessons fake` command/);
});

test('non-interactive: an interrupt stops the run and reports it', async () => {
  const { env } = tempConfigHome();
  const program = fakeProgram();
  const cap = capturedContext();
  void program.streaming.then(() => cap.abort.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' })));
  await assert.rejects(
    learn(
      '3',
      { yes: true },
      { ctx: cap.ctx, makeProgram: program.makeProgram, env, lessonsDir: FIXTURE_DIR, interactive: false, width: 80, cluster: fakeCluster() },
    ),
    (err: UserFacingError) => err.exitCode === 130,
  );
  assert.deepEqual(program.log, ['stream started', 'stream stopped']);
});

test('checkpoint choices are shown shuffled per session; the pick maps back to the catalog answer and is saved', async () => {
  const { env, progressFile } = tempConfigHome();
  const { choiceOrder } = await import('../../../src/lessons/shuffle.ts');
  const seed = 7;
  const order = choiceOrder(3, seed, 'alpha/0');
  const prompter = new ScriptedPrompter([choose('Alpha'), 'questions', choose('nothing'), 'retry', choose('hello'), 'quit']);
  const program = fakeProgram({ failing: [] });
  const cap = capturedContext({}, 'table');
  await learn(undefined, {}, { ctx: cap.ctx, makeProgram: program.makeProgram, env, lessonsDir: FIXTURE_DIR, prompter, interactive: true, width: 80, cluster: fakeCluster(), seed });
  const asked = prompter.asked.filter((a) => a.message.startsWith('Checkpoint 1 of 1'));
  const catalogChoices = ['goodbye', 'hello', 'nothing'];
  // Shown in the seeded order, the same order again on the retry; values stay catalog indexes.
  for (const a of asked) {
    assert.deepEqual(a.choices.map((c) => c.value), order.map(String));
    assert.deepEqual(a.choices.map((c) => c.name.replace(' (tried)', '')), order.map((k) => catalogChoices[k]));
  }
  const saved = JSON.parse(readFileSync(progressFile, 'utf8')) as ProgressData;
  const answer = saved.answers?.alpha?.['0'];
  assert.equal(answer?.choice, 1);
  assert.equal(answer?.correct, true);
  assert.equal(answer?.attempts, 2);
});

test('checkpoint prompts render inline code: painted, without the back-quotes', async () => {
  const { env } = tempConfigHome();
  const prompter = new ScriptedPrompter([choose('Gamma'), 'questions', choose('yes'), ':quit']);
  const cap = capturedContext({}, 'table', 2);
  await learn(undefined, {}, { ctx: cap.ctx, makeProgram: fakeProgram({ failing: [] }).makeProgram, env, lessonsDir: FIXTURE_DIR, prompter, interactive: true, width: 80, cluster: fakeCluster() });
  const question = prompter.asked.find((a) => a.message.includes('Checkpoint 1 of 1'))!;
  assert.ok(!question.message.includes('`'), question.message);
  assert.ok(question.message.includes(createColors(2).yellow('gamma')), question.message);
});
