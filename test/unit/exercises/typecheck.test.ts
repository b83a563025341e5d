/**
 * The type-check's messages where TypeScript's own would mislead in this workspace: a construct that cannot
 * run with types stripped, an import of what is not there, Node's globals (no @types/node here, on purpose).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Checker, GLOBALS_FILE, type Diagnostic } from '../../../src/exercises/typecheck.ts';
import { fixtureCatalog, fixtureWorkspace, writeExercise } from './helpers.ts';

const catalog = fixtureCatalog();
const ws = fixtureWorkspace(catalog);
const double = catalog.exercises[0]!;
const checker = new Checker();

async function firstError(source: string): Promise<Diagnostic> {
  writeExercise(ws, double, source);
  const { diagnostics } = await checker.check(join(ws.dir, double.file), join(ws.dir, GLOBALS_FILE));
  assert.ok(diagnostics[0], `expected an error in:\n${source}`);
  return diagnostics[0];
}

const solution = 'export function double(n: number): number {\n  return n * 2;\n}\n';

test('a constructor parameter property is explained, with the field-plus-assignment form to write instead', async () => {
  const d = await firstError(`export class Limiter {\n  constructor(private readonly baseMs: number) {}\n}\n${solution}`);
  assert.equal(d.line, 2);
  assert.doesNotMatch(d.message, /erasableSyntaxOnly/);
  assert.match(d.message, /constructor parameter property .* is not supported here/);
  assert.ok(d.message.includes('`private readonly baseMs: number;`'), d.message);
  assert.ok(d.message.includes('`this.baseMs = baseMs;`'), d.message);
});

test('an enum is explained, not left as a compiler option', async () => {
  const d = await firstError(`enum Phase { Pending, Running }\nexport const p = Phase.Pending;\n${solution}`);
  assert.match(d.message, /an enum is not supported here: .*union of string literals/);
});

test('an import of a package not installed names what an exercise can import, at the import line', async () => {
  const d = await firstError(`import _ from 'lodash';\nvoid _;\n${solution}`);
  assert.equal(d.line, 1);
  assert.match(d.message, /^cannot import 'lodash': an exercise can import kube-lessons\/core, kube-lessons\/machinery, Node's built-in modules as node:NAME/);
});

test('an import of node:NAME that is no built-in module is an error at the import line, not a failure when it runs', async () => {
  const d = await firstError(`${solution}\nimport { x } from 'node:doesnotexist';\nvoid x;\n`);
  assert.equal(d.line, 5);
  assert.match(d.message, /^cannot import 'node:doesnotexist': Node has no such built-in module; an exercise can import /);
  writeExercise(ws, double, `import { setTimeout as sleep } from 'node:timers/promises';\nvoid sleep;\n${solution}`);
  const ok = await checker.check(join(ws.dir, double.file), join(ws.dir, GLOBALS_FILE));
  assert.deepEqual(ok.diagnostics, [], 'a real built-in module is fine');
});

test("a Node built-in imported without node: says to add it; one of kube-lessons' that does not exist names the two", async () => {
  assert.match(
    (await firstError(`import { Buffer } from 'buffer';\nvoid Buffer;\n${solution}`)).message,
    /import Node's built-in modules with the node: prefix \('node:buffer'\)/,
  );
  assert.match(
    (await firstError(`import { x } from 'kube-lessons/nope';\nvoid x;\n${solution}`)).message,
    /kube-lessons exports kube-lessons\/core and kube-lessons\/machinery only/,
  );
});

test("Node's globals: how to import them here, instead of TypeScript's advice to install @types/node", async () => {
  const d = await firstError(`export function double(n: number): number {\n  if (process.env.X) return 0;\n  return n * 2;\n}\n`);
  assert.equal(d.line, 2);
  assert.doesNotMatch(d.message, /npm i|@types\/node`/);
  assert.ok(d.message.includes("`import process from 'node:process'`"), d.message);
  const r = await firstError(`const fs = require('node:fs');\nvoid fs;\n${solution}`);
  assert.match(r.message, /an exercise is an ES module, where 'require' does not exist; use import/);
});
