/**
 * The guided mode offers a lesson's exercises after its checkpoints: listed with their state, checked on
 * request, on the same progress store as the lessons (so a pass and the lesson's completion both persist).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExerciseOffer } from '../../../src/lessons/engine.ts';
import type { ProgressStore } from '../../../src/lessons/progress.ts';
import { learn } from '../../../src/lessons/session.ts';
import { capturedContext, choose, fakeCluster, fakeProgram, FIXTURE_DIR, ScriptedPrompter, tempConfigHome } from './helpers.ts';

function offer(progress: ProgressStore, verified: string[]): ExerciseOffer {
  const list = [
    { number: 1, id: 'ex-a', title: 'First', file: 'exercises/01-ex-a.ts' },
    { number: 2, id: 'ex-b', title: 'Second', file: 'exercises/02-ex-b.ts' },
  ];
  return {
    forLesson: (lessonId) => (lessonId === 'alpha' ? list.map((e) => ({ ...e, passed: progress.isDone(`exercise:${e.id}`) })) : []),
    verify: async (id) => {
      verified.push(id);
      // ex-a passes on its check, ex-b never does.
      if (id === 'ex-a') progress.markDone(`exercise:${id}`);
      return id === 'ex-a';
    },
  };
}

test("after the checkpoints the lesson's exercises are offered, checked on request, and passes persist with the lesson", async () => {
  const { env, progressFile } = tempConfigHome();
  const verified: string[] = [];
  const prompter = new ScriptedPrompter([choose('Alpha'), 'questions', choose('hello'), 'ex-a', 'ex-b', '', 'quit']);
  const cap = capturedContext();
  await learn(undefined, {}, { ctx: cap.ctx, makeProgram: fakeProgram().makeProgram, env, lessonsDir: FIXTURE_DIR, prompter, interactive: true, width: 80, cluster: fakeCluster(), exercises: (p) => offer(p, verified) });
  assert.equal(prompter.remaining, 0);
  assert.deepEqual(verified, ['ex-a', 'ex-b']);
  const text = cap.all.join('\n');
  assert.match(text, /▍Write it yourself\n· exercise 1 ex-a: First \(exercises\/01-ex-a\.ts\)\n· exercise 2 ex-b: Second/);
  assert.match(text, /`npx\skube-lessons exercise watch ex-a` checks it on every save, `npx kube-lessons\sverify ex-a` once, `npx kube-lessons hint ex-a` when stuck\./);
  const offers = prompter.asked.filter((a) => a.message === 'Exercises');
  assert.deepEqual(offers.map((a) => a.choices.map((c) => c.value)), [['ex-a', 'ex-b', ''], ['ex-b', ''], ['ex-b', '']]);
  const saved = JSON.parse(readFileSync(progressFile, 'utf8')) as { completed: Record<string, string> };
  assert.deepEqual(Object.keys(saved.completed).sort(), ['alpha', 'exercise:ex-a']);
});

test('a lesson without exercises asks nothing more', async () => {
  const { env } = tempConfigHome();
  const prompter = new ScriptedPrompter([choose('Alpha'), 'questions', choose('hello'), 'quit']);
  const cap = capturedContext();
  await learn(undefined, {}, { ctx: cap.ctx, makeProgram: fakeProgram().makeProgram, env, lessonsDir: FIXTURE_DIR, prompter, interactive: true, width: 80, cluster: fakeCluster(), exercises: (p) => ({ ...offer(p, []), forLesson: () => [] }) });
  assert.equal(prompter.remaining, 0);
  assert.doesNotMatch(cap.all.join('\n'), /Write it yourself/);
});
