/**
 * verify through the warm checker, as a learner runs it: the first verify starts the checker, the next one
 * uses it (told by --debug), and the output is the same as without it. A checker that was killed (its
 * socket left behind) is replaced; a frozen one, or none at all, means an in-process check with the same
 * result. Every checker a test starts is killed in `after`. Pure exercises only: no cluster needed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExercise, loadExerciseCatalog, solutionPath } from '../../../src/exercises/catalog.ts';
import { checkerSocketPath } from '../../../src/exercises/checker-protocol.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const catalog = loadExerciseCatalog();
const e = findExercise(catalog, 'rate-limiter')!;
// Short names: the checker's socket goes under XDG_CACHE_HOME, and a Unix socket path holds at most 103 bytes,
// so a CI machine's longer TMPDIR (up to 48 characters here) still leaves room for it.
const home = tempDir('kl-');
const ws = join(home, 'ws');
const file = join(ws, e.file);
const env = {
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_CACHE_HOME: join(home, 'c'),
  KUBE_LESSONS_WORKSPACE: ws,
  KUBE_LESSONS_NO_AUTO_SANDBOX: '1',
  KUBE_LESSONS_NO_DAEMON: '',
};
const started = new Set<number>();

/** verify --debug: its output without the debug lines, and how it type-checked. */
async function verify(extra: string[] = [], more: NodeJS.ProcessEnv = {}) {
  const r = await runCli(['--debug', 'verify', e.id, ...extra], { env: { ...env, ...more }, timeoutMs: 120_000 });
  const route = /^debug: type-checked (.*)$/m.exec(r.stderr)?.[1];
  const pid = /\(pid (\d+)/.exec(route ?? '')?.[1];
  if (pid) started.add(Number(pid));
  // The pass line ends with how long it took: the one part that may differ.
  const stdout = r.stdout.replace(/ \(\d+(\.\d+)? s\)$/m, ' (time)');
  return { code: r.code, stdout, route, pid: pid ? Number(pid) : undefined, stderr: r.stderr };
}

const kill = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
};

describe('verify with the warm checker', () => {
  before(async () => {
    assert.ok(checkerSocketPath(env), `TMPDIR (${tmpdir()}) is too long for the checker's socket path under it`);
    const r = await runCli(['exercise', 'init', ws], { env });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => {
    for (const pid of started) {
      kill(pid, 'SIGCONT');
      kill(pid, 'SIGKILL');
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('the first verify starts the checker, the second uses it, and both say what --no-daemon says', async () => {
    const first = await verify();
    assert.match(first.route ?? '', /^by the warm checker \(pid \d+, started by this run\)$/, first.stderr);
    const second = await verify();
    assert.equal(second.route, `by the warm checker (pid ${first.pid})`, second.stderr);
    const local = await verify(['--no-daemon']);
    assert.equal(local.route, undefined, 'no checker asked');
    for (const r of [first, second]) {
      assert.equal(r.code, local.code);
      assert.equal(r.stdout, local.stdout);
    }
    assert.equal(local.code, 1);
    assert.ok(local.stdout.includes(`✗ ${e.scaffoldFails}`), local.stdout);
  });

  it('a type error reads the same through the checker: file:line:column, exit 1', async () => {
    const solution = readFileSync(solutionPath(catalog, e), 'utf8');
    writeFileSync(file, solution + '\nexport const wrong: number = "five";\n');
    const warm = await verify();
    const local = await verify([], { KUBE_LESSONS_NO_DAEMON: '1' });
    assert.match(warm.route ?? '', /^by the warm checker/);
    assert.equal(warm.code, 1);
    assert.equal(warm.stdout, local.stdout);
    assert.match(warm.stdout, /\.ts:\d+:\d+: type error: Type 'string' is not assignable to type 'number'\./);
    writeFileSync(file, solution);
    const passing = await verify();
    assert.equal(passing.code, 0, passing.stdout);
    assert.match(passing.stdout, /✓ rate-limiter passes/);
  });

  it('a killed checker (its socket left behind) is replaced, and the result is right', async () => {
    const before = await verify();
    kill(before.pid!, 'SIGKILL');
    const after = await verify();
    assert.match(after.route ?? '', /^by the warm checker \(pid \d+, started by this run\)$/, after.stderr);
    assert.notEqual(after.pid, before.pid);
    assert.equal(after.code, 0, after.stdout);
  });

  it('a frozen checker is given up on: the check runs in-process, same result, no hang', async () => {
    const warm = await verify();
    kill(warm.pid!, 'SIGSTOP');
    try {
      const r = await verify();
      assert.match(r.route ?? '', /^in this process \(the warm checker could not: the checker did not acknowledge within \d+ ms\)$/, r.stderr);
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.stdout, warm.stdout);
    } finally {
      kill(warm.pid!, 'SIGCONT');
    }
  });

  it('no usable cache folder: the check runs in-process with the same result', async () => {
    const notAFolder = join(home, 'a-file');
    writeFileSync(notAFolder, '');
    const r = await verify([], { XDG_CACHE_HOME: notAFolder });
    assert.match(r.route ?? '', /^in this process/, r.stderr);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /✓ rate-limiter passes/);
  });
});
