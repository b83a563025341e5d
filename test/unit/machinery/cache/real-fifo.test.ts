import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../../../../src/machinery/clock.ts';
import { RecordingTracer } from '../../../../src/machinery/trace.ts';
import { newIndexer } from '../../../../src/machinery/cache/cache.ts';
import { DeletedFinalStateUnknown, KeyError } from '../../../../src/machinery/cache/keys.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { RealFIFO, type RealFIFOItem, type RealFIFOOptions } from '../../../../src/machinery/cache/real-fifo.ts';
import { pod } from './helpers.ts';

const clock = new FakeClock();

/** An entry as `Type name@rv`, a tombstone as `Deleted ~key@rv`, a whole-list entry as `ReplacedAll a@1,b@2`. */
function show(item: RealFIFOItem<KubeObject>): string {
  const obj = (o: KubeObject | undefined) => (o ? `${o.metadata!.name}@${o.metadata!.resourceVersion}` : 'nil');
  switch (item.type) {
    case 'ReplacedAll':
      return `ReplacedAll ${item.object.objects.map(obj).join(',')} rv=${item.object.resourceVersion}`;
    case 'SyncAll':
      return 'SyncAll';
    case 'Bookmark':
      return `Bookmark ${item.object.resourceVersion}`;
    default:
      return item.object instanceof DeletedFinalStateUnknown
        ? `${item.type} ~${item.object.key}@${obj(item.object.obj)?.split('@')[1]}`
        : `${item.type} ${obj(item.object)}`;
  }
}

function fifoWith(known: KubeObject[] = [], options: Omit<RealFIFOOptions<KubeObject>, 'knownObjects'> = {}) {
  const cache = newIndexer<KubeObject>();
  for (const o of known) cache.add(o);
  return { cache, fifo: new RealFIFO<KubeObject>({ clock, knownObjects: cache, ...options }) };
}

async function popAll(fifo: RealFIFO<KubeObject>): Promise<{ entry: string; initial: boolean }[]> {
  const out: { entry: string; initial: boolean }[] = [];
  while (fifo.length > 0) await fifo.pop(([item], initial) => void out.push({ entry: show(item!), initial }));
  return out;
}

test('every change is its own entry, popped in the order it was queued', async () => {
  const { fifo } = fifoWith();
  fifo.add(pod('a', { rv: '1' }));
  fifo.add(pod('b', { rv: '2' }));
  fifo.update(pod('a', { rv: '3' }));
  fifo.delete(pod('b', { rv: '4' }));
  fifo.update(pod('a', { rv: '5' }));
  assert.deepEqual(
    (await popAll(fifo)).map((p) => p.entry),
    ['Added a@1', 'Added b@2', 'Updated a@3', 'Deleted b@4', 'Updated a@5'],
  );
});

test('a delete is queued even for an object neither queued nor known', async () => {
  const { fifo } = fifoWith();
  fifo.delete(pod('ghost', { rv: '1' }));
  assert.deepEqual(
    (await popAll(fifo)).map((p) => p.entry),
    ['Deleted ghost@1'],
  );
});

test('replace queues the tombstones of known objects first, then the listed ones, all initial', async () => {
  const { fifo } = fifoWith([pod('foo', { rv: '5' }), pod('bar', { rv: '6' }), pod('baz', { rv: '7' })]);
  fifo.replace([pod('foo', { rv: '5' })], '0');
  assert.equal(fifo.hasSynced(), false);
  const popped = await popAll(fifo);
  assert.deepEqual(
    popped.map((p) => p.entry),
    ['Deleted ~bar@6', 'Deleted ~baz@7', 'Replaced foo@5'],
  );
  assert.ok(popped.every((p) => p.initial));
  assert.equal(fifo.hasSynced(), true);
});

test('replace makes tombstones for queued keys from their last entry, unless that entry is a delete', async () => {
  const { fifo } = fifoWith([pod('known', { rv: '1' }), pod('gone', { rv: '2' })]);
  fifo.add(pod('fresh', { rv: '3' }));
  fifo.update(pod('fresh', { rv: '4' }));
  fifo.delete(pod('gone', { rv: '5' }));
  fifo.update(pod('known', { rv: '6' }));
  fifo.replace([pod('other', { rv: '7' })], '7');
  const entries = (await popAll(fifo)).map((p) => p.entry);
  assert.deepEqual(entries, [
    'Added fresh@3',
    'Updated fresh@4',
    'Deleted gone@5',
    'Updated known@6',
    // Queued keys first, in first-queued order, with their last queued object; 'gone' is already deleted.
    'Deleted ~fresh@4',
    'Deleted ~known@6',
    'Replaced other@7',
  ]);
});

test('resync queues the cached object as Sync only for keys with nothing queued, and never transforms it', async () => {
  let calls = 0;
  const cached = pod('a', { rv: '1' });
  const { fifo } = fifoWith([cached, pod('b', { rv: '2' })], { transform: (o) => (calls++, o) });
  fifo.update(pod('b', { rv: '3' }));
  calls = 0;
  fifo.resync();
  assert.equal(calls, 0);
  const items = fifo.items();
  assert.deepEqual(items.map(show), ['Updated b@3', 'Sync a@1']);
  assert.equal(items[1]!.object, cached);
});

test('the transform applies to added, updated, deleted and listed objects, not to tombstones', async () => {
  const mark = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, labels: { t: 'yes' } } });
  const { fifo } = fifoWith([pod('old', { rv: '1' })], { transform: mark });
  fifo.add(pod('a', { rv: '2' }));
  fifo.update(pod('a', { rv: '3' }));
  fifo.delete(pod('a', { rv: '4' }));
  fifo.replace([pod('b', { rv: '5' })], '5');
  const items = fifo.items();
  assert.deepEqual(
    items.map((i) => i.type),
    ['Added', 'Updated', 'Deleted', 'Deleted', 'Replaced'],
  );
  assert.ok(items[3]!.object instanceof DeletedFinalStateUnknown);
  for (const i of [0, 1, 2, 4]) assert.equal((items[i]!.object as KubeObject).metadata!.labels!.t, 'yes', show(items[i]!));
});

test('with atomic events, replace is one ReplacedAll (transformed), resync one SyncAll, bookmarks only when asked', () => {
  const mark = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, labels: { t: 'yes' } } });
  const fifo = new RealFIFO<KubeObject>({ clock, atomicEvents: true, transform: mark });
  fifo.replace([pod('a', { rv: '1' }), pod('b', { rv: '2' })], '2');
  fifo.resync();
  fifo.bookmark('3');
  const items = fifo.items();
  assert.deepEqual(items.map(show), ['ReplacedAll a@1,b@2 rv=2', 'SyncAll']);
  assert.ok(items[0]!.type === 'ReplacedAll' && items[0]!.object.objects.every((o) => o.metadata!.labels!.t === 'yes'));

  const withBookmarks = new RealFIFO<KubeObject>({ clock, atomicEvents: true, emitDeltaTypeBookmark: true });
  withBookmarks.bookmark('9');
  assert.deepEqual(withBookmarks.items().map(show), ['Bookmark 9']);
});

test('with atomic events, one pop of the ReplacedAll completes the initial sync', async () => {
  const fifo = new RealFIFO<KubeObject>({ clock, atomicEvents: true });
  fifo.replace([pod('a', { rv: '1' }), pod('b', { rv: '2' })], '2');
  assert.equal(fifo.hasSynced(), false);
  let initial: boolean | undefined;
  await fifo.pop((_items, isInInitialList) => void (initial = isInInitialList));
  assert.equal(initial, true);
  assert.equal(fifo.hasSynced(), true);
});

test('the constructor refuses the combinations client-go calls coding errors', () => {
  assert.throws(() => new RealFIFO<KubeObject>({ clock }), /knownObjects is required/);
  assert.throws(() => new RealFIFO<KubeObject>({ clock, atomicEvents: true, knownObjects: newIndexer() }), /must not be given/);
  assert.throws(() => new RealFIFO<KubeObject>({ clock, knownObjects: newIndexer(), emitDeltaTypeBookmark: true }), /needs atomicEvents/);
});

test('hasSynced: after a first add at once; after a first replace only when each of its entries was popped', async () => {
  const pop = (f: RealFIFO<KubeObject>) => f.pop(() => {});
  const cases: { actions: ((f: RealFIFO<KubeObject>) => unknown)[]; synced: boolean }[] = [
    { actions: [], synced: false },
    { actions: [(f) => f.add(pod('a', { rv: '1' }))], synced: true },
    { actions: [(f) => f.replace([], '0')], synced: true },
    { actions: [(f) => f.replace([pod('a', { rv: '1' }), pod('b', { rv: '2' })], '0')], synced: false },
    { actions: [(f) => f.replace([pod('a', { rv: '1' }), pod('b', { rv: '2' })], '0'), pop], synced: false },
    { actions: [(f) => f.replace([pod('a', { rv: '1' }), pod('b', { rv: '2' })], '0'), pop, pop], synced: true },
    // Every entry counts, even two for one key (a broken list): both must be popped.
    { actions: [(f) => f.replace([pod('a', { rv: '1' }), pod('a', { rv: '2' })], '0'), pop], synced: false },
    { actions: [(f) => f.replace([pod('a', { rv: '1' }), pod('a', { rv: '2' })], '0'), pop, pop], synced: true },
  ];
  for (const [i, c] of cases.entries()) {
    const { fifo } = fifoWith();
    for (const action of c.actions) await action(fifo);
    assert.equal(fifo.hasSynced(), c.synced, `case ${i}`);
    assert.equal(fifo.hasSyncedChecker().isDone(), c.synced, `case ${i}: the checker agrees`);
  }
});

test('an entry counts towards the initial sync only once its processing has finished', async () => {
  const { fifo } = fifoWith();
  fifo.replace([pod('a', { rv: '1' })], '1');
  const fake = new FakeClock();
  let syncedDuring: boolean | undefined;
  let checkerDoneAt: 'during' | 'after' | undefined;
  void fifo
    .hasSyncedChecker()
    .done()
    .then(() => (checkerDoneAt = syncedDuring === undefined ? 'during' : 'after'));
  const popping = fifo.pop(async () => {
    await fake.sleep(1_000);
    syncedDuring = fifo.hasSynced();
  });
  await fake.advance(1_000);
  await popping;
  assert.equal(syncedDuring, false);
  assert.equal(fifo.hasSynced(), true);
  await fifo.hasSyncedChecker().done();
  assert.equal(checkerDoneAt, 'after', 'the checker is told when the processing finished, not before');
});

test('a failing process rejects the pop, and the entry is gone (no requeue); it still counts as popped', async () => {
  const { fifo } = fifoWith();
  fifo.replace([pod('a', { rv: '1' })], '1');
  await assert.rejects(
    fifo.pop(() => {
      throw new Error('broke');
    }),
    /broke/,
  );
  assert.equal(fifo.length, 0);
  assert.equal(fifo.hasSynced(), true);
});

test('an object without metadata fails with a KeyError and queues nothing', () => {
  const { fifo } = fifoWith();
  assert.throws(() => fifo.add(42 as unknown as KubeObject), KeyError);
  assert.throws(() => fifo.replace([pod('a', { rv: '1' }), null as unknown as KubeObject], '1'), KeyError);
  assert.equal(fifo.length, 0);
});

test('pop waits for an entry on the fake clock; close releases it after the queue drained', async () => {
  const { fifo } = fifoWith();
  const seen: string[] = [];
  const first = fifo.pop(([item]) => void seen.push(show(item!)));
  await flushMicrotasks();
  assert.deepEqual(seen, []);
  fifo.add(pod('a', { rv: '1' }));
  await first;
  assert.deepEqual(seen, ['Added a@1']);

  fifo.add(pod('b', { rv: '2' }));
  fifo.close();
  assert.ok(await fifo.pop(() => {}), 'queued entries are still popped after close');
  assert.equal(await fifo.pop(() => {}), undefined);
  assert.equal(fifo.isClosed(), true);
});

async function popBatches(fifo: RealFIFO<KubeObject>): Promise<{ via: 'batch' | 'single'; entries: string[]; initial: boolean }[]> {
  const out: { via: 'batch' | 'single'; entries: string[]; initial: boolean }[] = [];
  while (fifo.length > 0) {
    await fifo.popBatch(
      (deltas, initial) => void out.push({ via: 'batch', entries: deltas.map(show), initial }),
      (items, initial) => void out.push({ via: 'single', entries: items.map(show), initial }),
    );
  }
  return out;
}

test('popBatch takes distinct keys up to the batch size and stops at a repeated key', async () => {
  const { fifo } = fifoWith([], { batchSize: 3 });
  for (const n of ['a', 'b', 'c', 'd']) fifo.add(pod(n, { rv: '1' }));
  fifo.update(pod('d', { rv: '2' }));
  fifo.update(pod('e', { rv: '3' }));
  assert.deepEqual(await popBatches(fifo), [
    { via: 'batch', entries: ['Added a@1', 'Added b@1', 'Added c@1'], initial: false },
    { via: 'single', entries: ['Added d@1'], initial: false },
    { via: 'batch', entries: ['Updated d@2', 'Updated e@3'], initial: false },
  ]);
});

test('popBatch never mixes the end of the initial list with what came after it', async () => {
  const { fifo } = fifoWith();
  fifo.replace([pod('a', { rv: '1' }), pod('b', { rv: '1' })], '1');
  fifo.update(pod('c', { rv: '2' }));
  fifo.update(pod('d', { rv: '3' }));
  assert.deepEqual(await popBatches(fifo), [
    { via: 'batch', entries: ['Replaced a@1', 'Replaced b@1'], initial: true },
    { via: 'batch', entries: ['Updated c@2', 'Updated d@3'], initial: false },
  ]);
});

test('popBatch hands whole-list, whole-resync and bookmark entries over alone', async () => {
  const fifo = new RealFIFO<KubeObject>({ clock, atomicEvents: true, emitDeltaTypeBookmark: true });
  fifo.replace([pod('a', { rv: '1' })], '1');
  fifo.add(pod('b', { rv: '2' }));
  fifo.resync();
  fifo.add(pod('c', { rv: '3' }));
  fifo.add(pod('d', { rv: '4' }));
  fifo.bookmark('5');
  assert.deepEqual(await popBatches(fifo), [
    { via: 'single', entries: ['ReplacedAll a@1 rv=1'], initial: true },
    { via: 'single', entries: ['Added b@2'], initial: false },
    { via: 'single', entries: ['SyncAll'], initial: false },
    { via: 'batch', entries: ['Added c@3', 'Added d@4'], initial: false },
    { via: 'single', entries: ['Bookmark 5'], initial: false },
  ]);
});

test('the tracer sees every entry queued and popped, with the batch it was popped in', async () => {
  const tracer = new RecordingTracer();
  const { fifo } = fifoWith([], { tracer });
  fifo.add(pod('a', { rv: '1' }));
  fifo.add(pod('b', { rv: '2' }));
  await fifo.popBatch(
    () => {},
    () => {},
  );
  assert.deepEqual(
    tracer.events.map((e) => `${e.component} ${e.action} ${e.key} ${JSON.stringify(e.data?.type)} ${JSON.stringify(e.data?.batch ?? '')}`),
    ['realfifo queued a "Added" ""', 'realfifo queued b "Added" ""', 'realfifo popped a "Added" 2', 'realfifo popped b "Added" 2'],
  );
});

/** A promise to hold an async process open until the test lets it finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A RealFIFO over an indexer, and a pop whose process stores its entry's object only after `release()`. */
async function popHeldOpen() {
  const { cache, fifo } = fifoWith();
  fifo.add(pod('a', { rv: '1' }));
  const held = gate();
  const popping = fifo.pop(async ([item]) => {
    await held.opened;
    cache.update(item!.object as KubeObject);
  });
  const release = async () => {
    held.open();
    await popping;
  };
  await flushMicrotasks();
  assert.equal(fifo.length, 0, 'the pop took its entry and is processing it');
  return { cache, fifo, release };
}

test('a replace made while an async process runs takes effect after it, tombstoning what it stored', async () => {
  const { fifo, release } = await popHeldOpen();
  fifo.replace([pod('b', { rv: '5' })], '5');
  assert.equal(fifo.length, 0, 'not applied while the process runs');
  await release();
  assert.deepEqual(
    (await popAll(fifo)).map((p) => p.entry),
    ['Deleted ~a@1', 'Replaced b@5'],
  );
});

test('a replace held while an async process runs queues the list as it was given, whatever the caller does to its array', async () => {
  const { fifo, release } = await popHeldOpen();
  const list = [pod('b', { rv: '5' }), pod('c', { rv: '5' })];
  fifo.replace(list, '5');
  list.length = 0;
  list.push(pod('z', { rv: '9' }));
  await release();
  assert.deepEqual(
    (await popAll(fifo)).map((p) => p.entry),
    ['Deleted ~a@1', 'Replaced b@5', 'Replaced c@5'],
  );
});

test('a resync made while an async process runs queues Sync for what it stored, in call order', async () => {
  const { fifo, release } = await popHeldOpen();
  fifo.add(pod('c', { rv: '3' }));
  fifo.resync();
  fifo.update(pod('d', { rv: '4' }));
  await release();
  assert.deepEqual(
    (await popAll(fifo)).map((p) => p.entry),
    ['Added c@3', 'Sync a@1', 'Updated d@4'],
  );
});

test('a pop or popBatch started while another processes waits for it', async () => {
  const { fifo, release } = await popHeldOpen();
  const order: string[] = [];
  const single = fifo.pop(([item]) => void order.push(show(item!)));
  const batch = fifo.popBatch(
    (deltas) => void order.push(...deltas.map(show)),
    ([item]) => void order.push(show(item!)),
  );
  fifo.add(pod('b', { rv: '2' }));
  fifo.add(pod('c', { rv: '3' }));
  await flushMicrotasks();
  assert.deepEqual(order, []);
  await release();
  await Promise.all([single, batch]);
  assert.deepEqual(order, ['Added b@2', 'Added c@3']);
});

test('while an async process runs, a failing key or transform still throws to the caller at once', async () => {
  const { cache, fifo } = fifoWith([], {
    transform: (o) => {
      if (o.metadata?.name === 'bad') throw new Error('transform failed');
      return o;
    },
  });
  fifo.add(pod('a', { rv: '1' }));
  const held = gate();
  const popping = fifo.pop(async ([item]) => {
    await held.opened;
    cache.update(item!.object as KubeObject);
  });
  await flushMicrotasks();
  assert.throws(() => fifo.add(42 as unknown as KubeObject), KeyError);
  assert.throws(() => fifo.replace([pod('b', { rv: '2' }), pod('bad', { rv: '2' })], '2'), /transform failed/);
  held.open();
  await popping;
  // As client-go: the deletions and the listed objects before the failing one were queued.
  assert.deepEqual(
    (await popAll(fifo)).map((p) => p.entry),
    ['Deleted ~a@1', 'Replaced b@2'],
  );
});

test('with atomic events, calls made while an async process runs are queued at once', async () => {
  const fifo = new RealFIFO<KubeObject>({ clock, atomicEvents: true });
  fifo.add(pod('a', { rv: '1' }));
  const held = gate();
  const popping = fifo.pop(() => held.opened);
  await flushMicrotasks();
  fifo.replace([pod('b', { rv: '2' })], '2');
  fifo.resync();
  assert.deepEqual(fifo.items().map(show), ['ReplacedAll b@2 rv=2', 'SyncAll']);
  held.open();
  await popping;
});

test("replace throws a key function's failure as a KeyError, and queues nothing", () => {
  const broken = new Error('custom key failure');
  const keyFunc = (obj: unknown) => {
    if ((obj as KubeObject).metadata?.name === 'bad') throw broken;
    return (obj as KubeObject).metadata!.name!;
  };
  const { fifo } = fifoWith([pod('k', { rv: '1' })], { keyFunc });
  const bad = pod('bad');
  assert.throws(
    () => fifo.replace([pod('a'), bad], '1'),
    (err: unknown) => err instanceof KeyError && err.obj === bad && err.cause === broken,
  );
  assert.equal(fifo.length, 0);
  assert.equal(fifo.hasSynced(), false);
  for (const call of [() => fifo.add(bad), () => fifo.update(bad), () => fifo.delete(bad)]) assert.throws(call, KeyError);
});

test("a key function's KeyError about another object is wrapped: the KeyError holds the object queued (client-go's KeyError{obj, err})", () => {
  const inner = new KeyError('inner failure', 'something else');
  const { fifo } = fifoWith([], {
    keyFunc: () => {
      throw inner;
    },
  });
  const obj = pod('a');
  for (const call of [() => fifo.add(obj), () => fifo.delete(obj), () => fifo.replace([obj], '1')]) {
    assert.throws(call, (err: unknown) => err instanceof KeyError && err.obj === obj && err.cause === inner);
  }
});
