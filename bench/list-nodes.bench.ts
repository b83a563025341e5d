// Wall-clock time of `kube-lessons list-nodes` next to `kubectl get nodes` against the same sandbox and
// kubeconfig, each a fresh process (as a person runs them), alternating so machine load hits both alike.
// Also times `kube-lessons --help` (the startup floor: no cluster, no client package). Prints one JSON line
// per measurement, then the ratio. Needs the built CLI (`npm run build`).
//
//   node bench/list-nodes.bench.ts [--runs 15] [--kubeconfig FILE]
// Without --kubeconfig it uses KUBE_LESSONS_TEST_SANDBOX_DIR's sandbox, else starts a private one and stops it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readState } from '../src/sandbox/state.ts';
import { sandboxDown, sandboxUp } from '../src/sandbox/sandbox.ts';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const runs = Number(flag('runs', '15'));
const warmups = 2;
const bin = fileURLToPath(new URL('../bin/kube-lessons.js', import.meta.url));
const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

let ownDir: string | undefined;
let kubeconfig = flag('kubeconfig', '');
if (!kubeconfig && process.env.KUBE_LESSONS_TEST_SANDBOX_DIR) kubeconfig = readState(process.env.KUBE_LESSONS_TEST_SANDBOX_DIR)?.kubeconfig ?? '';
if (!kubeconfig) {
  ownDir = mkdtempSync(join(tmpdir(), 'kube-lessons-bench-'));
  kubeconfig = (await sandboxUp({ dir: ownDir, nodes: 3 })).kubeconfig;
}

interface Cmd {
  name: string;
  file: string;
  args: string[];
}

const env = { ...process.env, NO_COLOR: '1', KUBE_LESSONS_NO_AUTO_SANDBOX: '1' };
function time(cmd: Cmd): number {
  const t0 = performance.now();
  const r = spawnSync(cmd.file, cmd.args, { env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd.name} exited ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (n: number) => Math.round(n * 10) / 10;

try {
  const cmds: Cmd[] = [
    { name: 'kube-lessons --help', file: process.execPath, args: [bin, '--help'] },
    { name: 'kube-lessons list-nodes', file: process.execPath, args: [bin, 'list-nodes', '--kubeconfig', kubeconfig] },
    ...(kubectl ? [{ name: 'kubectl get nodes', file: kubectl, args: ['get', 'nodes', '--kubeconfig', kubeconfig] }] : []),
  ];
  const samples = new Map<string, number[]>(cmds.map((c) => [c.name, []]));
  for (let i = 0; i < warmups; i++) for (const c of cmds) time(c);
  for (let i = 0; i < runs; i++) for (const c of cmds) samples.get(c.name)!.push(time(c));
  const medians = new Map<string, number>();
  for (const c of cmds) {
    const xs = samples.get(c.name)!;
    medians.set(c.name, median(xs));
    console.log(
      JSON.stringify({ bench: 'list-nodes', command: c.name, runs, medianMs: round(median(xs)), minMs: round(Math.min(...xs)), maxMs: round(Math.max(...xs)) }),
    );
  }
  if (kubectl) {
    const ours = medians.get('kube-lessons list-nodes')!;
    const theirs = medians.get('kubectl get nodes')!;
    console.log(JSON.stringify({ bench: 'list-nodes', ratio: 'kube-lessons list-nodes / kubectl get nodes', value: Math.round((ours / theirs) * 100) / 100 }));
  } else {
    console.log(JSON.stringify({ bench: 'list-nodes', note: 'kubectl not found: no ratio' }));
  }
} finally {
  if (ownDir) await sandboxDown(ownDir);
}
