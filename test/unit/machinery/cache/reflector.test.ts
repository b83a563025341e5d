import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiStatusError } from '../../../../src/machinery/errors.ts';
import { newIndexer } from '../../../../src/machinery/cache/cache.ts';
import { DeltaFIFO } from '../../../../src/machinery/cache/delta-fifo.ts';
import { DeletedFinalStateUnknown } from '../../../../src/machinery/cache/keys.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { gone, RecordingStore, setup } from './reflector-harness.ts';
import { pod } from './helpers.ts';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
after(() => assert.deepEqual(unhandled, [], 'no unhandled rejections'));

test('lists at resourceVersion "0", replaces the store, then watches from the list version with bookmarks', async () => {
  const t = setup();
  t.lw.objects = [pod('a', { ns: 'n', rv: '5' })];
  t.lw.resourceVersion = '10';
  await t.start();
  assert.deepEqual(t.lw.listCalls, [{ resourceVersion: '0', limit: 500 }]);
  assert.deepEqual(t.store.ops, ['replace [n/a] @10']);
  assert.equal(t.reflector.lastSyncResourceVersion(), '10');
  assert.equal(t.lw.watchCalls.length, 1);
  const w = t.lw.watchCalls[0]!;
  assert.equal(w.resourceVersion, '10');
  assert.equal(w.allowWatchBookmarks, true);
  assert.equal(w.timeoutSeconds, 300, 'random 0 gives the low end of 5..10 min');
  assert.deepEqual(t.actions('listed')[0]!.data, { reflector: 'reflector', count: 1, resourceVersion: '10', pages: 1 });
  await t.stop();
});

test('the watch timeout is drawn between 5 and 10 minutes', async () => {
  const t = setup({ random: () => 0.999 });
  await t.start();
  const s = t.lw.watchCalls[0]!.timeoutSeconds!;
  assert.ok(s >= 300 && s < 600, String(s));
  await t.stop();
});

test('selectors are passed on to list and watch', async () => {
  const t = setup({ labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' });
  await t.start();
  assert.equal(t.lw.listCalls[0]!.labelSelector, 'app=web');
  assert.equal(t.lw.listCalls[0]!.fieldSelector, 'spec.nodeName=n1');
  assert.equal(t.lw.watchCalls[0]!.labelSelector, 'app=web');
  assert.equal(t.lw.watchCalls[0]!.fieldSelector, 'spec.nodeName=n1');
  await t.stop();
});

test('follows continue tokens and replaces once with all pages', async () => {
  const t = setup({ pageSize: 2 });
  t.lw.scriptList(
    { items: [pod('a'), pod('b')], metadata: { resourceVersion: '7', continue: 'c1' } },
    { items: [pod('c')], metadata: { resourceVersion: '7' } },
  );
  await t.start();
  assert.deepEqual(t.lw.listCalls, [
    { resourceVersion: '0', limit: 2 },
    { limit: 2, continue: 'c1' },
  ]);
  assert.deepEqual(t.store.ops, ['replace [a,b,c] @7']);
  assert.equal(t.actions('listed')[0]!.data!.pages, 2);
  await t.stop();
});

test('watch events reach the store and advance the resource version; bookmarks only advance it', async () => {
  const t = setup();
  await t.start();
  const w = t.lw.current;
  w.emit('ADDED', pod('a', { ns: 'n', rv: '2' }));
  w.emit('MODIFIED', pod('a', { ns: 'n', rv: '3' }));
  w.emit('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '8' } });
  w.emit('DELETED', pod('a', { ns: 'n', rv: '9' }));
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops.slice(1), ['add n/a', 'update n/a', 'delete n/a']);
  assert.equal(t.reflector.lastSyncResourceVersion(), '9');
  assert.deepEqual(
    t.actions('watch-event').map((e) => [e.key, e.data!.type, e.data!.resourceVersion]),
    [
      ['n/a', 'ADDED', '2'],
      ['n/a', 'MODIFIED', '3'],
      ['n/a', 'DELETED', '9'],
    ],
  );
  assert.equal(t.actions('bookmark').length, 1);
  await t.stop();
});

test('after the server closes the watch, watching resumes from the last bookmark without a relist', async () => {
  const t = setup();
  await t.start();
  t.lw.current.emit('ADDED', pod('a', { rv: '4' }));
  t.lw.current.emit('BOOKMARK', { metadata: { resourceVersion: '12' } });
  await t.clock.advance(5_000);
  t.lw.current.end();
  await t.clock.advance(0);
  assert.equal(t.lw.listCalls.length, 1);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '12');
  assert.equal(t.actions('watch-closed').length, 1);
  assert.equal(t.actions('backoff').length, 0, 'a normal close is not a failure');
  await t.stop();
});

test('an ERROR 410 relists from the last resource version after the backoff, and missed deletions arrive as tombstones', async () => {
  const known = newIndexer<KubeObject>();
  const fifo = new DeltaFIFO<KubeObject>({ knownObjects: known, emitDeltaTypeReplaced: true });
  const t = setup({}, fifo);
  t.lw.objects = [pod('a', { ns: 'n', rv: '1' }), pod('b', { ns: 'n', rv: '1' })];
  t.lw.resourceVersion = '1';
  await t.start();
  // The consumer side: apply what is popped to the known objects, as an informer does.
  const drain = async () => {
    while (fifo.length > 0) {
      await fifo.pop((_key, deltas) => {
        for (const d of deltas) {
          if (d.type === 'Deleted') known.delete(d.object);
          else known.update(d.object as KubeObject);
        }
      });
    }
  };
  await drain();
  assert.deepEqual(known.listKeys().sort(), ['n/a', 'n/b']);

  t.lw.current.emit('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '20' } });
  t.lw.objects = [pod('a', { ns: 'n', rv: '30' })];
  t.lw.resourceVersion = '30';
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(0);
  assert.equal(t.actions('expired-relist').length, 1);
  assert.equal(t.lw.listCalls.length, 1, 'the round ends, then the backoff is waited out (client-go: Until with the delay)');
  await t.clock.advance(800);
  // Not "": a list at the last version seen is served by the watch cache with data at least that fresh.
  assert.deepEqual(t.lw.listCalls[1], { resourceVersion: '20' });
  const deltas = fifo.getByKey('n/b')!;
  assert.equal(deltas.length, 1);
  assert.equal(deltas[0]!.type, 'Deleted');
  assert.ok(deltas[0]!.object instanceof DeletedFinalStateUnknown);
  assert.equal(fifo.getByKey('n/a')![0]!.type, 'Replaced');
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '30');
  await drain();
  assert.deepEqual(known.listKeys(), ['n/a']);
  await t.stop();
});
test('a 410 answer to the watch request relists from the last version; only when that list answers 410 too does it ask for ""', async () => {
  const seen: unknown[] = [];
  const t = setup({ watchErrorHandler: (err) => seen.push(err) });
  t.lw.resourceVersion = '7';
  t.lw.scriptWatch(gone());
  t.lw.scriptList({ items: [], metadata: { resourceVersion: '7' } }, gone());
  await t.start();
  assert.equal(seen.length, 1, 'a rejected watch request ends the round with that error');
  await t.clock.advance(800);
  assert.deepEqual(
    t.lw.listCalls.map((c) => c.resourceVersion),
    ['0', '7', ''],
  );
  // Retried at once as a consistent read, with the pager of the first attempt: no limit at a specific version.
  assert.deepEqual(t.lw.listCalls[2], { resourceVersion: '' });
  assert.deepEqual(
    t.actions('expired-relist').map((e) => e.data!.phase),
    ['watch', 'list'],
  );
  assert.equal(t.lw.watchCalls.length, 2);
  await t.stop();
});

test('a list answering "too large resource version" is retried at once as a consistent read', async () => {
  const t = setup();
  t.lw.resourceVersion = '9';
  const tooLarge = new ApiStatusError({
    code: 504,
    reason: 'Timeout',
    message: 'Too large resource version: 99, current: 9',
    details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
  });
  t.lw.scriptList({ items: [], metadata: { resourceVersion: '9' } }, tooLarge);
  await t.start();
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(800);
  assert.deepEqual(
    t.lw.listCalls.map((c) => c.resourceVersion),
    ['0', '9', ''],
  );
  // The "" list succeeded: the next relist uses the last version again.
  t.lw.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(1600);
  assert.equal(t.lw.listCalls.at(-1)!.resourceVersion, '9');
  await t.stop();
});
test('an expired list is retried at once as a consistent read', async () => {
  const t = setup();
  t.lw.scriptList(gone());
  await t.start();
  assert.deepEqual(
    t.lw.listCalls.map((c) => c.resourceVersion),
    ['0', ''],
  );
  assert.equal(t.store.ops.length, 1);
  await t.stop();
});

test('an expired continue token falls back to one unpaginated list', async () => {
  const t = setup({ pageSize: 1 });
  t.lw.scriptList({ items: [pod('a')], metadata: { resourceVersion: '3', continue: 'c' } }, gone(), {
    items: [pod('a'), pod('b')],
    metadata: { resourceVersion: '4' },
  });
  await t.start();
  assert.deepEqual(t.lw.listCalls[2], { resourceVersion: '0' });
  assert.deepEqual(t.store.ops, ['replace [a,b] @4']);
  await t.stop();
});

test('repeated failures back off 800, 1600, 3200 ms; the delay restarts when two minutes passed since the last restart', async () => {
  const boom = () => new ApiStatusError({ code: 500, message: 'etcd unhappy' });
  const t = setup({ idleTimeoutMs: 0 });
  t.lw.scriptList(boom(), boom(), boom());
  await t.start();
  assert.equal(t.lw.listCalls.length, 1);
  await t.clock.advance(799);
  assert.equal(t.lw.listCalls.length, 1, 'still waiting');
  await t.clock.advance(1);
  assert.equal(t.lw.listCalls.length, 2);
  await t.clock.advance(1600);
  assert.equal(t.lw.listCalls.length, 3);
  await t.clock.advance(3200);
  assert.equal(t.lw.listCalls.length, 4);
  assert.deepEqual(
    t.actions('backoff').map((e) => e.data!.delayMs),
    [800, 1600, 3200],
  );
  assert.equal(t.lw.watchCalls.length, 1);
  // Healthy for more than two minutes, then the watch fails: back to the initial delay, then a relist.
  await t.clock.advance(130_000);
  t.lw.current.emit('ERROR', { kind: 'Status', code: 500, reason: 'InternalError', message: 'boom' });
  await t.clock.advance(0);
  assert.equal(t.actions('backoff').at(-1)!.data!.delayMs, 800);
  await t.clock.advance(800);
  assert.equal(t.lw.listCalls.length, 5);
  assert.equal(t.lw.watchCalls.length, 2);
  await t.stop();
});

test('a broken connection re-opens the watch at once from the last version, without a relist or a backoff', async () => {
  const t = setup();
  await t.start();
  t.lw.current.emit('ADDED', pod('a', { rv: '4' }));
  await t.clock.advance(5_000);
  t.lw.current.fail(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '4');
  assert.equal(t.lw.listCalls.length, 1);
  assert.equal(t.actions('backoff').length, 0);
  await t.stop();
});

test('a refused watch request backs off and watches again from the same version; any other rejection relists', async () => {
  const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
  const seen: unknown[] = [];
  const t = setup({ watchErrorHandler: (err) => seen.push(err) });
  t.lw.resourceVersion = '3';
  t.lw.scriptWatch(refused(), new ApiStatusError({ code: 500, message: 'internal' }));
  await t.start();
  assert.equal(t.lw.watchCalls.length, 1);
  await t.clock.advance(800);
  assert.equal(t.lw.watchCalls.length, 2, 'isWatchErrorRetriable: connection refused');
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '3');
  assert.equal(t.lw.listCalls.length, 1);
  await t.clock.advance(0);
  assert.equal(t.lw.listCalls.length, 1, 'the 500 ended the round: backing off before the relist');
  await t.clock.advance(1600);
  assert.equal(t.lw.listCalls.length, 2);
  assert.equal(t.lw.listCalls[1]!.resourceVersion, '3');
  assert.deepEqual(
    seen.map((e) => (e as ApiStatusError).code),
    [500],
    'only the error the round ended with',
  );
  await t.stop();
});
test('a 429 that reaches the reflector waits the backoff, not its Retry-After again: the client waited that out already', async () => {
  const t = setup();
  t.lw.scriptList(new ApiStatusError({ code: 429, message: 'slow down', retryAfterSeconds: 7 }));
  await t.start();
  await t.clock.advance(799);
  assert.equal(t.lw.listCalls.length, 1);
  await t.clock.advance(1);
  assert.equal(t.lw.listCalls.length, 2);
  assert.equal(t.actions('backoff')[0]!.data!.delayMs, 800);
  await t.stop();
});

test('a 429 on the watch request waits the backoff and then watches again from the same version', async () => {
  const t = setup();
  t.lw.resourceVersion = '50';
  t.lw.scriptWatch(new ApiStatusError({ code: 429, message: 'slow down', retryAfterSeconds: 2 }));
  await t.start();
  assert.equal(t.lw.watchCalls.length, 1);
  await t.clock.advance(800);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '50');
  assert.equal(t.lw.listCalls.length, 1);
  await t.stop();
});

test('a non-410 ERROR event ends the round: the watch is closed, the backoff waited, then a relist from the last version', async () => {
  const t = setup();
  await t.start();
  t.lw.current.emit('ADDED', pod('a', { rv: '6' }));
  await t.clock.advance(2_000);
  const first = t.lw.current;
  first.emit('ERROR', { kind: 'Status', code: 500, message: 'internal' });
  await t.clock.advance(0);
  assert.equal(first.closed, true, 'the failed watch is closed before waiting');
  assert.equal(t.actions('watch-ended').length, 1);
  assert.equal(t.lw.watchCalls.length, 1);
  await t.clock.advance(800);
  assert.equal(t.lw.listCalls.length, 2);
  assert.equal(t.lw.listCalls[1]!.resourceVersion, '6');
  assert.equal(t.lw.watchCalls.length, 2);
  await t.stop();
});
test('a watch that ends at once with nothing delivered is a very short watch: back off, then relist', async () => {
  const t = setup();
  await t.start();
  t.lw.current.end();
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls.length, 1, 'waits before reconnecting');
  assert.equal(t.actions('backoff').length, 1);
  assert.match(String(t.actions('watch-ended')[0]!.data!.error), /very short watch/);
  await t.clock.advance(800);
  assert.equal(t.lw.listCalls.length, 2);
  assert.equal(t.lw.watchCalls.length, 2);
  await t.stop();
});
test('a watch silent for longer than the idle timeout is closed and resumed', async () => {
  const t = setup({ idleTimeoutMs: 60_000 });
  await t.start();
  const first = t.lw.current;
  first.emit('ADDED', pod('a', { rv: '3' }));
  await t.clock.advance(59_999);
  assert.equal(first.closed, false);
  await t.clock.advance(1);
  assert.equal(first.closed, true);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '3');
  assert.equal(t.actions('watch-idle-timeout').length, 1);
  // Any event, bookmarks included, keeps a watch alive.
  for (let i = 0; i < 5; i++) {
    await t.clock.advance(50_000);
    t.lw.current.emit('BOOKMARK', { metadata: { resourceVersion: String(10 + i) } });
  }
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls.length, 2);
  await t.stop();
});

test('a busy watch is closed as idle exactly the idle timeout after its last event, however many came before', async () => {
  const t = setup({ idleTimeoutMs: 60_000 });
  await t.start();
  const first = t.lw.current;
  for (let i = 0; i < 25; i++) {
    await t.clock.advance(7_000);
    first.emit('ADDED', pod(`p${i}`, { rv: String(3 + i) }));
  }
  await t.clock.advance(59_999);
  assert.equal(first.closed, false);
  await t.clock.advance(1);
  assert.equal(first.closed, true);
  assert.equal(t.actions('watch-idle-timeout').length, 1);
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '27');
  await t.stop();
});

test('a watch request that never answers is abandoned after the idle timeout and retried', async () => {
  const t = setup();
  t.lw.scriptWatch('hang');
  await t.start();
  await t.clock.advance(120_000);
  assert.equal(t.lw.hung[0]!.aborted, true);
  assert.equal(t.lw.watchCalls.length, 2);
  await t.stop();
});

test('resync calls the store on its period when shouldResync agrees', async () => {
  let allow = true;
  const t = setup({ resyncPeriodMs: 10_000, shouldResync: () => allow });
  await t.start();
  await t.clock.advance(10_000);
  allow = false;
  await t.clock.advance(10_000);
  allow = true;
  await t.clock.advance(10_000);
  assert.equal(t.store.ops.filter((o) => o === 'resync').length, 2);
  await t.stop();
});

test('the watch error handler hears about failures, and may even throw', async () => {
  const seen: unknown[] = [];
  const t = setup({
    watchErrorHandler: (err) => {
      seen.push(err);
      throw new Error('handler bug');
    },
  });
  t.lw.scriptList(new Error('connect ECONNREFUSED'));
  await t.start();
  await t.clock.advance(800);
  assert.equal(seen.length, 1);
  assert.equal(t.lw.watchCalls.length, 1);
  await t.stop();
});

test('events of an unexpected kind are reported and dropped', async () => {
  const t = setup({ expectedTypeName: 'Pod' });
  await t.start();
  t.lw.current.emit('ADDED', { kind: 'Secret', metadata: { name: 's', resourceVersion: '2' } });
  t.lw.current.emit('ADDED', pod('p', { rv: '3' }));
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops.slice(1), ['add p']);
  await t.stop();
});

test('aborting stops everything: run resolves, the watch is closed, no timer is left', async () => {
  const t = setup({ resyncPeriodMs: 30_000 });
  await t.start();
  const w = t.lw.current;
  await t.clock.advance(1_000);
  assert.ok(t.clock.pendingTimers() > 0);
  await t.stop();
  assert.equal(w.closed, true);
  assert.equal(t.clock.pendingTimers(), 0);
  const calls = t.lw.watchCalls.length + t.lw.listCalls.length;
  await t.clock.advance(1_000_000);
  assert.equal(t.lw.watchCalls.length + t.lw.listCalls.length, calls);
});

test('aborting during a backoff wait or a hung watch request also stops cleanly', async () => {
  const t = setup();
  t.lw.scriptList(new ApiStatusError({ code: 503, message: 'unavailable' }));
  await t.start();
  await t.stop();
  assert.equal(t.clock.pendingTimers(), 0);

  const h = setup();
  h.lw.scriptWatch('hang');
  await h.start();
  await h.stop();
  assert.equal(h.lw.hung[0]!.aborted, true);
  assert.equal(h.clock.pendingTimers(), 0);
});

test('aborting during a list whose transport ignores the signal still stops', async () => {
  const t = setup();
  t.lw.scriptList('hang');
  await t.start();
  await t.stop();
  assert.equal(t.clock.pendingTimers(), 0);
  assert.equal(t.lw.watchCalls.length, 0);
});

test('run resolves at once when the signal is already aborted', async () => {
  const t = setup();
  const ctrl = new AbortController();
  ctrl.abort();
  await t.reflector.run(ctrl.signal);
  assert.equal(t.lw.listCalls.length, 0);
});

test('a store whose bookmark throws is reported and the watch goes on; a bookmark without a version is passed on as ""', async () => {
  class FailingBookmarks extends RecordingStore {
    bookmark(rv: string) {
      this.ops.push(`bookmark "${rv}"`);
      throw new Error('queue closed');
    }
  }
  const t = setup({}, new FailingBookmarks());
  await t.start();
  t.lw.current.emit('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '8' } });
  t.lw.current.emit('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: {} });
  t.lw.current.emit('ADDED', pod('a', { rv: '9' }));
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops.slice(1), ['bookmark "8"', 'bookmark ""', 'add a']);
  assert.deepEqual(
    t.actions('error').map((e) => e.data!.phase),
    ['bookmark', 'bookmark'],
  );
  assert.equal(t.lw.watchCalls.length, 1, 'still the same watch');
  assert.equal(t.reflector.lastSyncResourceVersion(), '9');
  await t.stop();
});

test('watch requests refused or answered 429, and ERROR events with 429, are retried without telling the error handler', async () => {
  const seen: unknown[] = [];
  const t = setup({ watchErrorHandler: (err) => seen.push(err) });
  t.lw.resourceVersion = '4';
  t.lw.scriptWatch(
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
    new ApiStatusError({ code: 429, message: 'busy' }),
  );
  await t.start();
  await t.clock.advance(800);
  await t.clock.advance(1_600);
  assert.equal(t.lw.watchCalls.length, 3);
  t.lw.current.emit('ERROR', { kind: 'Status', apiVersion: 'v1', code: 429, reason: 'TooManyRequests', message: 'busy' });
  await t.clock.advance(3_200);
  assert.equal(t.lw.watchCalls.length, 4);
  assert.ok(t.lw.watchCalls.every((c) => c.resourceVersion === '4'));
  assert.equal(t.lw.listCalls.length, 1, 'no relist');
  assert.deepEqual(seen, []);
  assert.equal(t.actions('watch-retry').length, 3);
  await t.stop();
});

test('a failed resync ends the watch: back off, relist from the last version, and resync again in the new round', async () => {
  let resyncs = 0;
  class FailingResync extends RecordingStore {
    override resync() {
      resyncs++;
      if (resyncs === 2) throw new Error('resync failed');
    }
  }
  const seen: unknown[] = [];
  const t = setup({ resyncPeriodMs: 10_000, watchErrorHandler: (err) => seen.push(err) }, new FailingResync());
  t.lw.resourceVersion = '6';
  await t.start();
  const first = t.lw.current;
  await t.clock.advance(20_000);
  assert.equal(resyncs, 2);
  assert.equal(first.closed, true);
  assert.match(String(t.actions('watch-ended')[0]!.data!.error), /resync failed/);
  assert.equal(t.lw.listCalls.length, 1, 'the backoff first');
  await t.clock.advance(800);
  assert.deepEqual(t.lw.listCalls[1], { resourceVersion: '6' });
  assert.equal(t.lw.watchCalls.length, 2);
  assert.deepEqual(seen, [], 'the round ended without an error (client-go: watch returns nil)');
  await t.clock.advance(10_000);
  assert.equal(resyncs, 3);
  await t.stop();
});

test('a resync failing between two watches ends the next watch as soon as it opens', async () => {
  let fail = true;
  class FailingResync extends RecordingStore {
    override resync() {
      if (fail) throw new Error('resync failed');
    }
  }
  const t = setup({ resyncPeriodMs: 500 }, new FailingResync());
  t.lw.scriptWatch(new ApiStatusError({ code: 429, message: 'busy' }));
  await t.start();
  await t.clock.advance(500); // the resync fails while the watch backs off
  fail = false;
  await t.clock.advance(300);
  assert.equal(t.lw.watchCalls.length, 2);
  assert.equal(t.lw.current.closed, true);
  assert.equal(t.lw.listCalls.length, 1);
  await t.clock.advance(1_600);
  assert.equal(t.lw.listCalls.length, 2);
  await t.stop();
});

test('a 429 with Retry-After 0 still waits the backoff', async () => {
  const busy = () => new ApiStatusError({ code: 429, message: 'slow down', retryAfterSeconds: 0 });
  const t = setup();
  t.lw.scriptList(busy(), busy(), busy());
  await t.start();
  assert.equal(t.lw.listCalls.length, 1);
  await t.clock.advance(800);
  assert.equal(t.lw.listCalls.length, 2);
  await t.clock.advance(1_600);
  await t.clock.advance(3_200);
  assert.equal(t.lw.listCalls.length, 4);
  assert.deepEqual(
    t.actions('backoff').map((e) => e.data!.delayMs),
    [800, 1_600, 3_200],
  );
  await t.stop();
});

test('a set page size pages every list, relists at a specific version included', async () => {
  const t = setup({ pageSize: 4 });
  t.lw.resourceVersion = '10';
  await t.start();
  t.lw.current.emit('ERROR', { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(800);
  assert.deepEqual(t.lw.listCalls, [
    { resourceVersion: '0', limit: 4 },
    { resourceVersion: '10', limit: 4 },
  ]);
  await t.stop();
});

test('watch events of another kind or apiVersion are skipped before anything else: not counted, the version untouched', async () => {
  const t = setup({ expectedTypeName: 'Pod', expectedApiVersion: 'v1' });
  t.lw.resourceVersion = '5';
  await t.start();
  t.lw.current.emit('ADDED', { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's', resourceVersion: '6' } });
  t.lw.current.emit('MODIFIED', { kind: 'Pod', apiVersion: 'v2', metadata: { name: 'p', resourceVersion: '7' } });
  t.lw.current.emit('BOOKMARK', { kind: 'Pod', apiVersion: 'example.com/v1', metadata: { resourceVersion: '8' } });
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops, ['replace [] @5']);
  assert.equal(t.reflector.lastSyncResourceVersion(), '5');
  assert.equal(t.actions('error').length, 3);
  t.lw.current.end();
  await t.clock.advance(0);
  assert.match(String(t.actions('watch-ended')[0]!.data!.error), /very short watch/, 'no event counted');
  await t.clock.advance(800);
  assert.deepEqual(t.lw.listCalls[1], { resourceVersion: '5' });
  t.lw.current.emit('ADDED', pod('p', { rv: '9' }));
  await t.clock.advance(0);
  assert.equal(t.store.ops.at(-1), 'add p');
  await t.stop();
});

test('after an RV "0" list expires, a "" retry that comes back in pages makes later relists page too', async () => {
  const t = setup();
  t.lw.scriptList(gone(), { items: [pod('a')], metadata: { resourceVersion: '9', continue: 'c' } }, { items: [pod('b')], metadata: { resourceVersion: '9' } });
  await t.start();
  assert.deepEqual(t.lw.listCalls, [
    { resourceVersion: '0', limit: 500 },
    { resourceVersion: '', limit: 500 },
    { limit: 500, continue: 'c' },
  ]);
  t.lw.current.emit('ERROR', { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old' });
  await t.clock.advance(800);
  assert.deepEqual(t.lw.listCalls[3], { resourceVersion: '9', limit: 500 });
  await t.stop();
});

test('a continue page answered 410 Gone (not Expired) fails that list: retried at once from "", with pages', async () => {
  const t = setup();
  t.lw.scriptList(
    { items: [pod('a')], metadata: { resourceVersion: '3', continue: 'c' } },
    new ApiStatusError({ code: 410, reason: 'Gone', message: 'gone' }),
    { items: [pod('a'), pod('b')], metadata: { resourceVersion: '4' } },
  );
  await t.start();
  assert.deepEqual(t.lw.listCalls, [
    { resourceVersion: '0', limit: 500 },
    { limit: 500, continue: 'c' },
    { resourceVersion: '', limit: 500 },
  ]);
  assert.equal(t.actions('list-continue-expired').length, 0);
  assert.deepEqual(t.store.ops, ['replace [a,b] @4']);
  await t.stop();
});

test('a Timeout without details is not "too large resource version", whatever its message: the list fails', async () => {
  const seen: unknown[] = [];
  const t = setup({ watchErrorHandler: (err) => seen.push(err) });
  t.lw.scriptList(new ApiStatusError({ code: 504, reason: 'Timeout', message: 'Too large resource version' }));
  await t.start();
  assert.deepEqual(
    t.lw.listCalls.map((c) => c.resourceVersion),
    ['0'],
  );
  assert.equal(seen.length, 1);
  await t.stop();
});

test('a 504 without a reason whose cause says "Too large resource version" is retried at once from ""', async () => {
  const t = setup();
  t.lw.scriptList(new ApiStatusError({ code: 504, message: 'timeout', details: { causes: [{ message: 'Too large resource version' }] } }));
  await t.start();
  assert.deepEqual(
    t.lw.listCalls.map((c) => c.resourceVersion),
    ['0', ''],
  );
  await t.stop();
});

test('an event or bookmark without a resource version empties the last one: the next watch asks for ""', async () => {
  const t = setup();
  t.lw.resourceVersion = '5';
  await t.start();
  t.lw.current.emit('MODIFIED', pod('a'));
  await t.clock.advance(0);
  assert.equal(t.reflector.lastSyncResourceVersion(), '');
  await t.clock.advance(5_000);
  t.lw.current.end();
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls[1]!.resourceVersion, '');
  // A bookmark sets it like any event; one without a version empties it again.
  t.lw.current.emit('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '12' } });
  t.lw.current.emit('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: {} });
  await t.clock.advance(5_000);
  t.lw.current.end();
  await t.clock.advance(0);
  assert.equal(t.lw.watchCalls[2]!.resourceVersion, '');
  await t.stop();
});

test('a paged list takes its resource version from the first page, as the pager does', async () => {
  const t = setup();
  t.lw.scriptList({ items: [pod('a')], metadata: { resourceVersion: '10', continue: 'c1' } }, { items: [pod('b')], metadata: { resourceVersion: '11' } });
  await t.start();
  assert.deepEqual(t.store.ops, ['replace [a,b] @10']);
  assert.equal(t.reflector.lastSyncResourceVersion(), '10');
  assert.equal(t.lw.watchCalls[0]!.resourceVersion, '10');
  await t.stop();
});

test("a store with updateResourceVersion is told each version the watch moves to, not the list's (client-go's ResourceVersionUpdater)", async () => {
  class VersionedStore extends RecordingStore {
    readonly versions: string[] = [];
    updateResourceVersion(rv: string) {
      this.versions.push(rv);
    }
  }
  const store = new VersionedStore();
  const t = setup({}, store);
  t.lw.resourceVersion = '10';
  await t.start();
  const w = t.lw.current;
  w.emit('ADDED', pod('a', { rv: '10' }));
  w.emit('MODIFIED', pod('a', { rv: '20' }));
  w.emit('BOOKMARK', { metadata: { resourceVersion: '30' } });
  w.emit('DELETED', pod('a', { rv: '40' }));
  await t.clock.advance(0);
  assert.deepEqual(store.versions, ['10', '20', '30', '40']);
  await t.stop();
});

test('an ADDED event that does not move the version (a watch from RV "0") does not tell updateResourceVersion', async () => {
  const versions: string[] = [];
  const store = Object.assign(new RecordingStore(), { updateResourceVersion: (rv: string) => void versions.push(rv) });
  const t = setup({}, store);
  t.lw.resourceVersion = '0';
  await t.start();
  t.lw.current.emit('ADDED', pod('a', { rv: '5' }));
  t.lw.current.emit('MODIFIED', pod('a', { rv: '6' }));
  await t.clock.advance(0);
  assert.deepEqual(versions, ['6']);
  await t.stop();
});

/** The timeoutSeconds of the first watch a reflector with `options` sends. */
async function drawnTimeout(options: Parameters<typeof setup>[0]): Promise<number | undefined> {
  const t = setup(options);
  await t.start();
  const s = t.lw.watchCalls[0]!.timeoutSeconds;
  await t.stop();
  return s;
}

test('minWatchTimeoutMs is honoured only above 5 minutes; the timeout is then drawn up to twice it', async () => {
  assert.equal(await drawnTimeout({ minWatchTimeoutMs: 1_000, random: () => 0 }), 300);
  assert.equal(await drawnTimeout({ minWatchTimeoutMs: 1_000, random: () => 0.999 }), 599);
  assert.equal(await drawnTimeout({ minWatchTimeoutMs: 300_000, random: () => 0.999 }), 599);
  assert.equal(await drawnTimeout({ minWatchTimeoutMs: 1_800_000, random: () => 0 }), 1800);
  assert.equal(await drawnTimeout({ minWatchTimeoutMs: 1_800_000, random: () => 0.999 }), 3598);
});

test('a minWatchTimeoutMs that is not a number, or past the longest Go duration, still sends a whole number of seconds', async () => {
  assert.equal(await drawnTimeout({ minWatchTimeoutMs: Number.NaN, random: () => 0.5 }), 450);
  assert.equal(await drawnTimeout({ minWatchTimeoutMs: -1, random: () => 0.5 }), 450);
  // client-go's MinWatchTimeout is a time.Duration: at most 2^63 - 1 ns, and a max that overflows is set to the min.
  for (const ms of [Number.POSITIVE_INFINITY, 1e300, 9_223_372_036_854]) {
    for (const random of [() => 0, () => 0.999]) assert.equal(await drawnTimeout({ minWatchTimeoutMs: ms, random }), 9_223_372_036, String(ms));
  }
  // Up to half the longest duration, the max is still twice the min.
  assert.equal(await drawnTimeout({ minWatchTimeoutMs: 4_000_000_000_000, random: () => 0.5 }), 6_000_000_000);
});

test('a meta.k8s.io Table in a watch is reported and skipped: not stored, not counted, the version untouched', async () => {
  const t = setup();
  t.lw.resourceVersion = '5';
  await t.start();
  t.lw.current.emit('ADDED', { apiVersion: 'meta.k8s.io/v1', kind: 'Table', metadata: { name: 't1', resourceVersion: '7' } });
  t.lw.current.emit('ADDED', { apiVersion: 'meta.k8s.io/v1beta1', kind: 'Table', metadata: { name: 't2', resourceVersion: '8' } });
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops, ['replace [] @5']);
  assert.equal(t.reflector.lastSyncResourceVersion(), '5');
  assert.equal(t.actions('error').filter((e) => e.data!.phase === 'watch-event').length, 2);
  // Another group's Table is an ordinary object.
  t.lw.current.emit('ADDED', { apiVersion: 'custom.group/v1', kind: 'Table', metadata: { name: 't3', resourceVersion: '9' } });
  await t.clock.advance(0);
  assert.deepEqual(t.store.ops, ['replace [] @5', 'add t3']);
  assert.equal(t.reflector.lastSyncResourceVersion(), '9');
  await t.stop();
});
