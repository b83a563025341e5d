// What `npx kube-lessons` users get is the published tarball: pack it, install it into an empty folder, and
// run its bin there, so a missing `files` entry or a dev-only import is caught.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { sandboxState } from '../helpers/cluster.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kube-lessons-pack-'));
let bin = '';

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, cwd: work, timeout: 120_000 });
}

describe('the published package', () => {
  before(() => {
    // --ignore-scripts: pack what `npm test` built; a prepack rebuild would pull dist/ from under the
    // test files running the CLI at the same time.
    const out = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    const tarball = join(work, out);
    execFileSync('npm', ['init', '-y'], { cwd: work, stdio: 'ignore' });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts', tarball], { cwd: work, stdio: 'ignore' });
    bin = join(work, 'node_modules', 'kube-lessons', 'bin', 'kube-lessons.js');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('ships the bundled CLI, the lessons, the sources they point learners at and the sandbox assets, and no tests', () => {
    const pkg = join(work, 'node_modules', 'kube-lessons');
    const top = readdirSync(pkg).sort();
    for (const needed of ['bin', 'dist', 'lessons', 'sandbox', 'src', 'package.json', 'README.md'])
      assert.ok(top.includes(needed), `${needed} is in the package`);
    assert.ok(!top.includes('test') && !top.includes('bench'), 'no tests or benchmarks');
    assert.deepEqual(readdirSync(join(pkg, 'dist')), ['bundle'], 'only the bundle of dist/');
    assert.ok(readdirSync(join(pkg, 'sandbox')).includes('versions.json'));
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
    const empty = mkdtempSync(join(tmpdir(), 'kube-lessons-nogo-'));
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
