/**
 * Builds the sandbox binaries from the Go module proxy with the local Go toolchain, once per version set,
 * into the cache (versions.ts). Kubernetes cannot be `go install`ed (its go.mod points its staging modules at
 * folders of its own repository), so it is built from a small wrapper module whose replace lines pin every
 * staging module `k8s.io/<m>` to the matching v0.<minor>.<patch>, derived from the release's own go.mod.
 * A lock folder keeps two concurrent builds (parallel tests) from racing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { BINARIES, binDir, cacheRoot, versionsKey, type SandboxVersions } from './versions.ts';

export type BuildLog = (line: string) => void;

export function missingBinaries(v: SandboxVersions): string[] {
  const dir = binDir(v);
  return BINARIES.filter((b) => !existsSync(join(dir, b)));
}

export function goAvailable(): string | undefined {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export async function ensureBinaries(v: SandboxVersions, log: BuildLog, signal?: AbortSignal): Promise<string> {
  const dir = binDir(v);
  if (missingBinaries(v).length === 0) return dir;
  if (!goAvailable()) {
    throw new UserFacingError(
      'the sandbox is built from source and needs Go (>= 1.26), which is not installed',
      'install Go, or use another cluster: `kind create cluster` (with Docker) or any kubeconfig via --kubeconfig',
      ExitCode.config,
    );
  }
  const root = join(cacheRoot(), versionsKey(v));
  mkdirSync(root, { recursive: true });
  const lock = join(root, '.build-lock');
  await acquireLock(lock, log, signal);
  try {
    if (missingBinaries(v).length === 0) return dir;
    const started = Date.now();
    log(`building sandbox binaries (Kubernetes ${v.kubernetes}, etcd ${v.etcd}, kwok ${v.kwok}) into ${dir}; the first build takes several minutes`);
    mkdirSync(dir, { recursive: true });
    await buildKubernetes(v, root, dir, log, signal);
    await buildEtcd(v, root, dir, log, signal);
    await buildKwok(v, dir, log, signal);
    log(`sandbox binaries built in ${Math.round((Date.now() - started) / 1000)} s`);
    return dir;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function acquireLock(lock: string, log: BuildLog, signal?: AbortSignal): Promise<void> {
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return;
    } catch {
      // A lock whose owner died (or older than 2 h) is stale.
      const owner = Number(readSafe(join(lock, 'pid')));
      const age = Date.now() - (statSafe(lock) ?? Date.now());
      if ((owner && !processAlive(owner)) || age > 2 * 3600_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) log('another process is building the sandbox binaries; waiting for it');
      announced = true;
      await sleep(2000, undefined, { signal });
    }
  }
}

function readSafe(f: string): string | undefined {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return undefined;
  }
}

function statSafe(f: string): number | undefined {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
}

async function go(args: string[], cwd: string, log: BuildLog, signal?: AbortSignal, env: NodeJS.ProcessEnv = goEnv()): Promise<string> {
  // The -ldflags value is long and says nothing to a reader: leave it out of the log.
  const shown = args.filter((a, i) => a !== '-ldflags' && args[i - 1] !== '-ldflags');
  log(`  go ${shown.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else
        reject(
          new UserFacingError(
            `go ${args[0]} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`,
            'check the Go module proxy is reachable (GOPROXY) and disk space; then run `kube-lessons sandbox up` again',
            ExitCode.failure,
          ),
        );
    });
  });
}

/** The staging modules a Kubernetes release requires at v0.0.0, read from its own go.mod. */
export function stagingModules(goMod: string): string[] {
  const mods = new Set<string>();
  for (const m of goMod.matchAll(/^\s*(k8s\.io\/[A-Za-z0-9._-]+)\s+v0\.0\.0\s*(?:\/\/.*)?$/gm)) mods.add(m[1]!);
  return [...mods].sort();
}

async function buildKubernetes(v: SandboxVersions, root: string, out: string, log: BuildLog, signal?: AbortSignal) {
  const src = join(root, 'src', 'kubernetes');
  mkdirSync(src, { recursive: true });
  const info = JSON.parse(await go(['mod', 'download', '-json', `k8s.io/kubernetes@v${v.kubernetes}`], src, log, signal)) as { GoMod: string };
  const staging = stagingModules(readFileSync(info.GoMod, 'utf8'));
  if (staging.length === 0) throw new Error(`no staging modules found in k8s.io/kubernetes@v${v.kubernetes}'s go.mod`);
  const [major, minor, patch] = v.kubernetes.split('.');
  const stagingVersion = `v0.${minor}.${patch}`;
  writeFileSync(
    join(src, 'go.mod'),
    [
      `module kube-lessons/sandbox/kubernetes`,
      '',
      'go 1.26.0',
      '',
      `require k8s.io/kubernetes v${v.kubernetes}`,
      '',
      ...staging.map((m) => `replace ${m} => ${m} ${stagingVersion}`),
      '',
    ].join('\n'),
  );
  const cmds = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => `k8s.io/kubernetes/cmd/${c}`);
  await go(['get', ...cmds.map((c) => `${c}@v${v.kubernetes}`)], src, log, signal);
  const stamp = (pkg: string) => [
    `-X ${pkg}.gitVersion=v${v.kubernetes}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ];
  const ldflags = ['-s', '-w', ...stamp('k8s.io/component-base/version'), ...stamp('k8s.io/client-go/pkg/version')].join(' ');
  await go(['build', '-tags', 'selinux,notest', '-ldflags', ldflags, '-o', out + '/', ...cmds], src, log, signal);
}

async function buildEtcd(v: SandboxVersions, root: string, out: string, log: BuildLog, signal?: AbortSignal) {
  // etcd's server module carries replace lines too, so `go install` refuses it: build it from a wrapper.
  const src = join(root, 'src', 'etcd');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'go.mod'), `module kube-lessons/sandbox/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 v${v.etcd}\n`);
  await go(['get', `go.etcd.io/etcd/server/v3@v${v.etcd}`], src, log, signal);
  await go(['build', '-ldflags', '-s -w', '-o', join(out, 'etcd'), 'go.etcd.io/etcd/server/v3'], src, log, signal);
}

async function buildKwok(v: SandboxVersions, out: string, log: BuildLog, signal?: AbortSignal) {
  await go(['install', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@v${v.kwok}`], out, log, signal, { ...goEnv(), GOBIN: out });
}
