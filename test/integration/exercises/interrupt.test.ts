/**
 * Ctrl-C (and SIGTERM) during verify: the learner's code was stopped, not judged. No verdict, one line
 * saying so, the signal's exit code (130, 143), and no harness left running.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExercise, loadExerciseCatalog, solutionPath } from '../../../src/exercises/catalog.ts';
import { runCli, startCli } from '../../helpers/cli.ts';
import { processAlive } from '../../../src/sandbox/build.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { waitUntil } from '../../helpers/wait.ts';

const catalog = loadExerciseCatalog();
const e = findExercise(catalog, 'process-next-work-item')!;
const home = tempDir('kube-lessons-int-');
const ws = join(home, 'ws');
const marker = join(home, 'harness.pid');
const env = { XDG_CONFIG_HOME: join(home, 'config'), KUBE_LESSONS_WORKSPACE: ws, KUBE_LESSONS_NO_AUTO_SANDBOX: '1' };

describe('an interrupted verify', () => {
  before(async () => {
    const r = await runCli(['exercise', 'init', ws], { env });
    assert.equal(r.code, 0, r.stderr);
    // Our solution, made to write the harness's pid and then spin.
    const solution = readFileSync(solutionPath(catalog, e), 'utf8');
    const from = 'if (shutdown) return false;';
    assert.ok(solution.includes(from));
    writeFileSync(
      join(ws, e.file),
      `import { writeFileSync } from 'node:fs';\nimport process from 'node:process';\n${solution.replace(from, `${from}\n  writeFileSync(${JSON.stringify(marker)}, String(process.pid));\n  while (item) { /* spin */ }`)}`,
    );
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('Ctrl-C while the learner code loops: "interrupted", exit 130, no verdict, no harness left', async () => {
    rmSync(marker, { force: true });
    const run = startCli(['verify', e.id], { env, timeoutMs: 60_000 });
    await waitUntil('the learner code to start', () => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 30_000, 20);
    run.interrupt();
    const r = await run.done;
    assert.equal(r.code, 130, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /✗|ended the process/);
    assert.match(r.stderr, /interrupted/);
    await waitUntil('the harness to be gone', () => !processAlive(Number(readFileSync(marker, 'utf8'))), 5000, 20);
  });
});
