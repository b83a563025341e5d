/**
 * Builds the Go peers under bench/go with the installed Go toolchain (GOTOOLCHAIN=local, modules from the
 * module proxy as pinned by go.sum) into a cache folder outside the repository, rebuilt only when the Go
 * version or a source under bench/go changed (a stamp holds their hash).
 *
 * The upstream sample-controller is built twice from the released module:
 * - as released: its main.go leaves rest.Config's QPS and Burst at zero, i.e. client-go's client-side
 *   limit of 5 requests/s with bursts of 10;
 * - unthrottled: the released module copied at build time from Go's module cache into the cache folder,
 *   with one statement added to its main.go before the clientsets are built: `cfg.QPS = -1`, which
 *   rest.Config documents as "disable client-side ratelimiting"; built there with its own go.mod and
 *   go.sum. (`go build -overlay` would be tidier, but Go refuses overlays of files in the module cache.)
 *   Nothing of it is committed here.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GoPeers {
  queue: string;
  informer: string;
  sampleController: string;
  sampleControllerUnthrottled: string;
  goVersion: string;
}

const MODULE_DIR = fileURLToPath(new URL('../go/', import.meta.url));
const ANCHOR = '\tkubeClient, err := kubernetes.NewForConfig(cfg)\n';

export function goPeersDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'kube-lessons', 'bench-go');
}

/** Builds (or re-links from Go's cache) every peer; undefined with a reason when Go is not installed. */
export function buildGoPeers(log: (line: string) => void): GoPeers | { missing: string } {
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' };
  let goVersion: string;
  try {
    goVersion = execFileSync('go', ['env', 'GOVERSION'], { env, encoding: 'utf8' }).trim();
  } catch {
    return { missing: 'the Go toolchain (`go`) is not on PATH' };
  }
  const out = goPeersDir(env);
  mkdirSync(out, { recursive: true });
  const go = (args: string[], cwd = MODULE_DIR) => execFileSync('go', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const t0 = performance.now();
  const peers: GoPeers = {
    queue: join(out, 'queue-peer'),
    informer: join(out, 'informer-peer'),
    sampleController: join(out, 'sample-controller'),
    sampleControllerUnthrottled: join(out, 'sample-controller-unthrottled'),
    goVersion,
  };
  const stampFile = join(out, 'stamp');
  const stamp = sourcesHash(goVersion);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return peers;
  go(['build', '-o', peers.queue, './queue-peer']);
  go(['build', '-o', peers.informer, './informer-peer']);
  go(['build', '-o', peers.sampleController, 'k8s.io/sample-controller']);

  const released = go(['list', '-m', '-f', '{{.Dir}}', 'k8s.io/sample-controller']).trim();
  const copy = join(out, 'sample-controller-unthrottled-src');
  rmSync(copy, { recursive: true, force: true });
  cpSync(released, copy, { recursive: true });
  const main = join(copy, 'main.go');
  chmodSync(main, 0o644); // module cache files are read-only
  const source = readFileSync(main, 'utf8');
  if (source.split(ANCHOR).length !== 2) throw new Error(`sample-controller's ${main} changed: cannot find the one line to switch its client-side limit off`);
  writeFileSync(
    main,
    source.replace(ANCHOR, `\tcfg.QPS = -1 // kube-lessons bench: client-side rate limit off (rest.Config: a negative QPS disables it)\n${ANCHOR}`),
  );
  go(['build', '-o', peers.sampleControllerUnthrottled, '.'], copy);
  writeFileSync(stampFile, stamp);
  log(`Go peers built with ${goVersion} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${out})`);
  return peers;
}

/** Hash of everything the binaries are built from: the Go version, bench/go's files and the patch. */
function sourcesHash(goVersion: string): string {
  const h = createHash('sha256').update(goVersion).update(ANCHOR);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else h.update(path.slice(MODULE_DIR.length)).update(readFileSync(path));
    }
  };
  walk(MODULE_DIR);
  return h.digest('hex');
}
