/**
 * Builds the Go peers under bench/go with the installed Go toolchain (GOTOOLCHAIN=local, modules from the
 * module proxy as pinned by go.sum) into a cache folder outside the repository. Go's build cache makes a
 * rebuild of unchanged sources take about a second.
 *
 * The upstream sample-controller is built twice from the released module:
 * - as released: its main.go leaves rest.Config's QPS and Burst at zero, i.e. client-go's client-side
 *   limit of 5 requests/s with bursts of 10;
 * - unthrottled: the same module built with `go build -overlay`, which swaps in a copy of its main.go made
 *   at build time with one statement added before the clientsets are built: `cfg.QPS = -1`, which
 *   rest.Config documents as "disable client-side ratelimiting". Nothing of it is committed here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  mkdirSync(join(out, 'overlay'), { recursive: true });
  const go = (args: string[]) => execFileSync('go', args, { cwd: MODULE_DIR, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const t0 = performance.now();
  const peers: GoPeers = {
    queue: join(out, 'queue-peer'),
    informer: join(out, 'informer-peer'),
    sampleController: join(out, 'sample-controller'),
    sampleControllerUnthrottled: join(out, 'sample-controller-unthrottled'),
    goVersion,
  };
  go(['build', '-o', peers.queue, './queue-peer']);
  go(['build', '-o', peers.informer, './informer-peer']);
  go(['build', '-o', peers.sampleController, 'k8s.io/sample-controller']);

  const released = join(go(['list', '-m', '-f', '{{.Dir}}', 'k8s.io/sample-controller']).trim(), 'main.go');
  const source = readFileSync(released, 'utf8');
  if (source.split(ANCHOR).length !== 2) throw new Error(`sample-controller's ${released} changed: cannot find the one line to switch its client-side limit off`);
  const patched = join(out, 'overlay', 'main.go');
  writeFileSync(patched, source.replace(ANCHOR, `\tcfg.QPS = -1 // kube-lessons bench: client-side rate limit off (rest.Config: a negative QPS disables it)\n${ANCHOR}`));
  const overlay = join(out, 'overlay.json');
  writeFileSync(overlay, JSON.stringify({ Replace: { [released]: patched } }));
  go(['build', '-overlay', overlay, '-o', peers.sampleControllerUnthrottled, 'k8s.io/sample-controller']);
  log(`Go peers built with ${goVersion} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${out})`);
  return peers;
}
