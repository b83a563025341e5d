import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../../../../src/machinery/clock.ts';
import { RecordingTracer } from '../../../../src/machinery/trace.ts';
import { RecordingQueueMetrics } from '../../../../src/machinery/workqueue/metrics.ts';
import { WorkQueue, newQueue, type GetResult } from '../../../../src/machinery/workqueue/queue.ts';

/** Takes an item that must already be available. */
async function take<T>(q: { get(): Promise<GetResult<T>> }): Promise<T> {
  const r = await q.get();
  assert.equal(r.shutdown, false);
  return r.item;
}

/** Tracks whether a promise has settled, without awaiting it. */
function watch<T>(p: Promise<T>): { settled: boolean; value: T | undefined } {
  const state: { settled: boolean; value: T | undefined } = { settled: false, value: undefined };
  void p.then((v) => {
    state.settled = true;
    state.value = v;
  });
  return state;
}

test('an item added twice before it is taken is processed once', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('ns/a');
  q.add('ns/a');
  assert.equal(q.len(), 1);
  assert.equal(await take(q), 'ns/a');
  q.done('ns/a');
  assert.equal(q.len(), 0);
  q.shutDown();
  assert.deepEqual(await q.get(), { item: undefined, shutdown: true });
});

test('items are handed out in the order they were added', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  for (const k of ['c', 'a', 'b', 'a']) q.add(k);
  assert.deepEqual([await take(q), await take(q), await take(q)], ['c', 'a', 'b']);
});

test('an item added while it is being processed is not handed to a second worker', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('x');
  assert.equal(await take(q), 'x');
  q.add('x');
  assert.equal(q.len(), 0, 'the re-added item waits for done, not in the queue');
  const second = watch(q.get());
  await flushMicrotasks();
  assert.equal(second.settled, false, 'a second worker must not get x while it is processed');
  q.done('x');
  await flushMicrotasks();
  assert.deepEqual(second.value, { item: 'x', shutdown: false });
});

test('an item re-added while processing goes to the back of the queue at done', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('x');
  await take(q);
  q.add('x');
  q.add('y');
  q.done('x');
  assert.deepEqual(q.snapshot().queue, ['y', 'x']);
});

test('an item re-added many times while processing is processed once more', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('x');
  await take(q);
  q.add('x');
  q.add('x');
  q.done('x');
  assert.equal(q.len(), 1);
  await take(q);
  q.done('x');
  assert.equal(q.len(), 0);
});

test('done for an item that is not being processed changes nothing', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('x');
  q.done('x');
  q.done('y');
  assert.deepEqual(q.snapshot(), { queue: ['x'], dirty: ['x'], processing: [] });
});

test('len counts items waiting to be taken, not items being processed', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('a');
  q.add('b');
  assert.equal(q.len(), 2);
  await take(q);
  assert.equal(q.len(), 1);
});

test('object items are compared by identity', async () => {
  const q = newQueue<{ id: number }>({ clock: new FakeClock() });
  const a = { id: 1 };
  q.add(a);
  q.add(a);
  q.add({ id: 1 });
  assert.equal(q.len(), 2);
});

test('adds after shutdown are ignored', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.shutDown();
  assert.equal(q.shuttingDown(), true);
  q.add('x');
  assert.equal(q.len(), 0);
  assert.deepEqual(await q.get(), { item: undefined, shutdown: true });
});

test('items queued before shutdown are still handed out, then get reports shutdown', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('a');
  q.add('b');
  q.shutDown();
  assert.equal(await take(q), 'a');
  assert.equal(await take(q), 'b');
  assert.deepEqual(await q.get(), { item: undefined, shutdown: true });
});

test('a waiting getter receives an item added later', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  const g = watch(q.get());
  await flushMicrotasks();
  assert.equal(g.settled, false);
  q.add('x');
  await flushMicrotasks();
  assert.deepEqual(g.value, { item: 'x', shutdown: false });
});

test('several waiting getters each receive a different item, first come first served', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  const g1 = watch(q.get());
  const g2 = watch(q.get());
  const g3 = watch(q.get());
  q.add('a');
  q.add('a');
  q.add('b');
  await flushMicrotasks();
  assert.deepEqual(g1.value, { item: 'a', shutdown: false });
  assert.deepEqual(g2.value, { item: 'b', shutdown: false });
  assert.equal(g3.settled, false);
});

test('waiting getters are all released on shutdown', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  const results = Promise.all([q.get(), q.get(), q.get()]);
  await flushMicrotasks();
  q.shutDown();
  assert.deepEqual(await results, [
    { item: undefined, shutdown: true },
    { item: undefined, shutdown: true },
    { item: undefined, shutdown: true },
  ]);
});

test('waiting getters are released by shutDownWithDrain too', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  const results = Promise.all([q.get(), q.get()]);
  await q.shutDownWithDrain();
  assert.deepEqual(await results, [
    { item: undefined, shutdown: true },
    { item: undefined, shutdown: true },
  ]);
});

test('shutDownWithDrain waits until every handed-out item is done', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('a');
  q.add('b');
  await take(q);
  await take(q);
  const drained = watch(q.shutDownWithDrain());
  await flushMicrotasks();
  assert.equal(drained.settled, false);
  q.done('a');
  await flushMicrotasks();
  assert.equal(drained.settled, false, 'b is still being processed');
  q.done('b');
  await flushMicrotasks();
  assert.equal(drained.settled, true);
});

test('shutDownWithDrain resolves at once when nothing is being processed', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  await q.shutDownWithDrain();
  assert.equal(q.shuttingDown(), true);
});

test('during a drain, getters receive the remaining items before the shutdown', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('a');
  q.add('b');
  q.add('c');
  await take(q);
  const drained = watch(q.shutDownWithDrain());
  q.add('d');
  assert.equal(await take(q), 'b');
  assert.equal(await take(q), 'c');
  assert.deepEqual(await q.get(), { item: undefined, shutdown: true }, 'd was added after shutdown');
  q.done('b');
  q.done('c');
  await flushMicrotasks();
  assert.equal(drained.settled, false);
  q.done('a');
  await flushMicrotasks();
  assert.equal(drained.settled, true);
});

test('an item re-added before shutdown and still processing is handed out again after done during a drain', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('x');
  await take(q);
  q.add('x');
  const drained = watch(q.shutDownWithDrain());
  q.done('x');
  assert.equal(await take(q), 'x');
  q.done('x');
  await flushMicrotasks();
  assert.equal(drained.settled, true);
});

test('a plain shutDown ends a drain in progress', async () => {
  const q = newQueue<string>({ clock: new FakeClock() });
  q.add('a');
  await take(q);
  const drained = watch(q.shutDownWithDrain());
  await flushMicrotasks();
  assert.equal(drained.settled, false);
  q.shutDown();
  await flushMicrotasks();
  assert.equal(drained.settled, true);
});

test('snapshot shows the queue, the dirty set and the processing set', async () => {
  const q = new WorkQueue<string>({ clock: new FakeClock() });
  q.add('a');
  q.add('b');
  await take(q);
  q.add('a');
  assert.deepEqual(q.snapshot(), { queue: ['b'], dirty: ['b', 'a'], processing: ['a'] });
});

test('the tracer hears every step, with the action names the lessons render', async () => {
  const clock = new FakeClock(1000);
  const tracer = new RecordingTracer();
  const q = newQueue<string>({ clock, tracer, name: 'demo' });
  q.add('a');
  q.add('a');
  await take(q);
  q.add('a');
  q.done('a');
  q.shutDown();
  q.add('b');
  assert.deepEqual(
    tracer.events.map((e) => [e.action, e.key]),
    [
      ['add', 'a'],
      ['add-ignored-dirty', 'a'],
      ['get', 'a'],
      ['add-deferred-processing', 'a'],
      ['done', 'a'],
      ['requeue-after-done', 'a'],
      ['shutdown', undefined],
      ['add-ignored-shutdown', 'b'],
    ],
  );
  for (const e of tracer.events) {
    assert.equal(e.component, 'workqueue');
    assert.equal(e.at, 1000);
    assert.equal(e.data?.name, 'demo');
    assert.equal(e.data?.snapshot, undefined, 'no snapshot unless asked for');
  }
});

test('trace events carry a snapshot of the state after the step when snapshots are on', async () => {
  const tracer = new RecordingTracer();
  const q = newQueue<string>({ clock: new FakeClock(), tracer, snapshots: true });
  q.add('a');
  await take(q);
  q.add('a');
  assert.deepEqual(
    tracer.events.map((e) => e.data?.snapshot),
    [
      { queue: ['a'], dirty: ['a'], processing: [] },
      { queue: [], dirty: [], processing: ['a'] },
      { queue: [], dirty: ['a'], processing: ['a'] },
    ],
  );
});

test('a tracer or metrics hook that throws does not break the queue', async () => {
  const q = newQueue<string>({
    clock: new FakeClock(),
    tracer: {
      emit() {
        throw new Error('renderer broke');
      },
    },
    metrics: {
      added() {
        throw new Error('metrics broke');
      },
    },
  });
  q.add('a');
  assert.equal(await take(q), 'a');
  q.done('a');
});

test('metrics report depth, adds, queue latency and work duration on the injected clock', async () => {
  const clock = new FakeClock();
  const metrics = new RecordingQueueMetrics();
  const q = newQueue<string>({ clock, metrics, name: 'test' });
  q.add('a');
  q.add('a');
  q.add('b');
  await clock.advance(30);
  await take(q);
  await clock.advance(7);
  q.done('a');
  assert.equal(metrics.adds, 2);
  assert.deepEqual(metrics.depths, [1, 2, 1]);
  assert.deepEqual(metrics.queueLatencies, [30]);
  assert.deepEqual(metrics.workDurations, [7]);
  q.shutDown();
});

test('metrics report unfinished work periodically while items are held, and stop after shutdown', async () => {
  const clock = new FakeClock();
  const metrics = new RecordingQueueMetrics();
  const q = newQueue<string>({ clock, metrics, name: 'test' });
  q.add('a');
  q.add('b');
  await take(q);
  await clock.advance(200);
  await take(q);
  await clock.advance(300);
  assert.deepEqual(metrics.unfinished, [{ totalMs: 800, longestMs: 500 }]);
  q.done('a');
  q.done('b');
  q.shutDown();
  assert.equal(clock.pendingTimers(), 0);
});

test('unfinished work is not reported once the queue shuts down, even with items still held (client-go TestMetricShutdown)', async () => {
  const clock = new FakeClock();
  const metrics = new RecordingQueueMetrics();
  const q = newQueue<string>({ clock, metrics, name: 'test' });
  q.add('a');
  await take(q);
  await clock.advance(500);
  q.shutDown();
  await clock.advance(1000);
  assert.deepEqual(metrics.unfinished, [{ totalMs: 500, longestMs: 500 }]);
  assert.equal(clock.pendingTimers(), 0);
});

test('depth counts an item added again while held, from that add (client-go metrics_test: one thing remains in the queue)', async () => {
  const metrics = new RecordingQueueMetrics();
  const q = newQueue<string>({ clock: new FakeClock(), metrics, name: 'test' });
  q.add('a');
  await take(q);
  q.add('a');
  assert.equal(q.len(), 0);
  assert.equal(metrics.depths.at(-1), 1);
  q.done('a');
  assert.equal(metrics.depths.at(-1), 1);
  await take(q);
  assert.equal(metrics.depths.at(-1), 0);
  assert.deepEqual(metrics.depths, [1, 0, 1, 0]);
});

test('a queue without a name reports no metrics, as client-go creates none for it', async () => {
  const metrics = new RecordingQueueMetrics();
  const clock = new FakeClock();
  const q = newQueue<string>({ clock, metrics });
  q.add('a');
  await take(q);
  await clock.advance(1000);
  q.done('a');
  assert.deepEqual([metrics.adds, metrics.depths, metrics.queueLatencies, metrics.workDurations, metrics.unfinished], [0, [], [], [], []]);
  q.shutDown();
});
