/**
 * The commands' session layer on the fixture catalog: what `verify` says after a pass, and what `solution`
 * does when the learner is asked and says no.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextStep, solution, verify } from '../../../src/exercises/session.ts';
import { Checker } from '../../../src/exercises/typecheck.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { fixtureCatalog, fixtureWorkspace, memoryIO, solve } from './helpers.ts';

const catalog = fixtureCatalog();
const checker = new Checker();

test('verify of a passing exercise says which exercise is next, and after the last one that all pass', async () => {
  const ws = fixtureWorkspace(catalog);
  const io = memoryIO(ws);
  const [double, greet] = catalog.exercises;
  solve(catalog, ws, double!);
  await verify(io, 'double', checker);
  assert.equal(io.lines.at(-1), 'Next: exercise 2 greet (exercises/02-greet.ts): `npx kube-lessons verify greet` when it is written');
  solve(catalog, ws, greet!);
  await verify(io, 'greet', checker);
  assert.equal(io.lines.at(-1), 'All 2 exercises pass. Well done!');
});

test('a learner asked in a terminal who says no gets a one-line note, not an error; with no one to ask it is a usage error naming --yes', async () => {
  const ws = fixtureWorkspace(catalog);
  const io = memoryIO(ws);
  await solution(io, 'double', () => Promise.resolve(false));
  assert.deepEqual(io.lines, ['Kept hidden. `npx kube-lessons hint double` gives the next hint.']);
  await assert.rejects(
    solution(io, 'double', () => Promise.resolve('cannot-ask')),
    (err: Error & { hint?: string; exitCode?: number }) => /stays hidden/.test(err.message) && /--yes/.test(err.hint ?? ''),
  );
});

test('exercise list ends with the next step: init when there is no workspace here, else the current exercise, else that all pass', () => {
  const ws = fixtureWorkspace(catalog);
  const io = memoryIO(ws);
  assert.equal(
    nextStep({ ...io, workspace: undefined, cwd: tempDir('kube-lessons-nows-') }),
    'Next: `npx kube-lessons exercise init` makes your workspace, then `npx kube-lessons exercise watch` inside it.',
  );
  assert.equal(nextStep(io), 'Next: exercise 1 double (exercises/01-double.ts); `npx kube-lessons exercise watch` checks it on every save.');
  for (const e of catalog.exercises) io.progress.markDone(`exercise:${e.id}`);
  assert.equal(nextStep(io), 'All 2 exercises pass. Well done!');
});
