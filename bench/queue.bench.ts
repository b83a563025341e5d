/**
 * The work queue next to client-go's (bench/go/queue-peer): add/get/done throughput under three loads,
 * each run a fresh process, order rotated every round. Our workers are async functions sharing one
 * thread, so the fair peer is Go with GOMAXPROCS=1; Go on every core is shown too.
 */
import { fileURLToPath } from 'node:url';
import { roundOrder, type BenchContext } from './lib/context.ts';
import { runJson } from './lib/proc.ts';
import type { Figure } from './lib/stats.ts';

const CHILD = fileURLToPath(new URL('./queue-child.ts', import.meta.url));
const SCENARIOS = [
  { scenario: 'cycle', workers: 1 },
  { scenario: 'cycle', workers: 8 },
  { scenario: 'waiting-get', workers: 1 },
  { scenario: 'readd-held', workers: 1 },
];

interface Impl {
  name: string;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export function queueBench(ctx: BenchContext): void {
  const { results, go } = ctx;
  const ms = ctx.quick ? 300 : 500;
  const rounds = ctx.quick ? 3 : 5;
  const impls: Impl[] = [{ name: 'ours', file: ctx.node, args: [CHILD], env: process.env }];
  if (go) {
    impls.push({ name: 'client-go GOMAXPROCS=1', file: go.queue, args: [], env: { ...process.env, GOMAXPROCS: '1' } });
    impls.push({ name: 'client-go GOMAXPROCS=2', file: go.queue, args: [], env: { ...process.env, GOMAXPROCS: '2' } });
  } else {
    results.note('queue: no Go toolchain, so no client-go workqueue peer');
  }
  for (const s of SCENARIOS) {
    const figs = new Map<string, Figure>(
      impls.map((i) => [
        i.name,
        results.figure({ case: 'workqueue', metric: `${s.scenario}, ${s.workers} worker${s.workers > 1 ? 's' : ''}`, impl: i.name, unit: 'ops/s' }),
      ]),
    );
    for (let r = 0; r < rounds; r++) {
      for (const impl of roundOrder(impls, r)) {
        const flags =
          impl.file === ctx.node
            ? ['--scenario', s.scenario, '--workers', String(s.workers), '--ms', String(ms)]
            : ['-scenario', s.scenario, '-workers', String(s.workers), '-ms', String(ms)];
        const out = runJson<{ opsPerSec: number }>(impl.file, [...impl.args, ...flags], impl.env);
        figs.get(impl.name)!.samples.push(out.opsPerSec);
      }
    }
    results.compare(figs.get('ours'), figs.get('client-go GOMAXPROCS=1'));
    if (s.workers > 1) results.compare(figs.get('ours'), figs.get('client-go GOMAXPROCS=2'));
  }
}
