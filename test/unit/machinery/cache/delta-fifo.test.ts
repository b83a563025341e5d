import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../../../../src/machinery/clock.ts';
import { RecordingTracer } from '../../../../src/machinery/trace.ts';
import { newIndexer } from '../../../../src/machinery/cache/cache.ts';
import { DeltaFIFO } from '../../../../src/machinery/cache/delta-fifo.ts';
import type { Deltas } from '../../../../src/machinery/cache/delta-fifo.ts';
import { DeletedFinalStateUnknown, KeyError } from '../../../../src/machinery/cache/keys.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { pod } from './helpers.ts';

const clock = new FakeClock();
const types = (d: Deltas<KubeObject>) => d.map((x) => x.type);

async function popOne(fifo: DeltaFIFO<KubeObject>) {
  let got: { key: string; deltas: Deltas<KubeObject>; initial: boolean } | undefined;
  await fifo.pop((key, deltas, initial) => {
    got = { key, deltas, initial };
  });
  return got!;
}

test('deltas accumulate per key and keys pop in first-queued order', async () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  fifo.add(pod('a', { rv: '1' }));
  fifo.add(pod('b', { rv: '2' }));
  fifo.update(pod('a', { rv: '3' }));
  fifo.delete(pod('b', { rv: '2' }));
  assert.deepEqual(fifo.listKeys(), ['a', 'b']);
  const first = await popOne(fifo);
  assert.equal(first.key, 'a');
  assert.deepEqual(types(first.deltas), ['Added', 'Updated']);
  assert.equal((first.deltas[1]!.object as KubeObject).metadata?.resourceVersion, '3');
  const second = await popOne(fifo);
  assert.equal(second.key, 'b');
  assert.deepEqual(types(second.deltas), ['Added', 'Deleted']);
});

test('a key re-added after being popped goes to the back of the queue', async () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  fifo.add(pod('a'));
  fifo.add(pod('b'));
  await popOne(fifo);
  fifo.update(pod('a'));
  assert.deepEqual(fifo.listKeys(), ['b', 'a']);
});

test('two consecutive deletions collapse into one, keeping the real object over a tombstone', () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  fifo.add(pod('a'));
  fifo.delete(pod('a', { rv: '5' }));
  fifo.delete(pod('a', { rv: '6' }));
  assert.deepEqual(types(fifo.getByKey('a')!), ['Added', 'Deleted']);
  assert.equal((fifo.getByKey('a')![1]!.object as KubeObject).metadata?.resourceVersion, '5');

  const fifo2 = new DeltaFIFO<KubeObject>({ clock });
  fifo2.add(pod('a'));
  fifo2.delete(new DeletedFinalStateUnknown('a', pod('a')));
  fifo2.delete(pod('a', { rv: '9' }));
  const d = fifo2.getByKey('a')!;
  assert.deepEqual(types(d), ['Added', 'Deleted']);
  assert.ok(!(d[1]!.object instanceof DeletedFinalStateUnknown));
});

test('deleting an object that is neither queued nor known is ignored', () => {
  const known = newIndexer<KubeObject>();
  const fifo = new DeltaFIFO<KubeObject>({ clock, knownObjects: known });
  fifo.delete(pod('ghost'));
  assert.equal(fifo.length, 0);
  known.add(pod('cached'));
  fifo.delete(pod('cached'));
  assert.deepEqual(types(fifo.getByKey('cached')!), ['Deleted']);
});

test('replace emits Replaced for listed objects and tombstones for known and queued keys missing from the list', () => {
  const known = newIndexer<KubeObject>();
  known.add(pod('kept', { rv: '1' }));
  known.add(pod('gone-known', { rv: '1' }));
  const fifo = new DeltaFIFO<KubeObject>({ clock, knownObjects: known, emitDeltaTypeReplaced: true });
  fifo.add(pod('gone-queued', { rv: '2' }));
  fifo.replace([pod('kept', { rv: '3' }), pod('new', { rv: '3' })], '3');

  assert.deepEqual(types(fifo.getByKey('kept')!), ['Replaced']);
  assert.deepEqual(types(fifo.getByKey('new')!), ['Replaced']);
  const q = fifo.getByKey('gone-queued')!;
  assert.deepEqual(types(q), ['Added', 'Deleted']);
  const qt = q[1]!.object as DeletedFinalStateUnknown<KubeObject>;
  assert.ok(qt instanceof DeletedFinalStateUnknown);
  assert.equal(qt.key, 'gone-queued');
  assert.equal(qt.obj?.metadata?.resourceVersion, '2');
  const k = fifo.getByKey('gone-known')!;
  assert.deepEqual(types(k), ['Deleted']);
  const kt = k[0]!.object as DeletedFinalStateUnknown<KubeObject>;
  assert.ok(kt instanceof DeletedFinalStateUnknown);
  assert.equal(kt.obj?.metadata?.name, 'gone-known');
});

test('replace emits Sync unless emitDeltaTypeReplaced is set, as client-go defaults it', () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  fifo.replace([pod('a')], '1');
  assert.deepEqual(types(fifo.getByKey('a')!), ['Sync']);
  const explicit = new DeltaFIFO<KubeObject>({ clock, emitDeltaTypeReplaced: false });
  explicit.replace([pod('a')], '1');
  assert.deepEqual(types(explicit.getByKey('a')!), ['Sync']);
});

test('hasSynced turns true only once every item of the first replace has been popped', async () => {
  const known = newIndexer<KubeObject>();
  known.add(pod('old'));
  const fifo = new DeltaFIFO<KubeObject>({ clock, knownObjects: known });
  assert.equal(fifo.hasSynced(), false);
  fifo.replace([pod('a'), pod('b')], '1');
  assert.equal(fifo.hasSynced(), false);
  const seen: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    assert.equal(fifo.hasSynced(), false);
    seen.push((await popOne(fifo)).initial);
  }
  assert.deepEqual(seen, [true, true, true]);
  assert.equal(fifo.hasSynced(), true);
  // A second replace does not reset it.
  fifo.replace([pod('c')], '2');
  assert.equal(fifo.hasSynced(), true);
  assert.equal((await popOne(fifo)).initial, false);
});

test('hasSynced is true at once when an add comes before any replace', () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  fifo.add(pod('a'));
  assert.equal(fifo.hasSynced(), true);
});

test('resync queues Sync for known objects except those already queued', () => {
  const known = newIndexer<KubeObject>();
  known.add(pod('a', { rv: '1' }));
  known.add(pod('b', { rv: '1' }));
  const fifo = new DeltaFIFO<KubeObject>({ clock, knownObjects: known });
  fifo.update(pod('b', { rv: '2' }));
  fifo.resync();
  assert.deepEqual(types(fifo.getByKey('a')!), ['Sync']);
  assert.deepEqual(types(fifo.getByKey('b')!), ['Updated']);
  assert.equal((fifo.getByKey('b')![0]!.object as KubeObject).metadata?.resourceVersion, '2');
});

test('resync without known objects does nothing', () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  fifo.resync();
  assert.equal(fifo.length, 0);
});

test('a pop waits for an item', async () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  let got: string | undefined;
  const p = fifo.pop((key) => {
    got = key;
  });
  await flushMicrotasks();
  assert.equal(got, undefined);
  fifo.add(pod('late'));
  const r = await p;
  assert.equal(got, 'late');
  assert.equal(r?.key, 'late');
  assert.equal(fifo.length, 0);
});

test('close releases waiting pops, but queued items are still drained first', async () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  const waiting = fifo.pop(() => {});
  fifo.close();
  assert.equal(await waiting, undefined);

  const fifo2 = new DeltaFIFO<KubeObject>({ clock });
  fifo2.add(pod('a'));
  fifo2.close();
  assert.equal((await fifo2.pop(() => {}))?.key, 'a');
  assert.equal(await fifo2.pop(() => {}), undefined);
});

test('any other error from process rejects the pop and the item stays removed', async () => {
  const fifo = new DeltaFIFO<KubeObject>({ clock });
  fifo.add(pod('a'));
  await assert.rejects(
    fifo.pop(() => {
      throw new Error('handler broke');
    }),
    /handler broke/,
  );
  assert.equal(fifo.length, 0);
});

test('transform applies to queued objects but not to tombstones', () => {
  const known = newIndexer<KubeObject>();
  known.add(pod('k'));
  const fifo = new DeltaFIFO<KubeObject>({
    clock,
    knownObjects: known,
    transform: (o) => ({ ...o, metadata: { ...o.metadata, labels: { transformed: 'yes' } } }),
  });
  fifo.add(pod('a'));
  fifo.replace([], '1');
  assert.equal((fifo.getByKey('a')![0]!.object as KubeObject).metadata?.labels?.transformed, 'yes');
  assert.ok(fifo.getByKey('k')![0]!.object instanceof DeletedFinalStateUnknown);
});

test('a resync does not transform again: its Sync deltas carry the cached object itself', () => {
  const known = newIndexer<KubeObject>();
  const cached = pod('k', { rv: '1' });
  known.add(cached);
  let calls = 0;
  const fifo = new DeltaFIFO<KubeObject>({ clock, knownObjects: known, transform: (o) => (calls++, { ...o }) });
  fifo.resync();
  assert.equal(calls, 0);
  assert.equal(fifo.getByKey('k')![0]!.type, 'Sync');
  assert.equal(fifo.getByKey('k')![0]!.object, cached);
});

test('a relist is transformed even when it is queued as Sync (emitDeltaTypeReplaced off)', () => {
  const fifo = new DeltaFIFO<KubeObject>({
    clock,
    emitDeltaTypeReplaced: false,
    transform: (o) => ({ ...o, metadata: { ...o.metadata, labels: { transformed: 'yes' } } }),
  });
  fifo.replace([pod('a')], '1');
  const [delta] = fifo.getByKey('a')!;
  assert.equal(delta!.type, 'Sync');
  assert.equal((delta!.object as KubeObject).metadata?.labels?.transformed, 'yes');
});

test('the tracer sees queued and popped events with delta types', async () => {
  const tracer = new RecordingTracer();
  const fifo = new DeltaFIFO<KubeObject>({ clock, tracer });
  fifo.add(pod('a'));
  fifo.update(pod('a'));
  await popOne(fifo);
  const actions = tracer.events.map((e) => `${e.action}:${e.key}`);
  assert.deepEqual(actions, ['queued:a', 'queued:a', 'popped:a']);
  assert.deepEqual(tracer.events[2]!.data?.types, ['Added', 'Updated']);
  assert.equal(tracer.events[0]!.component, 'deltafifo');
});

/** A promise to hold an async process open until the test lets it finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A DeltaFIFO over an indexer, and a pop whose process stores the newest object only after `release()`. */
function popHeldOpen() {
  const known = newIndexer<KubeObject>();
  const fifo = new DeltaFIFO<KubeObject>({ clock, knownObjects: known, emitDeltaTypeReplaced: true });
  fifo.add(pod('a', { rv: '1' }));
  const held = gate();
  const popping = fifo.pop(async (_key, deltas) => {
    await held.opened;
    const newest = deltas[deltas.length - 1]!;
    if (newest.type === 'Deleted') known.delete(newest.object);
    else known.update(newest.object as KubeObject);
  });
  const release = async () => {
    held.open();
    await popping;
  };
  return { known, fifo, release };
}

test('a delete made while an async process runs takes effect after it, against what it stored', async () => {
  const { fifo, release } = popHeldOpen();
  fifo.delete(pod('a', { rv: '2' }));
  assert.equal(fifo.length, 0, 'not applied while the process runs');
  await release();
  const d = fifo.getByKey('a')!;
  assert.deepEqual(types(d), ['Deleted']);
  assert.equal((d[0]!.object as KubeObject).metadata?.resourceVersion, '2');
});

test('a replace made while an async process runs tombstones the object that process stored', async () => {
  const { fifo, release } = popHeldOpen();
  fifo.replace([pod('b', { rv: '5' })], '5');
  await release();
  assert.deepEqual(fifo.listKeys(), ['b', 'a']);
  const [gone] = fifo.getByKey('a')!;
  assert.equal(gone!.type, 'Deleted');
  const tombstone = gone!.object;
  assert.ok(tombstone instanceof DeletedFinalStateUnknown);
  assert.equal(tombstone.obj?.metadata?.resourceVersion, '1');
});

test('calls made while an async process runs apply in call order, and a resync sees what it stored', async () => {
  const { fifo, release } = popHeldOpen();
  fifo.add(pod('c', { rv: '3' }));
  fifo.resync();
  fifo.update(pod('b', { rv: '4' }));
  await release();
  assert.deepEqual(fifo.listKeys(), ['c', 'a', 'b']);
  assert.deepEqual(types(fifo.getByKey('a')!), ['Sync']);
});

test('a pop started while another processes waits for it and for the calls made meanwhile', async () => {
  const { fifo, release } = popHeldOpen();
  const order: string[] = [];
  const second = fifo.pop((key) => void order.push(key));
  fifo.add(pod('b', { rv: '2' }));
  await flushMicrotasks();
  assert.deepEqual(order, []);
  await release();
  await second;
  assert.deepEqual(order, ['b']);
});

test('while an async process runs, a failing key or transform still throws to the caller at once', async () => {
  const { fifo, release } = popHeldOpen();
  assert.throws(() => fifo.add(42 as unknown as KubeObject), KeyError);
  assert.throws(() => fifo.replace([pod('b'), 42 as unknown as KubeObject], '2'), KeyError);
  await release();
  // As client-go, the listed objects before the failing one are queued.
  assert.deepEqual(fifo.listKeys(), ['b']);
});

test('an add or update that fails still marks the queue populated, so hasSynced turns true', () => {
  const failing = (): DeltaFIFO<KubeObject> =>
    new DeltaFIFO<KubeObject>({
      clock,
      transform: () => {
        throw new Error('transform failed');
      },
    });
  const byTransform = failing();
  assert.throws(() => byTransform.add(pod('a')), /transform failed/);
  assert.equal(byTransform.hasSynced(), true);
  const byUpdate = failing();
  assert.throws(() => byUpdate.update(pod('a')), /transform failed/);
  assert.equal(byUpdate.hasSynced(), true);
  const byKey = new DeltaFIFO<KubeObject>({ clock });
  assert.throws(() => byKey.add(42 as unknown as KubeObject), KeyError);
  assert.equal(byKey.hasSynced(), true);
  // A delete fails on its key before anything, as client-go.
  const byDelete = new DeltaFIFO<KubeObject>({ clock });
  assert.throws(() => byDelete.delete(42 as unknown as KubeObject), KeyError);
  assert.equal(byDelete.hasSynced(), false);
});

test("a key function's failure is thrown as a KeyError by add, update, delete, replace and resync", () => {
  const broken = new Error('custom key failure');
  const keyFunc = (obj: unknown) => {
    if ((obj as KubeObject).metadata?.name === 'bad') throw broken;
    return (obj as KubeObject).metadata!.name!;
  };
  const known = newIndexer<KubeObject>();
  const fifo = new DeltaFIFO<KubeObject>({ clock, keyFunc, knownObjects: known });
  const bad = pod('bad');
  for (const call of [() => fifo.add(bad), () => fifo.update(bad), () => fifo.delete(bad), () => fifo.replace([bad], '1')]) {
    assert.throws(call, (err: unknown) => err instanceof KeyError && err.obj === bad && err.cause === broken);
  }
  known.add(bad);
  assert.throws(() => fifo.resync(), KeyError);
});

test("a key function's KeyError about another object is wrapped: the KeyError holds the object queued (client-go's KeyError{obj, err})", () => {
  const inner = new KeyError('inner failure', 'something else');
  const fifo = new DeltaFIFO<KubeObject>({
    clock,
    keyFunc: () => {
      throw inner;
    },
  });
  const obj = pod('a');
  for (const call of [() => fifo.add(obj), () => fifo.delete(obj), () => fifo.replace([obj], '1')]) {
    assert.throws(call, (err: unknown) => err instanceof KeyError && err.obj === obj && err.cause === inner);
  }
});
