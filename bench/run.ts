/**
 * `npm run bench`: every figure side by side with its real peer, in one run against a private sandbox that
 * this starts and always stops. Peers: kubectl, @kubernetes/client-node, and Go programs on client-go
 * v0.36.3 plus the upstream sample-controller (built from bench/go with the installed Go). Prints each
 * case's figures (median [min..max, n]) as it goes, then one table of ratios (ours/peer) and the machine's
 * load, and saves everything as JSON under bench/results/. Numbers are reported, never asserted.
 *
 *   npm run bench [-- --quick] [-- --only cli,queue,informer,controller]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { controllerBench } from './controller.bench.ts';
import { informerBench } from './informer.bench.ts';
import { listNodesBench } from './list-nodes.bench.ts';
import { queueBench } from './queue.bench.ts';
import { startBenchCluster, type BenchCluster } from './lib/cluster.ts';
import { BenchResults, type BenchContext } from './lib/context.ts';
import { buildGoPeers } from './lib/go-peers.ts';
import { fmtSummary, ratioTable, summarize } from './lib/stats.ts';

const CASES: Record<string, (ctx: BenchContext) => void | Promise<void>> = {
  cli: listNodesBench,
  queue: queueBench,
  informer: informerBench,
  controller: controllerBench,
};

const USAGE = `usage: npm run bench [-- --quick] [-- --only ${Object.keys(CASES).join(',')}]`;
let parsed;
try {
  parsed = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
} catch (err) {
  console.error(`error: ${(err as Error).message} (hint: ${USAGE})`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = values.quick;
const only = values.only ? values.only.split(',') : Object.keys(CASES);
const unknown = only.filter((c) => !CASES[c]);
if (unknown.length) {
  console.error(`error: unknown case ${unknown.join(', ')}; cases: ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}

const t0 = performance.now();
const log = (line: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
const loads: { at: string; load1: number; load5: number; load15: number }[] = [];
const noteLoad = (at: string) => {
  const [load1, load5, load15] = loadavg() as [number, number, number];
  loads.push({ at, load1, load5, load15 });
  log(`load average (1, 5, 15 min) ${load()} on ${cpus().length} CPUs: ${at}`);
};

const results = new BenchResults();
const goPeers = buildGoPeers(log);
const go = 'missing' in goPeers ? undefined : goPeers;
if (!go) results.note(`Go peers left out: ${(goPeers as { missing: string }).missing}`);

const workDir = mkdtempSync(join(tmpdir(), 'kube-lessons-bench-work-'));
let cluster: BenchCluster | undefined;
const stopCluster = async () => {
  const c = cluster;
  cluster = undefined;
  await c?.down();
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping the sandbox`);
    void stopCluster().finally(() => process.exit(130));
  });
}

let failed = 0;
try {
  noteLoad('start');
  const pods = only.includes('informer') ? (quick ? 1200 : 6000) : 0;
  cluster = await startBenchCluster(pods + (only.includes('controller') ? 300 : 0), log);
  const ctx: BenchContext = {
    quick,
    cluster,
    go,
    node: process.execPath,
    cli: fileURLToPath(new URL('../bin/kube-lessons.js', import.meta.url)),
    workDir,
    log,
    results,
  };
  for (const name of only) {
    const start = performance.now();
    const before = results.figures.length;
    log(`case ${name}...`);
    try {
      await CASES[name]!(ctx);
    } catch (err) {
      failed++;
      results.note(`case ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      log(`case ${name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    noteLoad(`after ${name} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
    for (const f of results.figures.slice(before))
      if (f.samples.length) console.log(`${f.case} | ${f.metric} | ${f.impl}: ${fmtSummary(summarize(f.samples), f.unit)}`);
  }
} finally {
  await stopCluster();
  rmSync(workDir, { recursive: true, force: true });
}

const seconds = (performance.now() - t0) / 1000;
console.log('');
console.log(
  `Ratios, ours/peer (medians; per-round range where both ran the same alternating rounds). ${quick ? 'QUICK run. ' : ''}Whole run ${seconds.toFixed(0)} s.`,
);
console.log(ratioTable(results.ratios));
console.log('');
console.log(
  `Machine: ${cpus().length} CPUs; load average (1, 5, 15 min) at each step: ${loads.map((l) => `${l.at}: ${l.load1.toFixed(2)}, ${l.load5.toFixed(2)}, ${l.load15.toFixed(2)}`).join('; ')}`,
);
if (go) console.log(`Go peers: ${go.goVersion}, k8s.io/client-go v0.36.3, k8s.io/sample-controller v0.36.3; Node ${process.version}`);
for (const n of results.notes) console.log(`note: ${n}`);

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
writeFileSync(
  file,
  JSON.stringify(
    { quick, seconds, loads, node: process.version, go: go?.goVersion, figures: results.figures, ratios: results.ratios, notes: results.notes },
    null,
    2,
  ),
);
console.log(`saved ${file}`);
process.exit(failed ? 1 : 0);
