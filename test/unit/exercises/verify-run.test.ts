/**
 * verify's run of the learner's code, where it can go wrong: an interrupt, processes the learner starts,
 * errors outside the awaited call, promises that never settle, secrets in messages, tampered built-ins,
 * hangs and exits in the second export, the learner's output, and a live exercise without a cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { createColors } from '../../../src/console/colors.ts';
import { loadExerciseCatalog } from '../../../src/exercises/catalog.ts';
import { WarmChecker } from '../../../src/exercises/checker-client.ts';
import { checkerSocketPath } from '../../../src/exercises/checker-protocol.ts';
import { renderOutcome } from '../../../src/exercises/render.ts';
import { Checker } from '../../../src/exercises/typecheck.ts';
import { Tail, verifyExercise, type KubeAccess, type VerifyOutcome } from '../../../src/exercises/verify.ts';
import { initWorkspace, readWorkspace } from '../../../src/exercises/workspace.ts';
import { processAlive } from '../../../src/sandbox/build.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { fixtureCatalog, fixtureWorkspace, writeExercise } from './helpers.ts';

const catalog = fixtureCatalog();
const ws = fixtureWorkspace(catalog);
const checker = new Checker();
const double = catalog.exercises[0]!;
const plain = createColors(0);
const lines = (o: VerifyOutcome, output = false) => renderOutcome(o, catalog.exercises.length, plain, { output });
const run = (timeoutMs?: number, signal?: AbortSignal): Promise<VerifyOutcome> =>
  verifyExercise(catalog, ws, double, { checker, ...(timeoutMs ? { timeoutMs } : {}), ...(signal ? { signal } : {}) });

/** A learner file that writes `pid` (an expression) to a file, then does `then`. */
function pidFile(): string {
  return join(tempDir('kube-lessons-pid-'), 'pid');
}
const readPid = (f: string) => Number(readFileSync(f, 'utf8'));

const real = loadExerciseCatalog();
const keys = real.exercises.find((e) => e.id === 'object-keys')!;
function realWorkspace() {
  const dir = join(tempDir('kube-lessons-ex-'), 'ws');
  initWorkspace(real, dir);
  return readWorkspace(dir)!;
}
const keyOf =
  'export function keyOf(obj: { metadata: { name: string; namespace?: string } }): string {\n  const { namespace, name } = obj.metadata;\n  return namespace ? `${namespace}/${name}` : name;\n}\n';

test('an interrupted verify gives no verdict: it rejects with the signal reason and kills the harness', async () => {
  const f = pidFile();
  writeExercise(
    ws,
    double,
    `import process from 'node:process';\nimport { writeFileSync } from 'node:fs';\nexport function double(n: number): number {\n  writeFileSync(${JSON.stringify(f)}, String(process.pid));\n  while (n === n) n++;\n  return n;\n}\n`,
  );
  const ac = new AbortController();
  const verdict = run(60_000, ac.signal);
  await waitUntil('the harness to start looping', () => existsSync(f) && readFileSync(f, 'utf8') !== '', 10_000, 20);
  const reason = Object.assign(new Error('interrupted'), { name: 'AbortError' });
  ac.abort(reason);
  await assert.rejects(verdict, (err) => err === reason);
  await waitUntil('the harness to be gone', () => !processAlive(readPid(f)), 10_000, 20);
});

test("a timeout kills the learner's own (non-detached) child process with the harness", async () => {
  const f = pidFile();
  writeExercise(
    ws,
    double,
    `import { spawn } from 'node:child_process';\nimport { writeFileSync } from 'node:fs';\nexport function double(n: number): number {\n  const c = spawn('sleep', ['301']);\n  writeFileSync(${JSON.stringify(f)}, String(c.pid));\n  while (n === n) n++;\n  return n;\n}\n`,
  );
  const o = await run(1500);
  assert.equal(o.status, 'timeout');
  await waitUntil('the sleep to be killed', () => !processAlive(readPid(f)), 3000, 20);
});

test('a detached, unref-ed grandchild does not outlive a passing run', async () => {
  const f = pidFile();
  writeExercise(
    ws,
    double,
    `import { spawn } from 'node:child_process';\nimport { writeFileSync } from 'node:fs';\nconst c = spawn('sleep', ['302'], { detached: true, stdio: 'ignore' });\nc.unref();\nwriteFileSync(${JSON.stringify(f)}, String(c.pid));\nexport function double(n: number): number {\n  return n * 2;\n}\n`,
  );
  const o = await run();
  assert.equal(o.status, 'passed', lines(o).join('\n'));
  await waitUntil('the detached sleep to be killed', () => !processAlive(readPid(f)), 3000, 20);
});

test('the harness dies when verify is killed with SIGKILL mid-loop', async () => {
  const f = pidFile();
  writeExercise(
    ws,
    double,
    `import process from 'node:process';\nimport { writeFileSync } from 'node:fs';\nexport function double(n: number): number {\n  writeFileSync(${JSON.stringify(f)}, String(process.pid));\n  while (n === n) n++;\n  return n;\n}\n`,
  );
  const script = `
    import { fixtureCatalog } from ${JSON.stringify(new URL('./helpers.ts', import.meta.url).href)};
    import { Checker } from ${JSON.stringify(new URL('../../../src/exercises/typecheck.ts', import.meta.url).href)};
    import { verifyExercise } from ${JSON.stringify(new URL('../../../src/exercises/verify.ts', import.meta.url).href)};
    import { readWorkspace } from ${JSON.stringify(new URL('../../../src/exercises/workspace.ts', import.meta.url).href)};
    const catalog = fixtureCatalog();
    await verifyExercise(catalog, readWorkspace(${JSON.stringify(ws.dir)}), catalog.exercises[0], { checker: new Checker(), timeoutMs: 60000 });`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  await waitUntil('the harness to start looping', () => existsSync(f) && readFileSync(f, 'utf8') !== '', 30_000, 20);
  parent.kill('SIGKILL');
  await waitUntil('the orphaned harness to end itself', () => !processAlive(readPid(f)), 5000, 20);
});

test('an error thrown in a timer of the learner fails the run, at its line', async () => {
  writeExercise(
    ws,
    double,
    "export function double(n: number): number {\n  setTimeout(() => {\n    throw new Error('late throw');\n  }, 0);\n  return n * 2;\n}\n",
  );
  const o = await run();
  assert.equal(o.status, 'threw', lines(o).join('\n'));
  assert.match(lines(o).join('\n'), /your code threw "late throw" \(exercises\/01-double\.ts:3:11\)/);
});

test('an unhandled rejection in the learner code fails the run, at its line', async () => {
  writeExercise(ws, double, "export function double(n: number): number {\n  void Promise.reject(new Error('boom'));\n  return n * 2;\n}\n");
  const o = await run();
  assert.equal(o.status, 'threw', lines(o).join('\n'));
  assert.match(lines(o).join('\n'), /your code threw "boom" \(exercises\/01-double\.ts:2:23\)/);
});

test('a promise that never settles is named as such, not as an exit', async () => {
  const rws = realWorkspace();
  const target = real.exercises.find((e) => e.id === 'kubeconfig')!;
  writeExercise(
    rws,
    target,
    'export function currentTarget(file: string, context?: string): Promise<{ context: string; server: string }> {\n  return new Promise((resolve) => {\n    if (context) resolve({ context, server: file });\n  });\n}\n',
  );
  const o = await verifyExercise(real, rws, target, { checker });
  assert.equal(o.status, 'threw', renderOutcome(o, 11, plain).join('\n'));
  const shown = renderOutcome(o, 11, plain).join('\n');
  assert.match(shown, /currentTarget's promise never settled \(nothing left to wait for\): some path never calls resolve \(exercises\/01-kubeconfig\.ts:1\)/);
  assert.doesNotMatch(shown, /ended the process/);
});

test('a top-level await that never finishes is named as such', async () => {
  writeExercise(ws, double, 'await new Promise(() => {});\nexport function double(n: number): number {\n  return n * 2;\n}\n');
  const o = await run();
  assert.match(lines(o)[0]!, /your file's top-level await never finished/);
});

test('a token in a thrown message is redacted before it is shown', async () => {
  writeExercise(
    ws,
    double,
    `export function double(n: number): number {\n  throw new Error(JSON.stringify({ user: { name: 'x'.repeat(150), token: '26f33ee${'a'.repeat(60)}' } }));\n}\n`,
  );
  const o = await run();
  const shown = lines(o).join('\n');
  assert.match(shown, /your code threw/);
  assert.doesNotMatch(shown, /26f33ee/);
});

test("the learner's assignment to JSON.stringify cannot make a wrong answer pass", async () => {
  writeExercise(ws, double, 'JSON.stringify = () => "same";\nexport function double(n: number): number {\n  return n + 1;\n}\n');
  const o = await run();
  assert.notEqual(o.status, 'passed', lines(o).join('\n'));
});

test('a hang in the second export points at that export, not the first', async () => {
  const rws = realWorkspace();
  writeExercise(
    rws,
    keys,
    `${keyOf}export function splitKey(key: string): { namespace: string; name: string } {\n  while (key === key) key += '';\n  return { namespace: '', name: key };\n}\n`,
  );
  const o = await verifyExercise(real, rws, keys, { checker, timeoutMs: 1500 });
  assert.equal(o.status, 'timeout');
  assert.match(renderOutcome(o, 11, plain).join('\n'), /did not finish within 1\.5 s.*\(exercises\/07-object-keys\.ts:5\)/);
});

test('process.exit in the second export points at that export', async () => {
  const rws = realWorkspace();
  writeExercise(
    rws,
    keys,
    `import process from 'node:process';\n${keyOf}export function splitKey(key: string): { namespace: string; name: string } {\n  process.exit(3);\n  return { namespace: '', name: key };\n}\n`,
  );
  const o = await verifyExercise(real, rws, keys, { checker });
  assert.equal(o.status, 'threw', renderOutcome(o, 11, plain).join('\n'));
  assert.match(renderOutcome(o, 11, plain).join('\n'), /ended the process \(exit code 3\).*\(exercises\/07-object-keys\.ts:6\)/);
});

test("a hang in the file's top-level code says so, not a function's", async () => {
  writeExercise(ws, double, 'let i = 0;\nwhile (i >= 0) i++;\nexport function double(n: number): number {\n  return n * 2;\n}\n');
  const o = await run(1500);
  assert.equal(o.status, 'timeout');
  assert.match(lines(o)[0]!, /your file's top-level code did not finish within 1\.5 s/);
  assert.doesNotMatch(lines(o)[0]!, /in this function/);
});

test("the learner's output is shown under a failure, bounded and redacted", async () => {
  writeExercise(
    ws,
    double,
    "export function double(n: number): number {\n  for (let i = 0; i < 100_000; i++) console.log(`line ${i} ${'x'.repeat(40)}`);\n  console.error('Authorization: Bearer abcdef0123456789abcdef');\n  console.log('my answer is', n + 1);\n  return n + 1;\n}\n",
  );
  const o = await run();
  assert.equal(o.status, 'failed');
  assert.ok(o.output && o.output.length <= 20, String(o.output?.length));
  const shown = lines(o).join('\n');
  assert.match(shown, /your code printed \(its last \d+ lines\):\n[\s\S]*│ my answer is 3/);
  assert.doesNotMatch(shown, /abcdef0123456789abcdef/);
});

test('output is shown under a pass only when asked (--debug)', async () => {
  writeExercise(ws, double, "export function double(n: number): number {\n  console.log('doubling', n);\n  return n * 2;\n}\n");
  const o = await run();
  assert.equal(o.status, 'passed');
  assert.doesNotMatch(lines(o).join('\n'), /doubling/);
  assert.match(lines(o, true).join('\n'), /│ doubling 2/);
});

test('a learner who silences process.stdout.write still gets the verdict (the flush uses the original write)', async () => {
  writeExercise(
    ws,
    double,
    "import process from 'node:process';\nprocess.stdout.write = (() => true) as never;\nprocess.stderr.write = (() => true) as never;\nexport function double(n: number): number {\n  return n * 2;\n}\n",
  );
  const o = await run();
  assert.equal(o.status, 'passed', lines(o).join('\n'));
});

test('the harness writes its compile cache although it is killed, not exited (a later run need not strip the TypeScript again)', async (t) => {
  if (module.getCompileCacheDir?.()) return t.skip('this test process already has a compile cache');
  const dir = tempDir('kube-lessons-cc-');
  module.enableCompileCache(dir);
  writeExercise(ws, double, 'export function double(n: number): number {\n  return n * 2;\n}\n');
  const o = await run();
  assert.equal(o.status, 'passed', lines(o).join('\n'));
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  assert.ok(files.length > 0, 'no compile cache entry was written');
});

test('the output tail keeps whole lines of the end only', () => {
  const t = new Tail(100);
  for (let i = 0; i < 1000; i++) t.push(`line ${i}\n`);
  const got = t.lines();
  assert.equal(got.at(-1), 'line 999');
  assert.ok(got.every((l) => /^line \d+$/.test(l)));
});

test('a live exercise whose cluster is unreachable starts no warm checker', async () => {
  const env = { ...process.env, XDG_CACHE_HOME: tempDir('kube-lessons-cache-') };
  const socket = checkerSocketPath(env)!;
  const nodes = real.exercises.find((e) => e.kind === 'live')!;
  const warm = new WarmChecker(env);
  const unreachable = Object.assign(new Error('the cluster is unreachable'), { exitCode: 3 });
  await assert.rejects(verifyExercise(real, realWorkspace(), nodes, { checker: warm, kube: () => Promise.reject(unreachable) }), (err) => err === unreachable);
  assert.equal(existsSync(socket), false);
});

test('a verify stopped while its namespace is being made runs nothing and ends at once', async () => {
  const nodes = real.exercises.find((e) => e.kind === 'live')!;
  const stop = new AbortController();
  const requests: string[] = [];
  const marker = pidFile();
  const workspace = realWorkspace();
  writeFileSync(
    join(workspace.dir, nodes.file),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nwhile (true) {}\n`,
  );
  // A kubeconfig the harness can load (it talks to no server before the learner's code runs).
  const kubeconfig = join(tempDir('kube-lessons-kc-'), 'config');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );
  // A client whose namespace POST is still under way when the stop comes.
  const client = {
    request: async (r: { method: string; path: string }) => {
      requests.push(`${r.method} ${r.path}`);
      if (r.method === 'POST') stop.abort(new Error('stopped by a save'));
      return {};
    },
  } as unknown as KubeAccess['client'];
  await assert.rejects(
    verifyExercise(real, workspace, nodes, { checker, timeoutMs: 60_000, signal: stop.signal, kube: async () => ({ client, kubeconfig, context: 'x' }) }),
    /stopped by a save/,
  );
  assert.equal(existsSync(marker), false, 'the learner file never ran');
  assert.deepEqual(
    requests.map((r) => r.split(' ')[0]),
    ['POST', 'DELETE'],
    'the namespace made is deleted',
  );
});
