// Property: whatever happens on the server (creates, updates, deletes, some of them missed by the watch, and
// relists after a 410), once a last relist is handled the informer's cache equals the server, the handler's
// notifications replay into that same state with the right old object on each update, and on the RealFIFO
// every relist tells its deletions before its adds and updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FakeClock } from '../../../../src/machinery/clock.ts';
import { DeletedFinalStateUnknown } from '../../../../src/machinery/cache/keys.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { SharedIndexInformer, type SharedIndexInformerOptions } from '../../../../src/machinery/cache/shared-informer.ts';
import { ScriptedListerWatcher } from './fake-lister-watcher.ts';
import { pod } from './helpers.ts';

const NAMES = ['a', 'b', 'c', 'd'];

type Op = { kind: 'create' | 'update' | 'delete'; name: string; missed: boolean } | { kind: 'relist' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom('create' as const, 'update' as const, 'delete' as const),
      name: fc.constantFrom(...NAMES),
      missed: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'relist' as const }) },
);

type Note = { type: 'add' | 'update' | 'delete'; key: string; rv: string; oldRv?: string };

const FIFOS: { label: string; options: SharedIndexInformerOptions<KubeObject>; deletionsFirst: boolean }[] = [
  { label: 'RealFIFO (atomic events, batches)', options: { fifo: 'real' }, deletionsFirst: true },
  { label: 'RealFIFO (per-object events)', options: { fifo: 'real', realFIFO: { atomicEvents: false, batch: false } }, deletionsFirst: true },
  { label: 'DeltaFIFO', options: { fifo: 'delta' }, deletionsFirst: false },
];

async function play(ops: Op[], fifo: (typeof FIFOS)[number]): Promise<void> {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher<KubeObject>();
  const server = new Map<string, string>();
  let rv = 1;
  lw.objects = [];
  const informer = new SharedIndexInformer<KubeObject>(lw, 'Pod', 0, { clock, reflector: { random: () => 0 }, ...fifo.options });
  const notes: Note[] = [];
  informer.addEventHandler({
    onAdd: (o) => void notes.push({ type: 'add', key: o.metadata!.name!, rv: o.metadata!.resourceVersion! }),
    onUpdate: (old, o) => void notes.push({ type: 'update', key: o.metadata!.name!, rv: o.metadata!.resourceVersion!, oldRv: old.metadata!.resourceVersion! }),
    onDelete: (o) =>
      void notes.push(
        o instanceof DeletedFinalStateUnknown
          ? { type: 'delete', key: o.key, rv: '' }
          : { type: 'delete', key: o.metadata!.name!, rv: o.metadata!.resourceVersion! },
      ),
  });
  const ctrl = new AbortController();
  const running = informer.run(ctrl.signal);
  await clock.advance(0);

  const relist = async () => {
    lw.objects = [...server].map(([name, v]) => pod(name, { rv: v }));
    lw.resourceVersion = String(rv);
    const from = notes.length;
    const watches = lw.watchCalls.length;
    lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    // The relist follows the reflector's backoff between rounds (growing with each failure): wait for the
    // watch that follows it.
    for (let waited = 0; lw.watchCalls.length === watches; waited += 100) {
      assert.ok(waited < 120_000, 'the reflector relisted and watched again');
      await clock.advance(100);
    }
    const told = notes.slice(from).map((n) => n.type);
    if (fifo.deletionsFirst) {
      const firstOther = told.findIndex((t) => t !== 'delete');
      assert.ok(firstOther === -1 || !told.slice(firstOther).includes('delete'), `deletions first after a relist: ${told.join(' ')}`);
    }
  };

  for (const op of ops) {
    if (op.kind === 'relist') {
      await relist();
      continue;
    }
    const exists = server.has(op.name);
    if ((op.kind === 'create') === exists) continue; // create only what is absent, change only what exists
    const version = String(++rv);
    if (op.kind === 'delete') server.delete(op.name);
    else server.set(op.name, version);
    if (!op.missed) lw.current.emit(op.kind === 'create' ? 'ADDED' : op.kind === 'update' ? 'MODIFIED' : 'DELETED', pod(op.name, { rv: version }));
    await clock.advance(0);
  }
  await relist();

  const cached = new Map(
    informer
      .getIndexer()
      .list()
      .map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]),
  );
  assert.deepEqual([...cached].sort(), [...server].sort(), 'the cache equals the server');

  const replayed = new Map<string, string>();
  for (const n of notes) {
    if (n.type === 'delete') {
      replayed.delete(n.key);
      continue;
    }
    if (n.type === 'update') assert.equal(n.oldRv, replayed.get(n.key), `update of ${n.key} carries the previous object as old`);
    else assert.ok(!replayed.has(n.key), `add of ${n.key} only when absent`);
    replayed.set(n.key, n.rv);
  }
  assert.deepEqual([...replayed].sort(), [...server].sort(), 'the notifications replay into the cache');

  ctrl.abort();
  await clock.advance(0);
  await running;
}

for (const fifo of FIFOS) {
  test(`the cache and the handler's view converge on the server after any history [${fifo.label}]`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), (ops) => play(ops, fifo)),
      { numRuns: 150 },
    );
  });
}
