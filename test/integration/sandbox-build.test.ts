/**
 * The sandbox build as `kube-lessons sandbox build` runs it, with a fake `go` (test/helpers/fake-go.mjs)
 * and an empty binary cache: progress counted in packages, binaries recorded complete only after their
 * build, a killed build resumed from what it compiled, a binary of unknown state never taken as built, and
 * each kind of failure told in one line with a hint. Needs no cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { versionsKey, loadVersions } from '../../src/sandbox/versions.ts';
import type { BuildProgress } from '../../src/sandbox/build-progress.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { fakeGoDir } from '../helpers/fake-go.ts';
import { waitFor } from '../helpers/wait.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const GO = fakeGoDir();

function cold(extra: NodeJS.ProcessEnv = {}) {
  const home = tempDir('kube-lessons-build-');
  const root = join(home, 'cache', 'kube-lessons', 'sandbox', versionsKey(loadVersions()));
  const env = { XDG_CACHE_HOME: join(home, 'cache'), GOCACHE: join(home, 'gocache'), PATH: `${GO}:/usr/bin:/bin`, ...extra };
  const progress = (): BuildProgress | undefined =>
    existsSync(join(root, 'build-progress.json')) ? (JSON.parse(readFileSync(join(root, 'build-progress.json'), 'utf8')) as BuildProgress) : undefined;
  return { home, root, bin: join(root, 'bin'), env, progress };
}

test('a cold build counts packages, records each binary complete, and a second run finds them built', async () => {
  const c = cold();
  const r = await runCli(['sandbox', 'build'], { env: c.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sandbox binaries ready in /);
  // No terminal: plain progress lines, per component, with package counts.
  assert.match(r.stderr, /sandbox build: building kube-apiserver, controller-manager and scheduler \d+% \(\d+\/\d+ packages\)/);
  assert.match(r.stderr, /sandbox build: building etcd/);
  assert.match(r.stderr, /sandbox build: building kwok/);
  assert.deepEqual(readdirSync(c.bin).sort(), ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  const manifest = JSON.parse(readFileSync(join(c.root, 'complete.json'), 'utf8')) as { binaries: Record<string, unknown> };
  assert.deepEqual(Object.keys(manifest.binaries).sort(), ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  const p = c.progress()!;
  assert.equal(p.phase, 'done');
  // 10 shared, compiled once for all; then per main package (3 kubernetes commands, etcd, kwok) 30 of its own and itself.
  assert.equal(p.compiled, 10 + 5 * 31);
  assert.deepEqual(Object.fromEntries(Object.entries(p.components).map(([k, v]) => [k, v.total])), {
    'kube-apiserver, controller-manager and scheduler': 10 + 3 * 31,
    etcd: 31,
    kwok: 31,
  });
  assert.equal(p.compiled, p.total);
  const again = await runCli(['sandbox', 'build'], { env: c.env });
  assert.equal(again.code, 0);
  assert.doesNotMatch(again.stderr, /building/);
});

test('a build killed midway leaves nothing recorded as built, and the next one resumes from what was compiled', async () => {
  const c = cold({ FAKE_GO_DELAY_MS: '60' });
  const child = spawn(process.execPath, [BIN, 'sandbox', 'build'], { env: { ...process.env, ...c.env }, stdio: 'ignore', detached: true });
  // The builder reports its progress only in its progress file.
  const before = await waitFor(
    'fifteen packages compiled',
    () => {
      const p = c.progress();
      return p?.phase === 'compiling' && p.compiled >= 15 ? p : undefined;
    },
    { timeoutMs: 120_000, everyMs: 50 },
  );
  process.kill(-child.pid!, 'SIGKILL'); // the builder and its go, as a crash would
  await new Promise((r) => child.on('close', r));
  assert.ok(!existsSync(join(c.bin, 'kube-apiserver')), 'no binary of the unfinished build in the cache');
  assert.ok(!existsSync(join(c.root, 'complete.json')));
  const r = await runCli(['sandbox', 'build'], { env: c.env });
  assert.equal(r.code, 0, r.stderr);
  const after = c.progress()!;
  assert.equal(after.phase, 'done');
  // Resumed: what the first build compiled was not compiled again.
  assert.ok(after.total <= 10 + 5 * 31 - 15, `total ${after.total} after ${before.compiled} were compiled`);
});

test('a binary in the cache that was never recorded complete and does not run is built again', async () => {
  const c = cold();
  mkdirSync(c.bin, { recursive: true });
  writeFileSync(join(c.bin, 'etcd'), '#!/bin/sh\nexit 1\n'); // half a binary, as an interrupted copy leaves
  chmodSync(join(c.bin, 'etcd'), 0o755);
  const r = await runCli(['sandbox', 'build'], { env: c.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(join(c.bin, 'etcd'), 'utf8'), /fake/);
});

test('failures: each one line with a hint and its exit code', async (t) => {
  const cases: { name: string; env: NodeJS.ProcessEnv; code: number; line: RegExp }[] = [
    {
      name: 'go missing',
      env: { PATH: '/usr/bin:/bin' },
      code: 3,
      line: /^error: the sandbox is built from source and needs Go 1\.26 or newer, which is not installed \(hint: install Go/,
    },
    {
      name: 'go too old',
      env: { FAKE_GO_VERSION: 'go1.22.4' },
      code: 3,
      line: /^error: Go 1\.22 is too old to build the sandbox \(it needs 1\.26 or newer\) \(hint: update Go/,
    },
    {
      name: 'proxy unreachable',
      env: { FAKE_GO_FAIL: 'network' },
      code: 4,
      line: /^error: cannot reach the Go module proxy \(.*\) to download the sandbox's sources: .*no such host \(hint: check the network connection and GOPROXY/,
    },
    {
      name: 'compile error',
      env: { FAKE_GO_FAIL: 'compile' },
      code: 1,
      line: /^error: compiling the sandbox failed in fake\.example\/kube-apiserver\/p3: .*x\.go:12:3: undefined: somethingMissing \(hint: .*build\.log\)/,
    },
  ];
  for (const k of cases) {
    await t.test(k.name, async () => {
      const c = cold(k.env);
      const r = await runCli(['sandbox', 'build'], { env: c.env });
      assert.equal(r.code, k.code, r.stderr);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, k.line);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(!existsSync(join(c.root, 'complete.json')));
    });
  }
});
