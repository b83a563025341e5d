/**
 * Slips a learner makes around the workspace, through the CLI: init run again from inside it, a typo in an
 * exercise id, a folder where the exercise file should be. Each is one line that makes sense from where they
 * are. None needs the cluster.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, type CliResult } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const home = tempDir('kube-lessons-slips-');
const ws = join(home, 'kube-lessons-exercises');
const env = { XDG_CONFIG_HOME: join(home, 'config'), KUBE_LESSONS_NO_AUTO_SANDBOX: '1', KUBE_LESSONS_NO_DAEMON: '1', KUBE_LESSONS_WORKSPACE: '' };

/** The CLI run in `cwd` (runCli has no cwd: these slips are all about where the learner is). */
function cli(cwd: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('learner slips around the workspace', () => {
  before(async () => {
    const r = await cli(home, 'exercise', 'init');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Workspace ready in kube-lessons-exercises\. Next: cd kube-lessons-exercises && npx kube-lessons exercise watch/);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('`exercise init .` inside the workspace says it is ready here, with no `cd .`', async () => {
    const r = await cli(ws, 'exercise', 'init', '.');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Workspace ready here \(you are in it\)\. Next: npx kube-lessons exercise watch$/m);
    assert.doesNotMatch(r.stdout, /cd \./);
  });

  it('`exercise init` in exercises/ completes the enclosing workspace instead of nesting a new one', async () => {
    const r = await cli(join(ws, 'exercises'), 'exercise', 'init');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(ws, 'exercises', 'kube-lessons-exercises')), 'no nested workspace');
    assert.match(r.stdout, /^Workspace ready in \.\. \(you are in it\)\. Next: npx kube-lessons exercise watch$/m);
    const named = await cli(join(ws, 'exercises'), 'exercise', 'init', 'mine');
    assert.equal(named.code, 2);
    assert.equal(named.stderr.trim().split('\n').length, 1, named.stderr);
    assert.match(named.stderr, /^error: mine is inside the exercise workspace \.\. \(hint: `npx kube-lessons exercise init \.\.` completes that one/);
    assert.ok(!existsSync(join(ws, 'exercises', 'mine')));
  });

  it('an exercise id a typo away gets "did you mean", for verify, hint and solution alike', async () => {
    for (const command of ['verify', 'hint', 'solution']) {
      const r = await cli(ws, command, 'objct-keys');
      assert.equal(r.code, 2, `${command}: ${r.stderr}`);
      assert.match(r.stderr.trim(), /^error: no exercise "objct-keys"; did you mean object-keys\? \(hint: /, command);
    }
  });

  it('a folder in place of the exercise file: one line naming it, with a hint, exit 1', async () => {
    const file = join(ws, 'exercises', '07-object-keys.ts');
    renameSync(file, `${file}.away`);
    mkdirSync(file);
    const r = await cli(ws, 'verify', 'object-keys');
    rmdirSync(file);
    renameSync(`${file}.away`, file);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^error: exercises\/07-object-keys\.ts is a folder, not the file of exercise object-keys \(hint: move the folder away; /);
    assert.doesNotMatch(r.stderr, /EISDIR/);
  });
});
