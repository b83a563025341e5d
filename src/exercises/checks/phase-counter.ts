/** Checks the phase-counter exercise by playing informer notifications at it: adds, updates, resyncs, deletes and tombstones. */
import { expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';
import { DeletedFinalStateUnknown, type ResourceEventHandler } from '../../machinery/index.ts';

interface Pod {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  status?: { phase?: string };
}
type Counter = Required<ResourceEventHandler<Pod>> & { counts: Map<string, number> };
const NAME = 'PhaseCounter';
const pod = (name: string, phase?: string, rv = '1'): Pod => ({
  metadata: { name, namespace: 'default', resourceVersion: rv },
  ...(phase ? { status: { phase } } : {}),
});

function make(env: CheckEnv): Counter {
  const C = env.learner[NAME];
  if (typeof C !== 'function') throw new Mismatch(`a class exported as ${NAME}`, show(C), NAME);
  const counter = new (C as new () => Counter)();
  if (!(counter.counts instanceof Map)) throw new Mismatch('counts to be a Map', show(counter.counts), NAME);
  return counter;
}

/** The non-zero counts, sorted by phase. */
function counts(c: Counter): Record<string, number> {
  return Object.fromEntries([...c.counts.entries()].filter(([, n]) => n !== 0).sort(([a], [b]) => a.localeCompare(b)));
}

export const expectations: Record<string, ExpectationCheck> = {
  adds: async (env) => {
    const c = make(env);
    await c.onAdd(pod('a', 'Running'), true);
    await c.onAdd(pod('b', 'Running'), true);
    await c.onAdd(pod('c'), false);
    expectEqual(counts(c), { Pending: 1, Running: 2 }, NAME);
  },
  'phase-change': async (env) => {
    const c = make(env);
    await c.onAdd(pod('a'), false);
    await c.onUpdate(pod('a'), pod('a', 'Running', '2'));
    await c.onUpdate(pod('a', 'Running', '2'), pod('a', 'Succeeded', '3'));
    expectEqual(counts(c), { Succeeded: 1 }, NAME);
  },
  resync: async (env) => {
    const c = make(env);
    await c.onAdd(pod('a', 'Running'), true);
    for (let i = 0; i < 3; i++) await c.onUpdate(pod('a', 'Running'), pod('a', 'Running'));
    expectEqual(counts(c), { Running: 1 }, NAME);
  },
  deletes: async (env) => {
    const c = make(env);
    await c.onAdd(pod('a', 'Running'), true);
    await c.onAdd(pod('b', 'Failed'), true);
    await c.onDelete(pod('a', 'Running'));
    expectEqual(counts(c), { Failed: 1 }, NAME);
  },
  tombstones: async (env) => {
    const c = make(env);
    await c.onAdd(pod('a', 'Running'), true);
    await c.onAdd(pod('b', 'Pending'), true);
    await c.onDelete(new DeletedFinalStateUnknown<Pod>('default/a', pod('a', 'Running')));
    await c.onDelete(new DeletedFinalStateUnknown<Pod>('default/gone', undefined));
    expectEqual(counts(c), { Pending: 1 }, NAME);
  },
};
