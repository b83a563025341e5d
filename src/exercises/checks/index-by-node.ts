/** Checks the index-by-node exercise on a real indexer: the learner's IndexFunc registered, pods added, moved and removed. */
import { expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';
import { metaNamespaceKeyFunc, newIndexer, type Indexer, type IndexFunc } from '../../machinery/index.ts';

interface Pod {
  metadata: { name: string; namespace: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}
const pod = (name: string, nodeName?: string, phase = 'Running'): Pod => ({
  metadata: { name, namespace: 'default' },
  ...(nodeName ? { spec: { nodeName } } : {}),
  status: { phase },
});

function setup(env: CheckEnv): { indexer: Indexer<Pod>; index: IndexFunc<Pod>; byNode: string } {
  const index = env.learner.podsByNode;
  const byNode = env.learner.BY_NODE;
  if (typeof index !== 'function') throw new Mismatch('an IndexFunc exported as podsByNode', show(index), 'podsByNode');
  if (typeof byNode !== 'string') throw new Mismatch('the index name exported as BY_NODE', show(byNode), 'BY_NODE');
  const indexer = newIndexer<Pod>(metaNamespaceKeyFunc, { [byNode]: index as IndexFunc<Pod> });
  return { indexer, index: index as IndexFunc<Pod>, byNode };
}

function activeOn(env: CheckEnv, indexer: Indexer<Pod>, node: string): unknown {
  const f = env.learner.activePodsOn;
  if (typeof f !== 'function') throw new Mismatch('a function exported as activePodsOn', show(f), 'activePodsOn');
  return (f as (i: Indexer<Pod>, n: string) => unknown)(indexer, node);
}

export const expectations: Record<string, ExpectationCheck> = {
  'index-func': (env) => {
    const { index } = setup(env);
    expectEqual(index(pod('web-0', 'node-a')), ['node-a'], 'podsByNode');
  },
  unscheduled: (env) => {
    const { index } = setup(env);
    expectEqual(index(pod('web-1')), [], 'podsByNode');
  },
  'by-index': (env) => {
    const { indexer, byNode } = setup(env);
    for (const p of [pod('web-2', 'node-a'), pod('web-0', 'node-a'), pod('db-0', 'node-b'), pod('queued')]) indexer.add(p);
    expectEqual(
      { values: indexer.listIndexFuncValues(byNode).sort(), onA: activeOn(env, indexer, 'node-a') },
      { values: ['node-a', 'node-b'], onA: ['web-0', 'web-2'] },
      'activePodsOn',
    );
  },
  'skips-finished': (env) => {
    const { indexer } = setup(env);
    for (const p of [pod('job-1', 'node-a', 'Succeeded'), pod('job-2', 'node-a', 'Failed'), pod('web-0', 'node-a', 'Pending'), pod('web-1', 'node-a')])
      indexer.add(p);
    expectEqual(activeOn(env, indexer, 'node-a'), ['web-0', 'web-1'], 'activePodsOn');
  },
  'follows-updates': (env) => {
    const { indexer } = setup(env);
    indexer.add(pod('web-0', 'node-a'));
    indexer.add(pod('web-1', 'node-a'));
    indexer.update(pod('web-0', 'node-b'));
    indexer.delete(pod('web-1', 'node-a'));
    expectEqual(
      { a: activeOn(env, indexer, 'node-a'), b: activeOn(env, indexer, 'node-b'), c: activeOn(env, indexer, 'node-c') },
      { a: [], b: ['web-0'], c: [] },
      'activePodsOn',
    );
  },
};
