import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProgressStore, progressPath } from '../../../src/lessons/progress.ts';
import { tempConfigHome } from './helpers.ts';

test('the progress file lives under $XDG_CONFIG_HOME, else ~/.config', () => {
  assert.equal(progressPath({ XDG_CONFIG_HOME: '/x/conf', HOME: '/home/a' }), '/x/conf/kube-lessons/progress.json');
  assert.equal(progressPath({ HOME: '/home/a' }), '/home/a/.config/kube-lessons/progress.json');
  // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
  assert.equal(progressPath({ XDG_CONFIG_HOME: 'rel', HOME: '/home/a' }), '/home/a/.config/kube-lessons/progress.json');
});

test('no file means no progress; completing a lesson writes the file, creating its folder', () => {
  const { progressFile } = tempConfigHome();
  const store = new ProgressStore(progressFile, { now: () => new Date('2026-03-01T10:00:00Z') });
  assert.deepEqual(store.get().completed, {});
  assert.equal(store.isDone('alpha'), false);
  store.complete('alpha', 'beta');
  const saved: unknown = JSON.parse(readFileSync(progressFile, 'utf8'));
  assert.deepEqual(saved, { formatVersion: 1, completed: { alpha: '2026-03-01T10:00:00.000Z' }, current: 'beta', updatedAt: '2026-03-01T10:00:00.000Z' });
  const again = new ProgressStore(progressFile);
  assert.equal(again.isDone('alpha'), true);
  assert.equal(again.get().current, 'beta');
});

test('completing the last lesson clears current; setCurrent moves it', () => {
  const { progressFile } = tempConfigHome();
  const store = new ProgressStore(progressFile);
  store.setCurrent('gamma');
  assert.equal(new ProgressStore(progressFile).get().current, 'gamma');
  store.complete('gamma', undefined);
  assert.equal(new ProgressStore(progressFile).get().current, undefined);
});

test('writes are atomic: a temporary file renamed over the old one, none left behind', () => {
  const { progressFile } = tempConfigHome();
  const store = new ProgressStore(progressFile);
  for (let i = 0; i < 20; i++) store.setCurrent(`lesson-${i}`);
  assert.deepEqual(readdirSync(dirname(progressFile)), ['progress.json']);
  assert.equal((JSON.parse(readFileSync(progressFile, 'utf8')) as { current?: string }).current, 'lesson-19');
});

test('a failed write leaves the old file intact and no temporary file', { skip: process.getuid?.() === 0 ? 'root ignores file permissions' : false }, () => {
  const { progressFile } = tempConfigHome();
  const store = new ProgressStore(progressFile);
  store.setCurrent('alpha');
  chmodSync(dirname(progressFile), 0o500);
  try {
    assert.throws(() => store.setCurrent('beta'));
  } finally {
    chmodSync(dirname(progressFile), 0o700);
  }
  assert.equal((JSON.parse(readFileSync(progressFile, 'utf8')) as { current?: string }).current, 'alpha');
  assert.deepEqual(readdirSync(dirname(progressFile)), ['progress.json']);
});

for (const [what, content, reason] of [
  ['half a JSON document', '{"formatVersion": 1, "compl', /not JSON/],
  ['a JSON list', '[1, 2]', /not a JSON object/],
  ['another format version', '{"formatVersion": 7, "completed": {}}', /unknown formatVersion 7/],
  ['a wrong field type', '{"formatVersion": 1, "completed": {"alpha": 3}}', /"completed\.alpha" is not a time/],
  ['an empty file', '', /not JSON/],
] as const) {
  test(`a corrupt file (${what}) is reported once, moved aside, and progress starts empty`, () => {
    const { progressFile } = tempConfigHome();
    mkdirSync(dirname(progressFile), { recursive: true });
    writeFileSync(progressFile, content);
    const warnings: string[] = [];
    const store = new ProgressStore(progressFile, { warn: (l) => warnings.push(l), now: () => new Date('2026-03-01T10:00:00Z') });
    assert.deepEqual(store.get().completed, {});
    store.get();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, reason);
    assert.ok(!warnings[0]!.includes('\n'), 'one line');
    const aside = join(dirname(progressFile), 'progress.json.corrupt-2026-03-01T10-00-00.000Z');
    assert.ok(existsSync(aside), 'renamed aside with the time in its name');
    assert.equal(readFileSync(aside, 'utf8'), content);
    assert.ok(!existsSync(progressFile));
    store.setCurrent('alpha');
    assert.equal((JSON.parse(readFileSync(progressFile, 'utf8')) as { current?: string }).current, 'alpha');
  });
}

test('reset forgets everything and removes the file', () => {
  const { progressFile } = tempConfigHome();
  const store = new ProgressStore(progressFile);
  store.complete('alpha', 'beta');
  store.reset();
  assert.ok(!existsSync(progressFile));
  assert.deepEqual(store.get().completed, {});
  assert.equal(store.get().current, undefined);
  store.reset(); // twice is fine
});

test('two stores on one file (learn and exercise watch side by side) keep each other\'s completions', () => {
  const { progressFile } = tempConfigHome();
  const learnStore = new ProgressStore(progressFile);
  const watchStore = new ProgressStore(progressFile);
  learnStore.get();
  watchStore.markDone('exercise:kubeconfig');
  watchStore.markDone('exercise:kubeconfig');
  learnStore.complete('alpha', 'beta');
  const saved = JSON.parse(readFileSync(progressFile, 'utf8')) as { completed: Record<string, string>; current?: string };
  assert.deepEqual(Object.keys(saved.completed).sort(), ['alpha', 'exercise:kubeconfig']);
  assert.equal(saved.current, 'beta');
});

test('checkpoint answers are saved by catalog index and read back; a malformed answer is reported as corrupt', () => {
  const { progressFile } = tempConfigHome();
  const store = new ProgressStore(progressFile, { now: () => new Date('2026-03-01T10:00:00Z') });
  store.recordAnswer('alpha', 0, { choice: 2, correct: false, attempts: 1 });
  store.recordAnswer('alpha', 0, { choice: 1, correct: true, attempts: 2 });
  store.recordAnswer('alpha', 1, { choice: 0, correct: true, attempts: 1 });
  const again = new ProgressStore(progressFile);
  assert.deepEqual(again.get().answers, {
    alpha: {
      '0': { choice: 1, correct: true, attempts: 2, at: '2026-03-01T10:00:00.000Z' },
      '1': { choice: 0, correct: true, attempts: 1, at: '2026-03-01T10:00:00.000Z' },
    },
  });
  writeFileSync(progressFile, JSON.stringify({ formatVersion: 1, completed: {}, answers: { alpha: { '0': { choice: 'b' } } } }));
  const warnings: string[] = [];
  const broken = new ProgressStore(progressFile, { warn: (l) => warnings.push(l) });
  assert.equal(broken.get().answers, undefined);
  assert.match(warnings[0]!, /"answers\.alpha\.0" is not a checkpoint answer/);
});
