/**
 * Start-up cost as a person sees it: wall time of `kube-lessons list-nodes` next to `kubectl get nodes`
 * (same sandbox, same kubeconfig), and `kube-lessons --help` next to `kubectl --help`; each run a fresh
 * process, order rotated every round, after two warm-up runs of each, once the machine is quiet. Alongside,
 * in the same rounds, the Node floor (node-floor-child.ts): its ratio to kubectl is what Node itself costs,
 * ours to it what is ours.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildChild } from './lib/build-child.ts';
import { roundOrder, type BenchContext } from './lib/context.ts';
import { commandEnv, timeCommand } from './lib/proc.ts';
import { quietBeforeTiming } from './lib/quiet.ts';

const FLOOR_CHILD = fileURLToPath(new URL('./node-floor-child.ts', import.meta.url));
const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

export async function listNodesBench(ctx: BenchContext): Promise<void> {
  const { results } = ctx;
  if (!KUBECTL) {
    results.note('kubectl not found: list-nodes and --help have no peer');
    return;
  }
  const kubeconfig = ctx.cluster.state.kubeconfig;
  const env = commandEnv();
  const cmds = [
    { metric: 'list-nodes (wall)', impl: 'ours', file: ctx.node, args: [ctx.cli, 'list-nodes', '--kubeconfig', kubeconfig] },
    { metric: 'list-nodes (wall)', impl: 'kubectl', file: KUBECTL, args: ['get', 'nodes', '--kubeconfig', kubeconfig] },
    // Not a peer: what Node alone costs for the same table (node-floor-child.ts), so the table shows how much is ours.
    { metric: 'list-nodes (wall), Node floor', impl: 'node floor', file: ctx.node, args: [buildChild(FLOOR_CHILD), kubeconfig] },
    { metric: '--help (wall)', impl: 'ours', file: ctx.node, args: [ctx.cli, '--help'] },
    { metric: '--help (wall)', impl: 'kubectl', file: KUBECTL, args: ['--help'] },
  ].map((c) => ({ ...c, fig: results.figure({ case: 'cli', metric: c.metric, impl: c.impl, unit: 'ms' }) }));
  const rounds = ctx.quick ? 5 : 15;
  // The sandbox has just started: its controllers and kwok settle first (up to a minute), so that nothing else
  // competes for the CPU while single processes are timed.
  await quietBeforeTiming(ctx, 'cli', 'start-up');
  for (let w = 0; w < 2; w++) for (const c of cmds) timeCommand(c.file, c.args, env);
  for (let r = 0; r < rounds; r++) for (const c of roundOrder(cmds, r)) c.fig.samples.push(timeCommand(c.file, c.args, env));
  const [ours, kubectl, floor, help, kubectlHelp] = cmds.map((c) => c.fig);
  results.compare(ours, kubectl);
  results.compare(floor, kubectl);
  results.compare(ours, floor);
  results.compare(help, kubectlHelp);
}
