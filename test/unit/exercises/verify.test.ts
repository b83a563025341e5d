/**
 * verify on the fixture catalog: the scaffold fails with its intended first message, the solution passes,
 * and each kind of learner mistake is one problem pointing at the learner's file and line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createColors } from '../../../src/console/colors.ts';
import { renderOutcome } from '../../../src/exercises/render.ts';
import { Checker } from '../../../src/exercises/typecheck.ts';
import { verifyExercise, type VerifyOutcome } from '../../../src/exercises/verify.ts';
import { fixtureCatalog, fixtureWorkspace, solve, writeExercise } from './helpers.ts';

const catalog = fixtureCatalog();
const ws = fixtureWorkspace(catalog);
const checker = new Checker();
const double = catalog.exercises[0]!;
const plain = createColors(0);

const run = (timeoutMs?: number): Promise<VerifyOutcome> => verifyExercise(catalog, ws, double, { checker, ...(timeoutMs ? { timeoutMs } : {}) });
const lines = (o: VerifyOutcome) => renderOutcome(o, catalog.exercises.length, plain);

test('the untouched scaffold fails at its first expectation, with expected vs got and the line of the export', async () => {
  const o = await run();
  assert.equal(o.status, 'failed');
  assert.deepEqual(
    o.results.map((r) => r.status),
    ['fail', 'not-run'],
  );
  const shown = lines(o);
  assert.equal(shown.length, 3);
  assert.match(shown[1]!, new RegExp(`✗ ${double.scaffoldFails}.*\\(exercises/01-double\\.ts:2\\)`));
  assert.match(shown[2]!, /· doubles -3 \(not checked yet\)/);
});

test('the solution passes every expectation', async () => {
  solve(catalog, ws, double);
  const o = await run();
  assert.equal(o.status, 'passed', lines(o).join('\n'));
  assert.ok(o.results.every((r) => r.status === 'pass'));
  assert.match(lines(o).at(-1)!, /✓ double passes: 2 of 2 expectations/);
});

test('a half-right answer passes the first expectation and fails the second', async () => {
  writeExercise(ws, double, 'export function double(n: number): number {\n  return Math.abs(n) * 2;\n}\n');
  const o = await run();
  assert.deepEqual(
    o.results.map((r) => r.status),
    ['pass', 'fail'],
  );
  assert.match(lines(o)[2]!, /✗ doubles -3: expected -6, got 6 \(exercises\/01-double\.ts:1\)/);
});

test('a syntax error is one line at its line and column, with a hint', async () => {
  writeExercise(ws, double, 'export function double(n: number): number {\n  return n *;\n}\n');
  const o = await run();
  assert.equal(o.status, 'syntax-error');
  const shown = lines(o);
  assert.equal(shown.length, 1);
  assert.match(shown[0]!, /^✗ 1\/2 double: exercises\/01-double\.ts:2:13: syntax error: Expression expected\. \(hint: /);
});

test('a type error is one line at its line, with a hint', async () => {
  writeExercise(ws, double, 'export function double(n: number): number {\n  const s: string = n;\n  return s.length;\n}\n');
  const o = await run();
  assert.equal(o.status, 'type-error');
  assert.match(lines(o)[0]!, /exercises\/01-double\.ts:2:9: type error: Type 'number' is not assignable to type 'string'\. \(hint: /);
});

test('an endless loop is stopped at the time limit and named as such', async () => {
  writeExercise(ws, double, 'export function double(n: number): number {\n  while (n === n) n++;\n  return n;\n}\n');
  const o = await run(1500);
  assert.equal(o.status, 'timeout');
  assert.match(lines(o)[1]!, /✗ doubles 2: did not finish within 1\.5 s: stopped it \(an endless loop.*\(exercises\/01-double\.ts:1\)/);
});

test("a thrown error points at the learner's line, not ours", async () => {
  writeExercise(ws, double, 'export function double(n: number): number {\n  if (n > 0) {\n    throw new RangeError(`too big: ${n}`);\n  }\n  return n;\n}\n');
  const o = await run();
  assert.equal(o.status, 'threw');
  assert.match(lines(o)[1]!, /✗ doubles 2: your code threw RangeError: too big: 2 \(exercises\/01-double\.ts:3:11\) \(hint: /);
});

test('code that throws while the file loads is one line', async () => {
  writeExercise(ws, double, 'const config = JSON.parse("{");\nexport function double(n: number): number {\n  return n * 2 + config;\n}\n');
  const o = await run();
  assert.equal(o.status, 'threw');
  const shown = lines(o);
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, /^✗ 1\/2 double: exercises\/01-double\.ts:1:\d+: your file threw while loading SyntaxError: .*\(hint: /);
});

test("process.exit in the learner's code is reported, not taken as a pass", async () => {
  writeExercise(ws, double, 'import process from "node:process";\nexport function double(n: number): number {\n  process.exit(0);\n  return n;\n}\n');
  const o = await run();
  assert.equal(o.status, 'threw');
  assert.match(lines(o)[1]!, /ended the process \(exit code 0\)/);
});

test('a missing file is one line saying how to get it back', async () => {
  rmSync(join(ws.dir, double.file));
  const o = await run();
  assert.equal(o.status, 'missing');
  assert.deepEqual(lines(o).length, 1);
  assert.match(lines(o)[0]!, /exercises\/01-double\.ts is missing \(hint: `npx kube-lessons exercise init .*` adds it back/);
});
