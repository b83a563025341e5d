/** init never overwrites a learner's file; --force resets one; old workspaces get a one-line note; hints step on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, UserFacingError } from '../../../src/core/errors.ts';
import { loadExerciseCatalog } from '../../../src/exercises/catalog.ts';
import { hint, open } from '../../../src/exercises/session.ts';
import { Checker } from '../../../src/exercises/typecheck.ts';
import { verifyExercise } from '../../../src/exercises/verify.ts';
import {
  bundledTsc,
  enclosingWorkspace,
  findWorkspace,
  initWorkspace,
  PACKAGE_ROOT,
  readWorkspace,
  staleWorkspaceNote,
} from '../../../src/exercises/workspace.ts';
import { fixtureCatalog, fixtureWorkspace, memoryIO } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const catalog = fixtureCatalog();

test('init makes one file per exercise, the config files and a link to the running package', () => {
  const dir = join(tempDir('kube-lessons-ex-'), 'ws');
  const report = initWorkspace(catalog, dir);
  assert.deepEqual(report.created.sort(), [
    '.gitignore',
    'README.md',
    'exercises/01-double.ts',
    'exercises/02-greet.ts',
    'kube-lessons-globals.d.ts',
    'package.json',
    'tsconfig.json',
  ]);
  assert.equal(readlinkSync(join(dir, 'node_modules', 'kube-lessons')), realpathSync(PACKAGE_ROOT));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; kubeLessons: { workspaceFormat: number } };
  assert.equal(pkg.dependencies['kube-lessons'], `file:${realpathSync(PACKAGE_ROOT)}`);
  assert.deepEqual(pkg.kubeLessons.workspaceFormat, 2);
});

test('the workspace that init writes tells the user to run `npx kube-lessons ...`, as the README does, never a bare `kube-lessons ...`', () => {
  const dir = join(tempDir('kube-lessons-ex-'), 'ws');
  initWorkspace(loadExerciseCatalog(), dir);
  // package.json's scripts stay bare: npm run puts node_modules/.bin, where init links kube-lessons, on PATH.
  // Not recursive: node_modules/kube-lessons links to the whole package.
  const files = [...readdirSync(dir), ...readdirSync(join(dir, 'exercises')).map((f) => `exercises/${f}`)].filter((f) => /\.(md|ts)$/.test(f));
  assert.ok(files.includes('README.md') && files.filter((f) => f.startsWith('exercises/')).length >= 10, files.join(', '));
  const bare = /(?<!npx )(?<![\w/.-])kube-lessons (exercise|verify|hint|solution|learn|doctor|sandbox)\b/;
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.doesNotMatch(text, bare, f);
    assert.doesNotMatch(text, /^kube-lessons /m, f);
  }
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /^npx kube-lessons exercise watch /m);
});

test("init again keeps the learner's files and package.json fields; --force resets only the file named", () => {
  const ws = fixtureWorkspace(catalog);
  const mine = join(ws.dir, 'exercises/01-double.ts');
  writeFileSync(mine, 'export const double = (n: number) => n + n;\n');
  const pkgFile = join(ws.dir, 'package.json');
  writeFileSync(pkgFile, JSON.stringify({ ...JSON.parse(readFileSync(pkgFile, 'utf8')), description: 'mine' }));
  rmSync(join(ws.dir, 'exercises/02-greet.ts'));
  const again = initWorkspace(catalog, ws.dir);
  assert.deepEqual(again.created, ['exercises/02-greet.ts']);
  assert.equal(readFileSync(mine, 'utf8'), 'export const double = (n: number) => n + n;\n');
  assert.equal((JSON.parse(readFileSync(pkgFile, 'utf8')) as { description?: string }).description, 'mine');
  const forced = initWorkspace(catalog, ws.dir, ['double']);
  assert.deepEqual(forced.reset, ['exercises/01-double.ts']);
  assert.match(readFileSync(mine, 'utf8'), /TODO/);
  assert.throws(
    () => initWorkspace(catalog, ws.dir, ['package.json']),
    (e: unknown) => e instanceof UserFacingError && e.exitCode === ExitCode.usage,
  );
});

test('the workspace is found from inside it, from its parent, or not at all (a usage error with a hint)', () => {
  const ws = fixtureWorkspace(catalog);
  assert.equal(findWorkspace(join(ws.dir, 'exercises')).dir, ws.dir);
  const empty = tempDir('kube-lessons-none-');
  assert.throws(() => findWorkspace(empty), /no exercise workspace here/);
  assert.throws(() => findWorkspace(empty, empty), /is not an exercise workspace/);
});

test('a workspace made by an older version gets one line saying to run init, and the link is repaired', () => {
  const ws = fixtureWorkspace(catalog);
  const pkgFile = join(ws.dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(pkgFile, JSON.stringify({ ...pkg, kubeLessons: { workspaceFormat: 1, createdBy: '0.0.9' } }));
  rmSync(join(ws.dir, 'node_modules'), { recursive: true });
  const note = staleWorkspaceNote(catalog, readWorkspace(ws.dir)!);
  assert.match(
    note!,
    /^note: this workspace was made by kube-lessons 0\.0\.9 \(workspace format 1, now 2\) \(hint: run `npx kube-lessons exercise init .*` to add what is new; your files stay as they are\)$/,
  );
  const io = memoryIO(ws);
  open(io);
  assert.equal(io.infos.length, 1);
  assert.ok(existsSync(join(ws.dir, 'node_modules', 'kube-lessons', 'package.json')));
});

test('hint shows one more hint each time, then says where the solution is', () => {
  const ws = fixtureWorkspace(catalog);
  const io = memoryIO(ws);
  hint(io, 'double', false);
  assert.match(io.lines.join('\n'), /Hint 1\/2 Multiply\./);
  assert.doesNotMatch(io.lines.join('\n'), /Hint 2\/2/);
  io.lines.length = 0;
  hint(io, 'double', false);
  assert.match(io.lines.join('\n'), /Hint 1\/2 Multiply\.\nHint 2\/2 By two\.\n.*npx kube-lessons solution double/);
  assert.throws(() => hint(io, 'nope', false), /no exercise "nope"/);
});

test('`npx tsc` in a workspace runs the TypeScript kube-lessons bundles (node_modules/.bin/tsc), offline, listing every error', () => {
  const ws = fixtureWorkspace(catalog);
  const tsc = join(ws.dir, 'node_modules', '.bin', 'tsc');
  assert.equal(realpathSync(tsc), realpathSync(bundledTsc()));
  writeFileSync(join(ws.dir, 'exercises/01-double.ts'), 'export function double(n: number): number {\n  const s: string = n;\n  return s.length;\n}\n');
  // What npx runs for `tsc` when the workspace has it; no network involved.
  const r = spawnSync(process.execPath, [tsc], { cwd: ws.dir, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /exercises\/01-double\.ts\(2,9\): error TS2322: Type 'number' is not assignable to type 'string'\./);
});

test('init inside a workspace refuses to make another one nested in it, in one line naming the enclosing one', () => {
  const ws = fixtureWorkspace(catalog);
  assert.throws(
    () => initWorkspace(catalog, join(ws.dir, 'exercises', 'kube-lessons-exercises')),
    (e: unknown) =>
      e instanceof UserFacingError &&
      e.exitCode === ExitCode.usage &&
      /is inside the exercise workspace /.test(e.message) &&
      /`npx kube-lessons exercise init .*` completes that one/.test(e.hint ?? ''),
  );
  assert.ok(!existsSync(join(ws.dir, 'exercises', 'kube-lessons-exercises')));
  assert.equal(enclosingWorkspace(join(ws.dir, 'exercises'))?.dir, ws.dir);
  // The workspace itself is completed as before.
  assert.deepEqual(initWorkspace(catalog, ws.dir).created, []);
});

test('a folder in place of the exercise file is one line naming it, with a hint, exit 1 (not a bare EISDIR)', async () => {
  const ws = fixtureWorkspace(catalog);
  const double = catalog.exercises[0]!;
  rmSync(join(ws.dir, double.file));
  mkdirSync(join(ws.dir, double.file));
  await assert.rejects(
    verifyExercise(catalog, ws, double, { checker: new Checker() }),
    (e: unknown) =>
      e instanceof UserFacingError &&
      e.exitCode === ExitCode.failure &&
      e.message.endsWith('exercises/01-double.ts is a folder, not the file of exercise double') &&
      /move the folder away; `npx kube-lessons exercise init .*` then adds the file back/.test(e.hint ?? ''),
  );
});
