/**
 * The shipped exercise catalog is data: every entry must have its scaffold (with a TODO), our solution, and
 * a check module answering exactly its expectation ids; exercises follow the lessons' order. Broken copies of
 * the fixture show the validator names each problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../../../src/lessons/catalog.ts';
import {
  closestExercise,
  DEFAULT_EXERCISES_DIR,
  findExercise,
  loadExerciseCatalog,
  parseExerciseCatalog,
  scaffoldPath,
  solutionPath,
  unknownExercise,
} from '../../../src/exercises/catalog.ts';
import type { CheckModule } from '../../../src/exercises/check-api.ts';
import { exportLine } from '../../../src/exercises/verify.ts';
import { FIXTURE_CHECKS, FIXTURE_DIR } from './helpers.ts';

const catalog = loadExerciseCatalog(DEFAULT_EXERCISES_DIR, join(DEFAULT_EXERCISES_DIR, 'unused'));
const lessons = loadCatalog().lessons;
const SRC_CHECKS = new URL('../../../src/exercises/checks/', import.meta.url);

test("every exercise belongs to a lesson, in the lessons' order, and every article has one", () => {
  const order = lessons.map((l) => l.id);
  const positions = catalog.exercises.map((e) => order.indexOf(e.lesson));
  assert.ok(
    positions.every((p) => p >= 0),
    `unknown lessons: ${catalog.exercises
      .filter((e) => !order.includes(e.lesson))
      .map((e) => e.lesson)
      .join(', ')}`,
  );
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
    'exercises follow the lessons',
  );
  const covered = new Set(catalog.exercises.map((e) => e.lesson));
  assert.deepEqual(
    order.filter((id) => !covered.has(id)),
    [],
    'lessons without an exercise',
  );
  assert.ok(catalog.exercises.length >= 10, `${catalog.exercises.length} exercises; at least 10 wanted`);
});

for (const e of catalog.exercises) {
  test(`exercise ${e.number} ${e.id}: scaffold with a TODO, our solution, and a check for each expectation`, async () => {
    const scaffold = readFileSync(scaffoldPath(catalog, e), 'utf8');
    const solution = readFileSync(solutionPath(catalog, e), 'utf8');
    assert.match(scaffold, /TODO/);
    assert.doesNotMatch(solution, /TODO/);
    for (const name of e.exports) {
      assert.notEqual(exportLine(scaffold, name), 1, `the scaffold exports ${name}`);
      assert.notEqual(exportLine(solution, name), 1, `the solution exports ${name}`);
    }
    const check = (await import(new URL(`${e.id}.ts`, SRC_CHECKS).href)) as CheckModule;
    assert.deepEqual(Object.keys(check.expectations).sort(), e.expectations.map((x) => x.id).sort());
    assert.ok(e.hints.length >= 2, 'at least two hints: progressive');
    assert.ok(
      e.expectations.some((x) => e.scaffoldFails.startsWith(x.text)),
      'scaffoldFails starts with one expectation',
    );
  });
}

test('the workspace templates exist', () => {
  for (const f of ['tsconfig.json', 'kube-lessons-globals.d.ts', 'README.md', 'gitignore'])
    assert.ok(existsSync(join(DEFAULT_EXERCISES_DIR, 'workspace', f)), f);
});

test('exercises are found by id, number or file name', () => {
  const first = catalog.exercises[0]!;
  assert.equal(findExercise(catalog, first.id), first);
  assert.equal(findExercise(catalog, '1'), first);
  assert.equal(findExercise(catalog, first.file), first);
  assert.equal(findExercise(catalog, 'no-such'), undefined);
});

test('an unknown exercise a typo away from an id is suggested ("did you mean object-keys?"); a wild guess is not', () => {
  assert.match(unknownExercise(catalog, 'objct-keys').message, /^no exercise "objct-keys"; did you mean object-keys\?$/);
  assert.match(unknownExercise(catalog, 'proces-next-work-itme').message, /did you mean process-next-work-item\?$/);
  assert.match(unknownExercise(catalog, '03-nakedpod').message, /did you mean naked-pod\?$/);
  assert.equal(unknownExercise(catalog, 'nope').message, 'no exercise "nope"');
  assert.equal(unknownExercise(catalog, '42').message, 'no exercise "42"');
  assert.equal(closestExercise(catalog, 'index-by-nod'), findExercise(catalog, 'index-by-node'));
});

test('a broken catalog lists every problem by field', () => {
  type Entry = Record<string, unknown> & { expectations: unknown[] };
  const raw = JSON.parse(readFileSync(join(FIXTURE_DIR, 'catalog.json'), 'utf8')) as { exercises: [Entry, Entry] };
  const [first, second] = raw.exercises;
  second.id = 'double';
  second.number = 5;
  first.kind = 'remote';
  first.file = '../escape.ts';
  first.expectations.push({ id: 'two', text: 'again' });
  delete second.hints;
  const { catalog: parsed, problems } = parseExerciseCatalog(raw, FIXTURE_DIR, FIXTURE_CHECKS);
  assert.equal(parsed, undefined);
  for (const re of [
    /exercises\[1\]\.id: "double" is used twice/,
    /exercises\[1\]\.number: expected 2/,
    /exercises\[0\]\.kind/,
    /exercises\[0\]\.file/,
    /exercises\[0\]\.expectations: ids must be distinct/,
    /exercises\[1\]\.hints: must be a non-empty list/,
  ]) {
    assert.ok(
      problems.some((p) => re.test(p)),
      `${re}: ${problems.join('; ')}`,
    );
  }
});
