/**
 * Builds the sandbox binaries from the Go module proxy with the local Go toolchain, once per version set,
 * into the cache (versions.ts): all five from one wrapper module and one `go build`, so the packages they
 * share are compiled once (prepareModule says how the module is made, and what that costs).
 *
 * Guarantees:
 * - A binary is in the cache only when its build finished: go writes into a staging folder, and a binary is
 *   renamed into bin/ and recorded in complete.json (name and size) only after its `go build` succeeded.
 *   A binary present but not recorded (from an older kube-lessons) is adopted once it runs `--version`.
 * - A lock folder (holding the builder's pid) serialises builds; a lock whose owner died is taken over.
 *   Whoever waits on it follows the builder's progress through build-progress.json.
 * - An interrupted build resumes from what it compiled: Go's build cache keeps every compiled package.
 * - Progress is counted, not guessed: `go list -deps` says which packages are stale (need compiling), and
 *   `go build -v` names each package as it compiles it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { goFailure, goMissing, goTooOld, notEnoughRoom } from './build-failures.ts';
import { estimateSeconds, readProgress, writeProgress, type BuildProgress } from './build-progress.ts';
import { BINARIES, binDir, cacheRoot, versionsKey, type Binary, type SandboxVersions } from './versions.ts';

export type BuildLog = (line: string) => void;
export type ProgressListener = (p: BuildProgress) => void;

export interface BuildOptions {
  log: BuildLog;
  signal?: AbortSignal;
  /** Called as the build (this one, or another process's that holds the lock) moves on. */
  onProgress?: ProgressListener;
}

/** The cache folder of one version set: bin/, src/, the lock, the progress record and the manifest. */
export function buildRoot(v: SandboxVersions): string {
  return join(cacheRoot(), versionsKey(v));
}

function lockDir(v: SandboxVersions): string {
  return join(buildRoot(v), '.build-lock');
}

interface Manifest {
  binaries: Partial<Record<Binary, { size: number }>>;
}

function manifestFile(v: SandboxVersions): string {
  return join(buildRoot(v), 'complete.json');
}

function readManifest(v: SandboxVersions): Manifest {
  try {
    return JSON.parse(readFileSync(manifestFile(v), 'utf8')) as Manifest;
  } catch {
    return { binaries: {} };
  }
}

function recordComplete(v: SandboxVersions, names: readonly Binary[]): void {
  const manifest = readManifest(v);
  for (const name of names) manifest.binaries[name] = { size: statSync(join(binDir(v), name)).size };
  writeFileSync(manifestFile(v) + '.tmp', JSON.stringify(manifest, null, 2));
  renameSync(manifestFile(v) + '.tmp', manifestFile(v));
}

/** The binaries not (yet) complete in the cache. */
export function missingBinaries(v: SandboxVersions): Binary[] {
  const manifest = readManifest(v);
  return BINARIES.filter((b) => {
    const size = sizeOf(join(binDir(v), b));
    return size === undefined || manifest.binaries[b]?.size !== size;
  });
}

/** The pid of a live process building this version set, if any. */
export function builderPid(v: SandboxVersions): number | undefined {
  const owner = Number(readSafe(join(lockDir(v), 'pid')));
  return owner && processAlive(owner) ? owner : undefined;
}

export function goAvailable(): string | undefined {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Go installed and new enough, and room on the disk: the checks made before a build starts. */
export function preflight(v: SandboxVersions): void {
  const version = goAvailable();
  if (!version) throw goMissing();
  const old = goTooOld(version);
  if (old) throw old;
  const root = buildRoot(v);
  mkdirSync(root, { recursive: true });
  const goCache = spawnSync('go', ['env', 'GOCACHE', 'GOMODCACHE'], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
  const full = notEnoughRoom([root, ...goCache].map(existingParent));
  if (full) throw full;
}

/** Makes sure every binary is built, building what is missing (or waiting for the process that is). */
export async function ensureBinaries(v: SandboxVersions, log: BuildLog, signal?: AbortSignal, onProgress?: ProgressListener): Promise<string> {
  const dir = binDir(v);
  if (missingBinaries(v).length === 0) return dir;
  try {
    preflight(v);
  } catch (err) {
    // Recorded like any failure, so a session waiting on a background build hears of it.
    const e = err as { message: string; hint?: string };
    const at = new Date().toISOString();
    writeProgress(buildRoot(v), {
      phase: 'failed',
      pid: process.pid,
      compiled: 0,
      total: 0,
      components: {},
      startedAt: at,
      updatedAt: at,
      error: { message: e.message, hint: e.hint ?? '' },
    });
    throw err;
  }
  await acquireLock(v, log, signal, onProgress);
  try {
    adoptUnrecorded(v);
    const missing = missingBinaries(v);
    if (missing.length === 0) return dir;
    await build(v, missing, { log, ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) });
    return dir;
  } finally {
    rmSync(lockDir(v), { recursive: true, force: true });
  }
}

async function acquireLock(v: SandboxVersions, log: BuildLog, signal?: AbortSignal, onProgress?: ProgressListener): Promise<void> {
  const lock = lockDir(v);
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return;
    } catch {
      // A lock whose owner died (or older than 2 h) is stale.
      const owner = Number(readSafe(join(lock, 'pid')));
      const age = Date.now() - (mtimeOf(lock) ?? Date.now());
      if ((owner && !processAlive(owner)) || age > 2 * 3600_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) log('another process is building the sandbox binaries; waiting for it');
      announced = true;
      const p = readProgress(buildRoot(v));
      if (p && onProgress && p.pid === owner) onProgress(p);
      await sleep(1000, undefined, { signal });
    }
  }
}

/** Binaries an older kube-lessons built straight into bin/: recorded once they prove they run. */
function adoptUnrecorded(v: SandboxVersions): void {
  const recorded = readManifest(v).binaries;
  const adopt = BINARIES.filter(
    (b) => !recorded[b] && existsSync(join(binDir(v), b)) && spawnSync(join(binDir(v), b), ['--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0,
  );
  if (adopt.length) recordComplete(v, adopt);
}

interface Component {
  /** Shown in progress: "etcd". */
  label: string;
  binaries: Binary[];
  /** Its main packages, built with `go build -o <dir>/`; Go names each binary after its package path. */
  packages: string[];
  /** The pinned version its packages are fetched at. */
  version(v: SandboxVersions): string;
}

const COMPONENTS: Component[] = [
  {
    label: 'kube-apiserver, controller-manager and scheduler',
    binaries: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'],
    packages: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => `k8s.io/kubernetes/cmd/${c}`),
    version: (v) => v.kubernetes,
  },
  { label: 'etcd', binaries: ['etcd'], packages: ['go.etcd.io/etcd/server/v3'], version: (v) => v.etcd },
  { label: 'kwok', binaries: ['kwok'], packages: ['sigs.k8s.io/kwok/cmd/kwok'], version: (v) => v.kwok },
];

/** The name `go build -o dir/` gives a main package's binary: its last path element that is not a /vN suffix. */
function binaryNameOf(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.at(-1) ?? pkg;
  return /^v\d+$/.test(last) && parts.length > 1 ? parts.at(-2)! : last;
}

/**
 * Writes the one module every component is built from and fetches its sources; returns the build flags.
 * Kubernetes cannot be required as it is (its go.mod points its staging modules at folders of its own
 * repository): replace lines pin each staging module `k8s.io/<m>` to v0.<minor>.<patch>, read from the
 * release's own go.mod. etcd's server module carries replace lines too, which only a main module may use.
 * One module for all five means Go compiles each shared package (client-go, grpc, protobuf...) once, where
 * three modules compiled most of them two or three times, at slightly different versions. The price: Go's
 * minimal version selection lifts a dependency the components share to the highest version any of them asks
 * for (e.g. kube-apiserver links the etcd client of the pinned etcd release); every version is still pinned,
 * by the go.mod and go.sum this writes.
 */
async function prepareModule(v: SandboxVersions, src: string, go: (args: string[]) => Promise<string>, components: Component[]): Promise<string[]> {
  const info = JSON.parse(await go(['mod', 'download', '-json', `k8s.io/kubernetes@v${v.kubernetes}`])) as { GoMod: string };
  const staging = stagingModules(readFileSync(info.GoMod, 'utf8'));
  if (staging.length === 0) throw new Error(`no staging modules found in k8s.io/kubernetes@v${v.kubernetes}'s go.mod`);
  const [major, minor, patch] = v.kubernetes.split('.');
  writeFileSync(
    join(src, 'go.mod'),
    [
      'module kube-lessons/sandbox/binaries',
      '',
      'go 1.26.0',
      '',
      `require k8s.io/kubernetes v${v.kubernetes}`,
      '',
      ...staging.map((m) => `replace ${m} => ${m} v0.${minor}.${patch}`),
      '',
    ].join('\n'),
  );
  await go(['get', ...components.flatMap((c) => c.packages.map((p) => `${p}@v${c.version(v)}`))]);
  const stamp = (pkg: string) => [
    `-X ${pkg}.gitVersion=v${v.kubernetes}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ];
  const ldflags = ['-s', '-w', ...stamp('k8s.io/component-base/version'), ...stamp('k8s.io/client-go/pkg/version')].join(' ');
  return ['-tags', 'selinux,notest', '-ldflags', ldflags];
}

/** The staging modules a Kubernetes release requires at v0.0.0, read from its own go.mod. */
export function stagingModules(goMod: string): string[] {
  const mods = new Set<string>();
  for (const m of goMod.matchAll(/^\s*(k8s\.io\/[A-Za-z0-9._-]+)\s+v0\.0\.0\s*(?:\/\/.*)?$/gm)) mods.add(m[1]!);
  return [...mods].sort();
}

/** A line of `go build -v` naming a package it compiled (errors and `# pkg` headers are not). */
const PACKAGE_LINE = /^[A-Za-z0-9_.~-]+(\/[A-Za-z0-9_.~+-]+)*$/;

async function build(v: SandboxVersions, missing: Binary[], opts: BuildOptions): Promise<void> {
  const { log, signal } = opts;
  const root = buildRoot(v);
  const stage = join(root, 'stage');
  const logFile = join(root, 'build.log');
  const started = Date.now();
  const now = () => new Date().toISOString();
  const progress: BuildProgress = { phase: 'downloading', pid: process.pid, compiled: 0, total: 0, components: {}, startedAt: now(), updatedAt: now() };
  let lastWrite = 0;
  let trailing: NodeJS.Timeout | undefined;
  const emit = (force = false) => {
    progress.updatedAt = now();
    if (progress.compileStartedAt) {
      const eta = estimateSeconds(progress.compiled, progress.total, Date.now() - Date.parse(progress.compileStartedAt));
      if (eta === undefined) delete progress.etaSeconds;
      else progress.etaSeconds = eta;
    }
    // At most four writes a second (go names packages faster than anyone reads them), the last one never lost.
    if (!force && Date.now() - lastWrite < 250) {
      trailing ??= setTimeout(() => {
        trailing = undefined;
        emit(true);
      }, 250);
      return;
    }
    clearTimeout(trailing);
    trailing = undefined;
    lastWrite = Date.now();
    writeProgress(root, progress);
    opts.onProgress?.(progress);
  };
  const todo = COMPONENTS.filter((c) => c.binaries.some((b) => missing.includes(b)));
  log(`building sandbox binaries (Kubernetes ${v.kubernetes}, etcd ${v.etcd}, kwok ${v.kwok}) into ${binDir(v)}; the first build takes several minutes`);
  emit(true);
  try {
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(stage, { recursive: true });
    mkdirSync(binDir(v), { recursive: true });
    writeFileSync(logFile, '');
    const src = join(root, 'src', 'binaries');
    mkdirSync(src, { recursive: true });
    const run = (extra: Partial<GoRun> = {}): GoRun => ({ log, logFile, ...(signal ? { signal } : {}), ...extra });
    const flags = await prepareModule(v, src, (args) => go(args, src, run()), todo);
    progress.phase = 'counting';
    emit(true);
    // Each stale package is counted once, for the first component (in build order) that needs it.
    const owner = new Map<string, string>();
    const listFlags = flags.filter((f, i) => f !== '-ldflags' && flags[i - 1] !== '-ldflags');
    for (const c of todo) {
      const listed = await go(['list', '-deps', ...listFlags, '-f', '{{.ImportPath}} {{.Stale}}', ...c.packages], src, run());
      let stale = 0;
      for (const line of listed.split('\n')) {
        const [pkg, isStale] = line.split(' ');
        if (isStale !== 'true' || !pkg || owner.has(pkg)) continue;
        owner.set(pkg, c.label);
        stale++;
      }
      progress.components[c.label] = { compiled: 0, total: stale };
      progress.total += stale;
    }
    progress.phase = 'compiling';
    progress.compileStartedAt = now();
    progress.component = todo[0]!.label;
    emit(true);
    await go(
      ['build', '-v', ...flags, '-o', stage + '/', ...todo.flatMap((c) => c.packages)],
      src,
      run({
        onStderrLine: (line) => {
          if (!PACKAGE_LINE.test(line)) return;
          const label = owner.get(line) ?? progress.component!;
          const counts = progress.components[label];
          if (counts) counts.compiled = Math.min(counts.total, counts.compiled + 1);
          progress.compiled = Math.min(progress.total, progress.compiled + 1);
          progress.component = label;
          emit();
        },
      }),
    );
    for (const c of todo) {
      for (const [i, pkg] of c.packages.entries()) renameSync(join(stage, binaryNameOf(pkg)), join(binDir(v), c.binaries[i]!));
      progress.components[c.label]!.compiled = progress.components[c.label]!.total;
    }
    recordComplete(
      v,
      todo.flatMap((c) => c.binaries),
    );
    progress.compiled = progress.total;
    progress.phase = 'done';
    delete progress.component;
    emit(true);
    log(`sandbox binaries built in ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (err) {
    progress.phase = 'failed';
    const e = err as { message?: string; hint?: string };
    progress.error = { message: e.message ?? String(err), hint: e.hint ?? 'run `kube-lessons sandbox up` again' };
    if (!signal?.aborted) emit(true);
    throw err;
  } finally {
    clearTimeout(trailing);
    rmSync(stage, { recursive: true, force: true });
  }
}

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
}

interface GoRun {
  log: BuildLog;
  logFile: string;
  signal?: AbortSignal;
  onStderrLine?: (line: string) => void;
}

async function go(args: string[], cwd: string, run: GoRun): Promise<string> {
  // The -ldflags value is long and says nothing to a reader: leave it out of the log.
  const shown = args.filter((a, i) => a !== '-ldflags' && args[i - 1] !== '-ldflags' && a !== '-f' && args[i - 1] !== '-f');
  run.log(`  go ${shown.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...(run.signal ? { signal: run.signal } : {}) });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      err += text;
      writeFileSync(run.logFile, text, { flag: 'a' });
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) run.onStderrLine?.(l);
    });
    child.on('error', (e) => reject((e as NodeJS.ErrnoException).code === 'ENOENT' ? goMissing() : e));
    child.on('close', (code) => {
      if (partial) run.onStderrLine?.(partial);
      if (code === 0) resolve(out);
      else reject(run.signal?.aborted ? run.signal.reason : goFailure(args, code, err, run.logFile));
    });
  });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readSafe(f: string): string | undefined {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return undefined;
  }
}

function mtimeOf(f: string): number | undefined {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return undefined;
  }
}

function sizeOf(f: string): number | undefined {
  try {
    return statSync(f).size;
  } catch {
    return undefined;
  }
}

function existingParent(dir: string): string {
  let d = dir;
  while (!existsSync(d) && d !== '/') d = join(d, '..');
  return d;
}
