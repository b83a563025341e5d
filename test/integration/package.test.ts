// What `npx kube-lessons` users get is the published tarball: pack it, install it into an empty folder, and
// run its bin there, so a missing `files` entry or a dev-only import is caught.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadExerciseCatalog } from '../../src/exercises/catalog.ts';
import { cliEnv } from '../helpers/cli.ts';
import { sandboxState } from '../helpers/cluster.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = tempDir('kube-lessons-pack-');
let bin = '';

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: cliEnv(env), cwd: work, timeout: 120_000 });
}

describe('the published package', () => {
  before(() => {
    // --ignore-scripts: pack what `npm test` built; a prepack rebuild would pull dist/ from under the
    // test files running the CLI at the same time.
    // Bounded, so a registry that stops answering fails this file instead of holding CI until its limit.
    const npm = { timeout: 300_000 };
    const out = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { ...npm, cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    const tarball = join(work, out);
    execFileSync('npm', ['init', '-y'], { ...npm, cwd: work, stdio: 'ignore' });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts', tarball], { ...npm, cwd: work, stdio: 'ignore' });
    bin = join(work, 'node_modules', 'kube-lessons', 'bin', 'kube-lessons.js');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('ships the bundled CLI, the lessons, the sources they point learners at and the sandbox assets, and no tests', () => {
    const pkg = join(work, 'node_modules', 'kube-lessons');
    const top = readdirSync(pkg).sort();
    for (const needed of ['bin', 'dist', 'lessons', 'sandbox', 'src', 'package.json', 'README.md'])
      assert.ok(top.includes(needed), `${needed} is in the package`);
    assert.ok(!top.includes('test') && !top.includes('bench'), 'no tests or benchmarks');
    const dist = readdirSync(join(pkg, 'dist'));
    for (const needed of ['bundle', 'core', 'machinery', 'exercises']) assert.ok(dist.includes(needed), `dist/${needed} is in the package`);
    assert.ok(existsSync(join(pkg, 'dist', 'machinery', 'index.d.ts')), 'the library ships its types');
    assert.ok(!existsSync(join(pkg, 'dist', 'machinery', 'index.js.map')), 'no source maps');
    assert.ok(readdirSync(join(pkg, 'sandbox')).includes('versions.json'));
  });

  it('exposes its library entry points (kube-lessons/core, kube-lessons/machinery) through the exports map', () => {
    const probe =
      "const m = await import('kube-lessons/machinery'); const c = await import('kube-lessons/core'); console.log(typeof m.FakeClock, typeof m.newRateLimitingQueue, typeof c.KubeClient, typeof c.loadKubeconfig)";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: work, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'function function function function');
  });

  it('scaffolds an exercise workspace linked to the installed copy, and verifies in it with no registry', () => {
    // An unreachable registry: anything that tried to fetch would fail.
    const offline = {
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_offline: 'true',
      XDG_CONFIG_HOME: join(work, 'config'),
      KUBE_LESSONS_NO_AUTO_SANDBOX: '1',
      KUBE_LESSONS_NO_DAEMON: '1',
    };
    const init = run(['exercise', 'init', 'ws'], offline);
    assert.equal(init.status, 0, init.stderr);
    const pkg = join(work, 'node_modules', 'kube-lessons');
    assert.equal(readlinkSync(join(work, 'ws', 'node_modules', 'kube-lessons')), realpathSync(pkg));
    const failing = run(['verify', 'rate-limiter', '-w', 'ws'], offline);
    assert.equal(failing.status, 1, failing.stdout + failing.stderr);
    // The scaffold's first failure, as the catalog records it (the catalog test keeps that line true).
    const scaffoldFails = loadExerciseCatalog().exercises.find((e) => e.id === 'rate-limiter')!.scaffoldFails;
    assert.ok(failing.stdout.includes(`✗ ${scaffoldFails}`), failing.stdout);
    copyFileSync(join(pkg, 'lessons', 'exercises', 'rate-limiter', 'solution.ts'), join(work, 'ws', 'exercises', '05-rate-limiter.ts'));
    const passing = run(['verify', 'rate-limiter', '-w', 'ws'], offline);
    assert.equal(passing.status, 0, passing.stdout + passing.stderr);
    assert.match(passing.stdout, /✓ rate-limiter passes/);
  });

  it('runs --help and --version from the installed tarball', () => {
    const help = run(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: kube-lessons/);
    assert.match(help.stdout, /sandbox/);
    const version = run(['--version']);
    assert.equal(version.stdout.trim(), JSON.parse(execFileSync('npm', ['pkg', 'get', 'version'], { cwd: root, encoding: 'utf8' })));
  });

  it('talks to the sandbox from the installed tarball', () => {
    const r = run(['sandbox', 'status'], { KUBE_LESSONS_SANDBOX_DIR: sandboxState().dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kube-apiserver\s+\d+\s+\d+\s+healthy/);
    const nodes = run(['--kubeconfig', sandboxState().kubeconfig, 'list-nodes']);
    assert.equal(nodes.status, 0, nodes.stderr);
    assert.match(nodes.stdout, /^NAME\s+ARCH\s+OS\n/);
    assert.match(nodes.stdout, /kwok-node-1\s+(amd64|arm64)\s+\S/);
  });

  it('says in one line that the sandbox needs Go when Go is missing', () => {
    const empty = tempDir('kube-lessons-nogo-');
    const r = run(['sandbox', 'up'], { PATH: dirname(process.execPath), XDG_CACHE_HOME: empty, KUBE_LESSONS_SANDBOX_DIR: join(empty, 'state') });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /needs Go .*hint: .*kind/);
  });

  it('refuses an old Node with one line naming the version it needs', (t) => {
    const systemNode = { encoding: 'utf8' as const, env: { PATH: '/usr/local/bin:/usr/bin:/bin' } };
    const version = spawnSync('node', ['--version'], systemNode).stdout?.trim() ?? '';
    const major = Number(version.replace(/^v/, '').split('.')[0]);
    if (!version || major >= 23) return t.skip(`the system Node (${version || 'none'}) is not older than 22.19`);
    const old = spawnSync('node', [bin, '--help'], systemNode);
    assert.equal(old.status, 1);
    assert.equal(old.stderr.trim().split('\n').length, 1);
    assert.match(old.stderr, /needs Node\.js >= 22\.19/);
  });
});
