// The reflector's streaming initial sync (client-go's watchList, reflector.go v0.36), on a fake clock: the
// scenarios of client-go's reflector_watchlist_test.go, in our terms.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiStatusError } from '../../../../src/machinery/errors.ts';
import { DeltaFIFO } from '../../../../src/machinery/cache/delta-fifo.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { INITIAL_EVENTS_END_ANNOTATION } from '../../../../src/machinery/cache/list-watch.ts';
import { Reflector, type TransformingStore } from '../../../../src/machinery/cache/reflector.ts';
import { FakeClock } from '../../../../src/machinery/clock.ts';
import { ScriptedListerWatcher } from './fake-lister-watcher.ts';
import { RecordingStore, gone, setup } from './reflector-harness.ts';
import { pod } from './helpers.ts';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
after(() => assert.deepEqual(unhandled, [], 'no unhandled rejections'));

const WATCH_LIST = { resourceVersionMatch: 'NotOlderThan', sendInitialEvents: true, allowWatchBookmarks: true };

function initialEventsEnd(rv: string, value = 'true'): KubeObject {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: rv, annotations: { [INITIAL_EVENTS_END_ANNOTATION]: value } } };
}

function watchListSetup(options: Parameters<typeof setup>[0] = {}, store?: Parameters<typeof setup>[1]) {
  return setup(options, store, true);
}

const invalid = () =>
  new ApiStatusError({
    code: 422,
    reason: 'Invalid',
    message:
      'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
  });

test('syncs with one watch request (sendInitialEvents, NotOlderThan, RV "") and no list', async () => {
  const t = watchListSetup();
  await t.start();
  assert.equal(t.lw.listCalls.length, 0);
  assert.equal(t.lw.watchCalls.length, 1);
  const { timeoutSeconds, ...rest } = t.lw.watchCalls[0]!;
  assert.deepEqual(rest, { resourceVersion: '', ...WATCH_LIST });
  assert.equal(timeoutSeconds, 300);
  assert.equal(t.reflector.usesWatchList(), true);
  await t.stop();
});

test('initial events fill a temporary store; the initial-events-end bookmark replaces the store once, at its version', async () => {
  const t = watchListSetup();
  await t.start();
  const w = t.lw.current;
  w.emit('ADDED', pod('p1', { rv: '1' }));
  w.emit('ADDED', pod('p2', { rv: '2' }));
  w.emit('MODIFIED', pod('p1', { rv: '3' }));
  w.emit('ADDED', pod('p3', { rv: '4' }));
  w.emit('DELETED', pod('p3', { rv: '5' }));
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops, [], 'nothing reaches the real store before the bookmark');
  assert.equal(t.reflector.lastSyncResourceVersion(), '');
  w.emit('BOOKMARK', initialEventsEnd('5'));
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops, ['replace [p1,p2] @5']);
  assert.equal(t.reflector.lastSyncResourceVersion(), '5');
  assert.deepEqual(t.actions('watch-list-synced')[0]!.data, { reflector: 'reflector', count: 2, resourceVersion: '5' });
  // The same stream carries on as the watch: no new request, events go straight to the store.
  w.emit('ADDED', pod('p4', { rv: '6' }));
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls.length, 1);
  assert.deepEqual(t.store.ops.slice(1), ['add p4']);
  assert.equal(t.reflector.lastSyncResourceVersion(), '6');
  await t.stop();
});

test('a bookmark whose annotation is not "true" does not end the initial state', async () => {
  const t = watchListSetup();
  await t.start();
  t.lw.current.emit('ADDED', pod('p1', { rv: '1' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('2', 'false'));
  t.lw.current.emit('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '3' } });
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops, []);
  await t.stop();
});

test('a stream that ends before the bookmark is requested again with a clean temporary store, still from ""', async () => {
  const t = watchListSetup();
  await t.start();
  t.lw.current.emit('ADDED', pod('gone-meanwhile', { rv: '1' }));
  await t.clock.advance(2_000);
  t.lw.current.end();
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls.length, 2, 'at once: a closed stream is not a failure');
  assert.equal(t.actions('backoff').length, 0);
  assert.deepEqual(t.lw.watchCalls[1]!.resourceVersion, '');
  t.lw.current.emit('ADDED', pod('p1', { rv: '2' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('2'));
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops, ['replace [p1] @2']);
  await t.stop();
});

test('the server rejecting watch-list (422) falls back to list then watch for this round, and tries watch-list again next round', async () => {
  const t = watchListSetup();
  t.lw.resourceVersion = '8';
  t.lw.scriptWatch(invalid());
  await t.start();
  assert.equal(t.actions('watch-list-fallback').length, 1);
  assert.deepEqual(t.lw.listCalls, [{ resourceVersion: '0', limit: 500 }]);
  assert.equal(t.lw.watchCalls.length, 2);
  const { timeoutSeconds: _t, ...plain } = t.lw.watchCalls[1]!;
  assert.deepEqual(plain, { resourceVersion: '8', allowWatchBookmarks: true });
  assert.deepEqual(t.store.ops, ['replace [] @8']);
  // A 410 ends the round; the next one starts with watch-list again, from the last version.
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(800);
  assert.equal(t.lw.watchCalls.length, 3);
  assert.deepEqual(t.lw.watchCalls[2], { resourceVersion: '8', ...WATCH_LIST, timeoutSeconds: 300 });
  await t.stop();
});

test('any other watch-list failure (an undecodable stream, a very short watch) also falls back to a list', async () => {
  const t = watchListSetup();
  await t.start();
  t.lw.current.end(); // under a second, no event
  await t.clock.advance(0);
  assert.equal(t.actions('watch-list-fallback').length, 1);
  assert.match(String(t.actions('watch-list-fallback')[0]!.data!.error), /very short watch/);
  assert.equal(t.lw.listCalls.length, 1);
  await t.stop();
});

test('429 and refused connections back off and retry the watch-list itself', async () => {
  const t = watchListSetup();
  t.lw.scriptWatch(new ApiStatusError({ code: 429, message: 'busy' }), Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  await t.start();
  assert.equal(t.lw.watchCalls.length, 1);
  await t.clock.advance(800);
  assert.equal(t.lw.watchCalls.length, 2);
  await t.clock.advance(1600);
  assert.equal(t.lw.watchCalls.length, 3);
  assert.ok(t.lw.watchCalls.every((c) => c.sendInitialEvents === true));
  assert.equal(t.lw.listCalls.length, 0);
  await t.stop();
});

test('after the sync, a closed stream is followed by a plain watch from the last version', async () => {
  const t = watchListSetup();
  await t.start();
  t.lw.current.emit('ADDED', pod('p1', { rv: '1' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('2'));
  t.lw.current.emit('ADDED', pod('p3', { rv: '3' }));
  await t.clock.advance(5_000);
  t.lw.current.end();
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls.length, 2);
  const { timeoutSeconds: _t, ...plain } = t.lw.watchCalls[1]!;
  assert.deepEqual(plain, { resourceVersion: '3', allowWatchBookmarks: true });
  t.lw.current.emit('ADDED', pod('p4', { rv: '4' }));
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops, ['replace [p1] @2', 'add p3', 'add p4']);
  await t.stop();
});

test('after a 410 on the watch the next watch-list asks from the last version; a 410 to that asks from "" at once', async () => {
  const t = watchListSetup();
  await t.start();
  t.lw.current.emit('ADDED', pod('p1', { rv: '1' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('2'));
  t.lw.current.emit('MODIFIED', pod('p1', { rv: '3' }));
  await t.clock.advance(0);
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(800);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '3', 'not unavailable yet: NotOlderThan 3 is served by the watch cache');
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls.length, 3);
  assert.equal(t.lw.watchCalls[2]!.resourceVersion, '');
  assert.deepEqual(
    t.actions('expired-relist').map((e) => e.data!.phase),
    ['watch', 'watch-list'],
  );
  t.lw.current.emit('ADDED', pod('p1', { rv: '9' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('9'));
  await t.clock.advance(0);
  assert.equal(t.store.ops.at(-1), 'replace [p1] @9');
  // Synced again: the version is usable again.
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(1600);
  assert.equal(t.lw.watchCalls.at(-1)!.resourceVersion, '9');
  assert.equal(t.lw.listCalls.length, 0);
  await t.stop();
});

test('the watch request after a watch-list sync answering 410 ends the round with that error', async () => {
  const seen: unknown[] = [];
  const t = watchListSetup({ watchErrorHandler: (err) => seen.push(err) });
  await t.start();
  t.lw.current.emit('ADDED', pod('p1', { rv: '1' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('2'));
  t.lw.current.emit('ADDED', pod('p3', { rv: '3' }));
  await t.clock.advance(5_000);
  t.lw.scriptWatch(gone());
  t.lw.current.end();
  await t.clock.advance(0);
  assert.equal(seen.length, 1);
  assert.equal((seen[0] as ApiStatusError).code, 410);
  await t.stop();
});

test("a DeltaFIFO offers its transformer (client-go's TransformingStore)", () => {
  const transform = (o: KubeObject) => o;
  assert.equal(new DeltaFIFO<KubeObject>({ transform }).transformer(), transform);
  assert.equal(new DeltaFIFO<KubeObject>().transformer(), undefined);
});

test("the temporary store applies the store's transformer", async () => {
  const seen: KubeObject[] = [];
  const store: TransformingStore<KubeObject> = {
    add: () => {},
    update: () => {},
    delete: () => {},
    resync: () => {},
    replace: (list: KubeObject[]) => void seen.push(...list),
    transformer: () => (o: KubeObject) => ({ ...o, transformed: true }),
  };
  const t = watchListSetup({}, store);
  await t.start();
  t.lw.current.emit('ADDED', pod('p1', { rv: '1' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('1'));
  await t.clock.advance(0);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.transformed, true);
  await t.stop();
});

test('watch-list is skipped when turned off or when the transport cannot do it', async () => {
  const off = watchListSetup({ useWatchList: false });
  await off.start();
  assert.equal(off.lw.listCalls.length, 1);
  assert.equal(off.lw.watchCalls[0]!.sendInitialEvents, undefined);
  await off.stop();
  const unsupported = setup();
  await unsupported.start();
  assert.equal(unsupported.reflector.usesWatchList(), false);
  assert.equal(unsupported.lw.listCalls.length, 1);
  await unsupported.stop();
});

test('an initial stream silent past the idle timeout is abandoned and requested again', async () => {
  const t = watchListSetup({ idleTimeoutMs: 60_000 });
  await t.start();
  const first = t.lw.current;
  first.emit('ADDED', pod('p1', { rv: '1' }));
  await t.clock.advance(60_000);
  assert.equal(first.closed, true);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.equal(t.lw.watchCalls[1]!.sendInitialEvents, true);
  await t.stop();
});

test('aborting during the initial stream closes it and leaves no timer', async () => {
  const t = watchListSetup({ resyncPeriodMs: 30_000 });
  await t.start();
  const w = t.lw.current;
  w.emit('ADDED', pod('p1', { rv: '1' }));
  await t.clock.advance(1_000);
  await t.stop();
  assert.equal(w.closed, true);
  assert.equal(t.clock.pendingTimers(), 0);
  assert.deepEqual(t.store.ops, []);
});

test('resync ticks only once synced, and restart with each round', async () => {
  const t = watchListSetup({ resyncPeriodMs: 10_000 });
  await t.start();
  await t.clock.advance(15_000);
  assert.deepEqual(t.store.ops, [], 'no resync while the initial state streams');
  t.lw.current.emit('BOOKMARK', initialEventsEnd('1'));
  await t.clock.advance(10_000);
  assert.deepEqual(t.store.ops, ['replace [] @1', 'resync']);
  await t.stop();
});

test('a handed-over stream is timed from the hand-over: closed right after the bookmark it is a very short watch, then back off and watch-list again', async () => {
  const seen: unknown[] = [];
  const t = watchListSetup({ watchErrorHandler: (err) => seen.push(err) });
  await t.start();
  t.lw.current.emit('ADDED', pod('p1', { rv: '1' }));
  await t.clock.advance(5_000); // the initial events took a while
  t.lw.current.emit('BOOKMARK', initialEventsEnd('2'));
  await t.clock.advance(0);
  t.lw.current.end();
  await t.clock.advance(0);
  assert.match(String(t.actions('watch-ended')[0]!.data!.error), /very short watch/);
  assert.equal(t.lw.watchCalls.length, 1, 'not re-watched at once');
  await t.clock.advance(800);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.deepEqual(t.lw.watchCalls[1], { resourceVersion: '2', ...WATCH_LIST, timeoutSeconds: 300 });
  assert.deepEqual(seen, []);
  await t.stop();
});

test('stopped right as the watch-list hands its stream over, the reflector still closes that stream', async () => {
  const stop = new AbortController();
  // A store that asks to stop while it takes the initial events in.
  class StoppingStore extends RecordingStore {
    override replace(list: KubeObject[], rv: string): void {
      super.replace(list, rv);
      queueMicrotask(() => stop.abort());
    }
  }
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher();
  lw.watchListSupported = true;
  const running = new Reflector(lw, new StoppingStore(), { clock, random: () => 0 }).run(stop.signal);
  await clock.advance(0);
  const stream = lw.current;
  stream.emit('ADDED', pod('a', { rv: '3' }));
  stream.emit('BOOKMARK', initialEventsEnd('3'));
  await clock.advance(0);
  await running;
  assert.equal(stream.closed, true);
});

test('updateResourceVersion hears nothing of the initial events nor the sync, then each version of the handed-over stream', async () => {
  const versions: string[] = [];
  const store = Object.assign(new RecordingStore(), { updateResourceVersion: (rv: string) => void versions.push(rv) });
  const t = watchListSetup({}, store);
  await t.start();
  t.lw.current.emit('ADDED', pod('p1', { rv: '1' }));
  t.lw.current.emit('MODIFIED', pod('p1', { rv: '2' }));
  t.lw.current.emit('BOOKMARK', initialEventsEnd('2'));
  await t.clock.advance(0);
  assert.deepEqual(versions, []);
  t.lw.current.emit('ADDED', pod('p3', { rv: '3' }));
  await t.clock.advance(0);
  assert.deepEqual(versions, ['3']);
  await t.stop();
});
