import { test as nodeTest, after } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/machinery/clock.ts';
import { RecordingTracer } from '../../../../src/machinery/trace.ts';
import { ApiStatusError } from '../../../../src/machinery/errors.ts';
import { metaNamespaceIndexFunc, namespaceIndex } from '../../../../src/machinery/cache/indexer.ts';
import { DeletedFinalStateUnknown } from '../../../../src/machinery/cache/keys.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { INITIAL_EVENTS_END_ANNOTATION } from '../../../../src/machinery/cache/list-watch.ts';
import type { ResourceEventHandler } from '../../../../src/machinery/cache/processor-listener.ts';
import { SharedIndexInformer } from '../../../../src/machinery/cache/shared-informer.ts';
import type { SharedIndexInformerOptions } from '../../../../src/machinery/cache/shared-informer.ts';
import { waitForCacheSync } from '../../../../src/machinery/cache/wait-for-cache-sync.ts';
import { ScriptedListerWatcher } from './fake-lister-watcher.ts';
import { pod } from './helpers.ts';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
after(() => assert.deepEqual(unhandled, [], 'no unhandled rejections'));

/** A handler that writes what it is told as short strings: `add a@1 initial`, `update a@1->a@2`, `delete a`. */
function recorder(log: string[] = []): ResourceEventHandler<KubeObject> & { log: string[] } {
  const id = (o: KubeObject) => `${o.metadata!.name}@${o.metadata!.resourceVersion}`;
  return {
    log,
    onAdd: (obj, initial) => void log.push(`add ${id(obj)}${initial ? ' initial' : ''}`),
    onUpdate: (oldObj, newObj) => void log.push(`update ${id(oldObj)}->${id(newObj)}`),
    onDelete: (obj) => void log.push(obj instanceof DeletedFinalStateUnknown ? `delete ${obj.key} (tombstone)` : `delete ${obj.metadata!.name}`),
  };
}

/** Every informer test runs on each queue the informer can be built on. */
const FIFOS: { label: string; options: SharedIndexInformerOptions<KubeObject> }[] = [
  { label: 'RealFIFO, atomic events, batches (client-go 1.36)', options: { fifo: 'real' } },
  { label: 'RealFIFO, per-object events, one at a time', options: { fifo: 'real', realFIFO: { atomicEvents: false, batch: false } } },
  { label: 'DeltaFIFO', options: { fifo: 'delta' } },
];
let fifo = FIFOS[0]!;
function test(name: string, fn: () => Promise<void>): void {
  for (const f of FIFOS) {
    nodeTest(`${name} [${f.label}]`, async () => {
      fifo = f;
      await fn();
    });
  }
}

function setup(defaultResyncMs = 0, options: SharedIndexInformerOptions<KubeObject> = {}) {
  const clock = new FakeClock();
  const tracer = new RecordingTracer();
  const lw = new ScriptedListerWatcher<KubeObject>();
  const informer = new SharedIndexInformer<KubeObject>(lw, 'Pod', defaultResyncMs, {
    clock,
    tracer,
    indexers: { [namespaceIndex]: metaNamespaceIndexFunc },
    reflector: { random: () => 0 },
    ...fifo.options,
    ...options,
  });
  const ctrl = new AbortController();
  let done: Promise<void> | undefined;
  return {
    clock,
    tracer,
    lw,
    informer,
    start: async () => {
      done = informer.run(ctrl.signal);
      await clock.advance(0);
    },
    stop: async () => {
      ctrl.abort();
      await clock.advance(0);
      await done;
    },
  };
}

test('the initial list reaches handlers as initial adds, and the informer and registration report synced', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { ns: 'n', rv: '1' }), pod('b', { ns: 'n', rv: '1' })];
  const h = recorder();
  const reg = t.informer.addEventHandler(h);
  assert.equal(t.informer.hasSynced(), false);
  assert.equal(reg.hasSynced(), false);
  await t.start();
  assert.deepEqual(h.log, ['add a@1 initial', 'add b@1 initial']);
  assert.equal(t.informer.hasSynced(), true);
  assert.equal(reg.hasSynced(), true);
  assert.equal(t.informer.lastSyncResourceVersion(), '1');
  assert.equal(t.informer.getIndexer().byIndex(namespaceIndex, 'n').length, 2);
  await t.stop();
});

test('onUpdate receives the previously cached object as old', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { rv: '1' })];
  const h = recorder();
  t.informer.addEventHandler(h);
  await t.start();
  t.lw.current.emit('MODIFIED', pod('a', { rv: '2' }));
  t.lw.current.emit('MODIFIED', pod('a', { rv: '3' }));
  t.lw.current.emit('ADDED', pod('b', { rv: '4' }));
  t.lw.current.emit('DELETED', pod('a', { rv: '5' }));
  await t.clock.advance(0);
  assert.deepEqual(h.log.slice(1), ['update a@1->a@2', 'update a@2->a@3', 'add b@4', 'delete a']);
  assert.deepEqual(t.informer.getStore().listKeys(), ['b']);
  await t.stop();
});

test('a deletion missed during a 410 relist reaches handlers as a tombstone', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { ns: 'n', rv: '1' }), pod('b', { ns: 'n', rv: '1' })];
  const h = recorder();
  t.informer.addEventHandler(h);
  await t.start();
  t.lw.objects = [pod('a', { ns: 'n', rv: '1' })];
  t.lw.resourceVersion = '9';
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
  // The relist follows the reflector's backoff: 800 ms plus up to as much again of jitter.
  await t.clock.advance(1600);
  // 'a' came back unchanged: a sync-type update, which every handler gets until resync checks begin. The
  // RealFIFO delivers the tombstone first (client-go's reconcileReplacement); the DeltaFIFO after the list.
  const expected = ['update a@1->a@1', 'delete n/b (tombstone)'];
  assert.deepEqual(h.log.slice(2), fifo.options.fifo === 'delta' ? expected : expected.reverse());
  assert.deepEqual(t.informer.getStore().listKeys(), ['n/a']);
  await t.stop();
});

function initialEventsEnd(rv: string): KubeObject {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: rv, annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } } };
}

test('a watch-list sync: nothing reaches the queue before the initial-events-end bookmark, then initial adds, and the sync checker is done', async () => {
  const t = setup();
  t.lw.watchListSupported = true;
  const h = recorder();
  t.informer.addEventHandler(h);
  const checker = t.informer.hasSyncedChecker();
  await t.start();
  const w = t.lw.current;
  w.emit('ADDED', pod('a', { ns: 'n', rv: '3' }));
  w.emit('ADDED', pod('b', { ns: 'n', rv: '4' }));
  await t.clock.advance(0);
  assert.deepEqual(h.log, []);
  assert.equal(checker.isDone(), false);
  w.emit('BOOKMARK', initialEventsEnd('7'));
  await checker.done();
  await t.clock.advance(0);
  assert.equal(t.lw.listCalls.length, 0);
  assert.deepEqual(h.log, ['add a@3 initial', 'add b@4 initial']);
  assert.equal(t.informer.lastSyncResourceVersion(), '7');
  // The same stream goes on as the watch: changes now, in order.
  w.emit('MODIFIED', pod('a', { ns: 'n', rv: '8' }));
  w.emit('DELETED', pod('b', { ns: 'n', rv: '9' }));
  await t.clock.advance(0);
  assert.deepEqual(h.log.slice(2), ['update a@3->a@8', 'delete b']);
  await t.stop();
});

test("bookmarks after the initial state reach the RealFIFO as Bookmark entries (atomic events only); the watch-list's own do not", async () => {
  const t = setup();
  t.lw.watchListSupported = true;
  t.informer.addEventHandler(recorder());
  await t.start();
  const w = t.lw.current;
  w.emit('ADDED', pod('a', { rv: '3' }));
  w.emit('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '5' } });
  w.emit('BOOKMARK', initialEventsEnd('6'));
  await t.clock.advance(0);
  w.emit('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '10' } });
  await t.clock.advance(0);
  const bookmarks = t.tracer.events.filter((e) => e.component === 'informer' && e.action === 'bookmark').map((e) => e.data!.resourceVersion);
  const atomic = fifo.options.fifo === 'real' && fifo.options.realFIFO?.atomicEvents !== false;
  assert.deepEqual(bookmarks, atomic ? ['10'] : []);
  assert.equal(t.informer.lastSyncResourceVersion(), '10');
  await t.stop();
});

test('after a 410 the relist is a watch-list from the last version; a deletion it reveals is a tombstone, in each queue order', async () => {
  const t = setup();
  t.lw.watchListSupported = true;
  const h = recorder();
  t.informer.addEventHandler(h);
  await t.start();
  t.lw.current.emit('ADDED', pod('a', { ns: 'n', rv: '1' }));
  t.lw.current.emit('ADDED', pod('b', { ns: 'n', rv: '2' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('5'));
  await t.clock.advance(0);
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
  await t.clock.advance(1600);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '5');
  assert.equal(t.lw.watchCalls[1]!.sendInitialEvents, true);
  t.lw.current.emit('ADDED', pod('a', { ns: 'n', rv: '1' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('12'));
  await t.clock.advance(0);
  const expected = ['update a@1->a@1', 'delete n/b (tombstone)'];
  assert.deepEqual(h.log.slice(2), fifo.options.fifo === 'delta' ? expected : expected.reverse());
  assert.deepEqual(t.informer.getStore().listKeys(), ['n/a']);
  assert.equal(t.lw.listCalls.length, 0);
  await t.stop();
});

test('with watch-list the transform runs in the temporary store and again when the queue takes the list, as client-go (transforms must be idempotent)', async () => {
  let calls = 0;
  const t = setup(0, {
    transform: (o) => {
      calls++;
      return { ...o, metadata: { ...o.metadata, labels: { seen: 'yes' } } };
    },
  });
  t.lw.watchListSupported = true;
  const h = recorder();
  t.informer.addEventHandler(h);
  await t.start();
  t.lw.current.emit('ADDED', pod('a', { rv: '1' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('2'));
  await t.clock.advance(0);
  assert.equal(calls, 2);
  assert.deepEqual(t.informer.getStore().list()[0]!.metadata!.labels, { seen: 'yes' });
  t.lw.current.emit('ADDED', pod('b', { rv: '3' }));
  await t.clock.advance(0);
  assert.equal(calls, 3, 'a watch event is transformed once');
  await t.stop();
});

test('a handler added after start first gets an initial add for every cached object, then live events', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { rv: '1' }), pod('b', { rv: '1' })];
  await t.start();
  const late = recorder();
  const reg = t.informer.addEventHandler(late);
  assert.equal(reg.hasSynced(), false, 'not synced until the replayed adds are delivered');
  t.lw.current.emit('ADDED', pod('c', { rv: '2' }));
  await t.clock.advance(0);
  assert.deepEqual(late.log, ['add a@1 initial', 'add b@1 initial', 'add c@2']);
  assert.equal(reg.hasSynced(), true);
  await t.stop();
});

test('a slow handler does not delay a fast one, nor the cache', async () => {
  const t = setup();
  t.lw.objects = [];
  const fast = recorder();
  const slowLog: string[] = [];
  t.informer.addEventHandler({
    onAdd: async (obj) => {
      await t.clock.sleep(10_000);
      slowLog.push(obj.metadata!.name!);
    },
  });
  t.informer.addEventHandler(fast);
  await t.start();
  for (const name of ['x', 'y', 'z']) t.lw.current.emit('ADDED', pod(name, { rv: '2' }));
  await t.clock.advance(0);
  assert.deepEqual(fast.log, ['add x@2', 'add y@2', 'add z@2']);
  assert.equal(t.informer.getStore().list().length, 3);
  assert.deepEqual(slowLog, []);
  await t.clock.advance(10_000);
  assert.deepEqual(slowLog, ['x']);
  await t.clock.advance(20_000);
  assert.deepEqual(slowLog, ['x', 'y', 'z']);
  await t.stop();
});

test('resync delivers updates only to handlers whose resync period is due', async () => {
  const t = setup(10_000);
  t.lw.objects = [pod('a', { rv: '1' })];
  const every10 = recorder();
  const never = recorder();
  const every20 = recorder();
  t.informer.addEventHandler(every10);
  t.informer.addEventHandler(never, { resyncPeriodMs: 0 });
  t.informer.addEventHandler(every20, { resyncPeriodMs: 20_000 });
  await t.start();
  await t.clock.advance(10_000);
  assert.deepEqual(every10.log, ['add a@1 initial', 'update a@1->a@1']);
  assert.deepEqual(every20.log, ['add a@1 initial']);
  await t.clock.advance(10_000);
  assert.deepEqual(every10.log.length, 3);
  assert.deepEqual(every20.log, ['add a@1 initial', 'update a@1->a@1']);
  assert.deepEqual(never.log, ['add a@1 initial']);
  // Real changes still reach everyone.
  t.lw.current.emit('MODIFIED', pod('a', { rv: '2' }));
  await t.clock.advance(0);
  assert.equal(never.log.at(-1), 'update a@1->a@2');
  await t.stop();
});

test('per-handler resync periods have a 1 s floor and never undercut the running informer check period', async () => {
  const t = setup(60_000);
  t.lw.objects = [pod('a', { rv: '1' })];
  const tiny = recorder();
  t.informer.addEventHandler(tiny, { resyncPeriodMs: 10 }); // raised to 1 s; the check period follows before start
  await t.start();
  await t.clock.advance(1_000);
  assert.equal(tiny.log.length, 2);
  const lateFast = recorder();
  t.informer.addEventHandler(lateFast, { resyncPeriodMs: 500 }); // started: raised to the 1 s check period
  await t.clock.advance(1_000);
  assert.equal(lateFast.log.length, 2, 'initial add + one resync after 1 s');
  await t.stop();
});

/** A handler that records when (by the fake clock) it was told of each resync. */
function resyncTimes(clock: FakeClock): ResourceEventHandler<KubeObject> & { at: number[] } {
  const at: number[] = [];
  return { at, onUpdate: () => void at.push(clock.now()) };
}

test('a handler resyncs at the first check on or after its deadline, never before (periods not multiples of the check)', async () => {
  const t = setup(1_000);
  t.lw.objects = [pod('a', { rv: '1' })];
  const a = resyncTimes(t.clock);
  const b = resyncTimes(t.clock);
  t.informer.addEventHandler(a);
  t.informer.addEventHandler(b, { resyncPeriodMs: 2_100 });
  await t.start();
  for (let i = 0; i < 10; i++) await t.clock.advance(1_000);
  assert.deepEqual(
    a.at,
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => s * 1_000),
  );
  assert.deepEqual(b.at, [3_000, 6_000, 9_000], 'due at 2.1 s: the 3 s check, then 6 s and 9 s');
  await t.stop();
});

test('a handler added half a second after start is not due at the first check, one period minus 0.5 s later', async () => {
  const t = setup(10_000);
  t.lw.objects = [pod('a', { rv: '1' })];
  await t.start();
  await t.clock.advance(500);
  const b = resyncTimes(t.clock);
  t.informer.addEventHandler(b, { resyncPeriodMs: 10_000 });
  await t.clock.advance(19_500);
  assert.deepEqual(b.at, [20_000]);
  await t.stop();
});

test('removeEventHandler stops delivery, including what was already pending', async () => {
  const t = setup();
  t.lw.objects = [];
  const log: string[] = [];
  const reg = t.informer.addEventHandler({
    onAdd: async (obj) => {
      await t.clock.sleep(1_000);
      log.push(obj.metadata!.name!);
    },
  });
  const other = recorder();
  t.informer.addEventHandler(other);
  await t.start();
  t.lw.current.emit('ADDED', pod('x', { rv: '2' }));
  t.lw.current.emit('ADDED', pod('y', { rv: '3' }));
  await t.clock.advance(0);
  t.informer.removeEventHandler(reg);
  t.informer.removeEventHandler(reg); // twice is harmless
  await t.clock.advance(5_000);
  t.lw.current.emit('ADDED', pod('z', { rv: '4' }));
  await t.clock.advance(5_000);
  assert.deepEqual(log, ['x'], 'the call in flight finishes; nothing after it is delivered');
  assert.deepEqual(other.log, ['add x@2', 'add y@3', 'add z@4']);
  await t.stop();
});

test('removing a registration from another informer removes nothing there or in its own informer', async () => {
  const t1 = setup();
  const t2 = setup();
  t1.lw.objects = [];
  t2.lw.objects = [];
  const first = recorder();
  const second = recorder();
  const reg1 = t1.informer.addEventHandler(first);
  t1.informer.addEventHandler(second);
  const other = recorder();
  t2.informer.addEventHandler(other); // numbered 1 in its own informer, as reg1 is in t1
  await t1.start();
  await t2.start();
  t2.informer.removeEventHandler(reg1);
  t1.lw.current.emit('ADDED', pod('x', { rv: '2' }));
  t2.lw.current.emit('ADDED', pod('y', { rv: '2' }));
  await t1.clock.advance(0);
  await t2.clock.advance(0);
  assert.deepEqual(first.log, ['add x@2']);
  assert.deepEqual(second.log, ['add x@2']);
  assert.deepEqual(other.log, ['add y@2']);
  await t1.stop();
  await t2.stop();
});

test('removeEventHandler ignores what is not a registration of this informer, without throwing', async () => {
  const t = setup();
  t.lw.objects = [];
  const h = recorder();
  const reg = t.informer.addEventHandler(h);
  await t.start();
  for (const bogus of [undefined, null, 1, {}, { handle: reg.handle }, { ...reg }]) {
    assert.doesNotThrow(() => t.informer.removeEventHandler(bogus as never));
  }
  t.lw.current.emit('ADDED', pod('x', { rv: '2' }));
  await t.clock.advance(0);
  assert.deepEqual(h.log, ['add x@2']);
  await t.stop();
});

test('a handler removed before start never syncs, even once the informer has', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { rv: '1' })];
  const h = recorder();
  const reg = t.informer.addEventHandler(h);
  t.informer.removeEventHandler(reg);
  await t.start();
  assert.equal(t.informer.hasSynced(), true);
  assert.deepEqual(h.log, []);
  assert.equal(reg.hasSynced(), false);
  assert.equal(reg.hasSyncedChecker().isDone(), false);
  await t.stop();
  assert.equal(reg.hasSynced(), false);
});

test('a handler removed while inside its initial add syncs once that add returns', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { rv: '1' })];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const added: string[] = [];
  const reg = t.informer.addEventHandler({
    onAdd: async (obj) => {
      await released;
      added.push(obj.metadata!.name!);
    },
  });
  await t.start();
  assert.equal(t.informer.hasSynced(), true);
  assert.equal(reg.hasSynced(), false, 'its initial add has not returned');
  t.informer.removeEventHandler(reg);
  release();
  await reg.hasSyncedChecker().done();
  assert.deepEqual(added, ['a']);
  assert.equal(reg.hasSynced(), true);
  await t.stop();
});

test('a handler inside its initial add when the informer stops syncs once that add returns; one stopped before the sync never does', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { rv: '1' })];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const reg = t.informer.addEventHandler({ onAdd: () => released });
  await t.start();
  assert.equal(reg.hasSynced(), false);
  const stopping = t.stop();
  // Release only once the informer has stopped its handlers, so the add is still in flight then.
  while (!t.informer.isStopped()) await t.clock.advance(0);
  release();
  await stopping;
  assert.equal(reg.hasSynced(), true);

  const unsynced = setup();
  unsynced.lw.scriptList(new ApiStatusError({ code: 500, message: 'x' }));
  const never = unsynced.informer.addEventHandler(recorder());
  await unsynced.start();
  await unsynced.stop();
  assert.equal(never.hasSynced(), false);
});

test("a registration's checker is done, without polling, once its initial adds returned; then it stays synced", async () => {
  const t = setup();
  t.lw.objects = [pod('a', { rv: '1' }), pod('b', { rv: '1' })];
  await t.start();
  const h = recorder();
  const reg = t.informer.addEventHandler(h);
  assert.equal(reg.hasSyncedChecker().isDone(), false);
  await reg.hasSyncedChecker().done();
  assert.deepEqual(h.log, ['add a@1 initial', 'add b@1 initial']);
  await t.stop();
  assert.equal(reg.hasSynced(), true);
});

test('a handler that throws on its initial adds is reported and its registration still syncs (deliberate difference)', async () => {
  const errors: unknown[] = [];
  const t = setup(0, { onHandlerError: (err) => errors.push(err) });
  t.lw.objects = [pod('a', { rv: '1' })];
  const reg = t.informer.addEventHandler({
    onAdd: () => {
      throw new Error('cannot handle it');
    },
  });
  await t.start();
  assert.equal(errors.length, 1);
  assert.equal(reg.hasSynced(), true);
  await t.stop();
});

test('a throwing handler is reported and keeps receiving; others are unaffected', async () => {
  const errors: unknown[] = [];
  const t = setup(0, { onHandlerError: (err) => errors.push(err) });
  t.lw.objects = [];
  const seen: string[] = [];
  t.informer.addEventHandler({
    onAdd: (obj) => {
      seen.push(obj.metadata!.name!);
      throw new Error(`cannot handle ${obj.metadata!.name}`);
    },
  });
  const other = recorder();
  t.informer.addEventHandler(other);
  await t.start();
  t.lw.current.emit('ADDED', pod('x', { rv: '2' }));
  t.lw.current.emit('ADDED', pod('y', { rv: '3' }));
  await t.clock.advance(0);
  assert.deepEqual(seen, ['x', 'y']);
  assert.equal(errors.length, 2);
  assert.equal(other.log.length, 2);
  assert.equal(t.tracer.events.filter((e) => e.action === 'handler-error').length, 2);
  await t.stop();
});

test('transform applies before caching and handlers', async () => {
  const t = setup();
  t.informer.setTransform((o) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined, labels: { slim: 'yes' } } }));
  t.lw.objects = [pod('a', { rv: '1' })];
  await t.start();
  assert.equal(t.informer.getStore().getByKey('a')?.metadata?.labels?.slim, 'yes');
  await t.stop();
});

test('transform and watch error handler are refused once started; indexers and handlers only once stopped', async () => {
  const t = setup();
  const seen: unknown[] = [];
  t.informer.setWatchErrorHandler((err) => seen.push(err));
  t.informer.addIndexers({ byName: (o) => [o.metadata!.name!] });
  t.lw.scriptList(new ApiStatusError({ code: 500, message: 'x' }));
  await t.start();
  assert.equal(seen.length, 1, 'the watch error handler set before start is used');
  assert.throws(() => t.informer.setTransform((o) => o), /already started/);
  assert.throws(() => t.informer.setWatchErrorHandler(() => {}), /already started/);
  t.informer.addIndexers({ other: () => [] });
  await t.stop();
  assert.equal(t.informer.isStopped(), true);
  assert.throws(() => t.informer.addIndexers({ late: () => [] }), /^Error: indexer was not added because it has stopped already$/);
  assert.throws(() => t.informer.addEventHandler(recorder()), /stopped/);
});

test("a handler added to a stopped informer is refused with client-go's 'stopped already' error; removing one is still harmless", async () => {
  const t = setup();
  const reg = t.informer.addEventHandler(recorder());
  await t.start();
  await t.stop();
  // client-go's TestAddOnStoppedSharedInformer checks this suffix; its TestSharedInformerHandlerAbuse matches 'stopped already'.
  assert.throws(
    () => t.informer.addEventHandler(recorder()),
    (err: Error) => err.message.endsWith('was not added to shared informer because it has stopped already'),
  );
  assert.doesNotThrow(() => t.informer.removeEventHandler(reg));
});

test('an index added while running covers what is already cached and what comes later', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { rv: '1', labels: { tier: 'web' } }), pod('b', { rv: '1', labels: { tier: 'db' } })];
  await t.start();
  t.informer.addIndexers({ tier: (o) => [o.metadata!.labels?.tier ?? ''] });
  const names = (tier: string) =>
    t.informer
      .getIndexer()
      .byIndex('tier', tier)
      .map((o) => o.metadata!.name)
      .sort();
  assert.deepEqual(names('web'), ['a']);
  t.lw.current.emit('ADDED', pod('c', { rv: '2', labels: { tier: 'web' } }));
  await t.clock.advance(0);
  assert.deepEqual(names('web'), ['a', 'c']);
  assert.throws(() => t.informer.addIndexers({ tier: () => [] }), /conflict/);
  await t.stop();
});

test('run resolves after abort with every timer cancelled and handler loops ended', async () => {
  const t = setup(30_000);
  t.lw.objects = [pod('a', { rv: '1' })];
  const h = recorder();
  t.informer.addEventHandler(h);
  await t.start();
  await t.stop();
  assert.equal(t.clock.pendingTimers(), 0);
  assert.equal(t.lw.current.closed, true);
  await t.clock.advance(1_000_000);
  assert.equal(h.log.length, 1);
});

test('waitForCacheSync resolves true once synced, polling every 100 ms, and false when stopped', async () => {
  const clock = new FakeClock();
  let synced = false;
  const ctrl = new AbortController();
  let result: boolean | undefined;
  void waitForCacheSync(
    { signal: ctrl.signal, clock },
    () => true,
    () => synced,
  ).then((r) => (result = r));
  await clock.advance(250);
  assert.equal(result, undefined);
  synced = true;
  await clock.advance(49);
  assert.equal(result, undefined, 'next poll at 300 ms');
  await clock.advance(1);
  assert.equal(result, true);

  const ctrl2 = new AbortController();
  const never = waitForCacheSync({ signal: ctrl2.signal, clock }, () => false);
  await clock.advance(1_000);
  ctrl2.abort();
  assert.equal(await never, false);
  assert.equal(clock.pendingTimers(), 0);
  ctrl.abort();
});

test('waitForCacheSync on an informer', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { rv: '1' })];
  const ctrl = new AbortController();
  const waiting = waitForCacheSync({ signal: ctrl.signal, clock: t.clock }, () => t.informer.hasSynced());
  await t.start();
  await t.clock.advance(100);
  assert.equal(await waiting, true);
  await t.stop();
});

test('a watched update that keeps its resourceVersion counts as a resync: only handlers due one get it', async () => {
  const t = setup(10_000);
  t.lw.objects = [pod('a', { rv: '1' })];
  const every10 = recorder();
  const never = recorder();
  t.informer.addEventHandler(every10);
  t.informer.addEventHandler(never, { resyncPeriodMs: 0 });
  await t.start();
  // A first resync check narrows resync-only deliveries to the handlers that were due (here: every10).
  await t.clock.advance(10_000);
  assert.deepEqual(never.log, ['add a@1 initial']);
  // client-go's OnUpdate compares resourceVersions only, whatever the delta type.
  t.lw.current.emit('MODIFIED', pod('a', { rv: '1' }));
  await t.clock.advance(0);
  assert.deepEqual(never.log, ['add a@1 initial']);
  assert.deepEqual(every10.log, ['add a@1 initial', 'update a@1->a@1', 'update a@1->a@1']);
  await t.stop();
});
