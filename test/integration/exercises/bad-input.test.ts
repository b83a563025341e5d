/**
 * A learner's mistakes through the CLI: each is one line naming their file (and line), with a hint, and
 * exit code 1 (not passing); a missing workspace or exercise is a usage error (2); an older workspace gets a
 * one-line note. None of these needs the cluster: they use the pure process-next-work-item exercise.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExercise, loadExerciseCatalog, solutionPath } from '../../../src/exercises/catalog.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const catalog = loadExerciseCatalog();
const e = findExercise(catalog, 'process-next-work-item')!;
const home = tempDir('kube-lessons-bad-');
const ws = join(home, 'ws');
const file = join(ws, e.file);
const env = { XDG_CONFIG_HOME: join(home, 'config'), KUBE_LESSONS_WORKSPACE: ws, KUBE_LESSONS_NO_AUTO_SANDBOX: '1' };
const solution = readFileSync(solutionPath(catalog, e), 'utf8');
/** Our solution with one line changed. */
const broken = (from: string, to: string) => {
  assert.ok(solution.includes(from), from);
  writeFileSync(file, solution.replace(from, to));
};
const verify = () => runCli(['verify', e.id], { env, timeoutMs: 60_000 });
const failureLines = (out: string) => out.split('\n').filter((l) => l.includes('✗'));

describe('bad input to verify', () => {
  before(async () => {
    const r = await runCli(['exercise', 'init', ws], { env });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('a syntax error: one line at file:line:column, exit 1', async () => {
    broken('if (shutdown) return false;', 'if (shutdown) return false;\n  const = 1;');
    const r = await verify();
    assert.equal(r.code, 1);
    assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
    assert.match(r.stdout, /^✗ \d+\/\d+ process-next-work-item: exercises\/\d+-process-next-work-item\.ts:\d+:\d+: syntax error: .*\(hint: /);
  });

  it('a type error: one line at file:line:column, exit 1', async () => {
    broken('if (shutdown) return false;', 'if (shutdown) return false;\n  const n: number = item;');
    const r = await verify();
    assert.equal(r.code, 1);
    assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
    assert.match(r.stdout, /\.ts:\d+:\d+: type error: Type 'string' is not assignable to type 'number'\. \(hint: /);
  });

  it('an endless loop: stopped at the time limit, one failure line, no hang', async () => {
    broken('if (shutdown) return false;', 'if (shutdown) return false;\n  while (item) { /* spin */ }');
    const started = Date.now();
    const r = await verify();
    assert.equal(r.code, 1);
    assert.ok(Date.now() - started < 45_000);
    const lines = failureLines(r.stdout);
    assert.equal(lines.length, 1, r.stdout);
    assert.match(
      lines[0]!,
      new RegExp(`did not finish within ${e.timeoutSeconds} s: stopped it .*\\(exercises/\\d+-process-next-work-item\\.ts:\\d+\\) \\(hint: `),
    );
  });

  it("a thrown error: one line at the learner's throw, no stack trace", async () => {
    broken('if (shutdown) return false;', 'if (shutdown) return false;\n  if (item) throw new Error("not today");');
    const r = await verify();
    assert.equal(r.code, 1);
    const lines = failureLines(r.stdout);
    assert.equal(lines.length, 1, r.stdout);
    const throwLine =
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('not today')) + 1;
    assert.match(lines[0]!, new RegExp(`your code threw "not today" \\(exercises/\\d+-process-next-work-item\\.ts:${throwLine}:\\d+\\) \\(hint: `));
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });

  it('a missing file: one line saying init brings it back', async () => {
    renameSync(file, `${file}.away`);
    const r = await verify();
    renameSync(`${file}.away`, file);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stdout, /is missing \(hint: `npx kube-lessons exercise init .*` adds it back; your other files stay\)/);
  });

  it('a workspace made by an older version: one line of note, then verify goes on', async () => {
    writeFileSync(file, solution);
    const pkgFile = join(ws, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(pkgFile, JSON.stringify({ ...pkg, kubeLessons: { workspaceFormat: 0, createdBy: '0.0.1' } }));
    const r = await verify();
    writeFileSync(pkgFile, JSON.stringify(pkg));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^note: this workspace was made by kube-lessons 0\.0\.1 .*\(hint: run `npx kube-lessons exercise init/);
  });

  it('no workspace, or an unknown exercise: a usage error in one line', async () => {
    const none = await runCli(['verify'], { env: { ...env, KUBE_LESSONS_WORKSPACE: '' } });
    assert.equal(none.code, 2);
    assert.match(none.stderr.trim(), /^error: no exercise workspace here \(hint: create one with `npx kube-lessons exercise init`/);
    const unknown = await runCli(['verify', 'nope'], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr.trim(), /^error: no exercise "nope" \(hint: /);
  });

  it('solution stays hidden until the exercise passes, unless --yes', async () => {
    const other = findExercise(catalog, 'kubeconfig')!;
    const hidden = await runCli(['solution', other.id], { env });
    assert.equal(hidden.code, 2);
    assert.match(hidden.stderr, /does not pass yet, so its solution stays hidden \(hint: /);
    const shown = await runCli(['solution', other.id, '--yes'], { env });
    assert.equal(shown.code, 0);
    assert.ok(shown.stdout.includes(readFileSync(solutionPath(catalog, other), 'utf8').trim()));
  });
});
