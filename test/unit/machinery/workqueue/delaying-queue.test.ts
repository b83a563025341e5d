import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks, type Clock, type TimerHandle } from '../../../../src/machinery/clock.ts';
import { RecordingTracer } from '../../../../src/machinery/trace.ts';
import { DelayingWorkQueue, newDelayingQueue } from '../../../../src/machinery/workqueue/delaying-queue.ts';

test('addAfter with a delay of zero or less adds at once', () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  q.addAfter('a', 0);
  q.addAfter('b', -5);
  q.addAfter('c', Number.NaN);
  assert.deepEqual(q.snapshot().queue, ['a', 'b', 'c']);
  assert.equal(clock.pendingTimers(), 0);
});

test('an item added with a delay is queued when the delay has passed, not before', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  q.addAfter('a', 50);
  await clock.advance(49);
  assert.equal(q.len(), 0);
  await clock.advance(1);
  assert.equal(q.len(), 1);
});

test('a getter waiting on an empty queue receives the delayed item when it is ready', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  let got: unknown;
  void q.get().then((r) => (got = r));
  q.addAfter('a', 10);
  await clock.advance(9);
  assert.equal(got, undefined);
  await clock.advance(1);
  assert.deepEqual(got, { item: 'a', shutdown: false });
});

test('delayed items become ready in deadline order, whatever order they were added in', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  q.addAfter('c', 30);
  q.addAfter('a', 10);
  q.addAfter('d', 40);
  q.addAfter('b', 20);
  q.addAfter('b2', 20);
  await clock.advance(100);
  assert.deepEqual(q.snapshot().queue, ['a', 'b', 'b2', 'c', 'd']);
});

test('items found due together by one late timer are added in deadline order', async () => {
  // A clock whose timers fire 10 ms late, so one firing finds all three deadlines passed.
  const inner = new FakeClock();
  const late: Clock = {
    now: () => inner.now(),
    sleep: (ms, signal) => inner.sleep(ms, signal),
    setTimer: (fn, ms): TimerHandle => inner.setTimer(fn, ms + 10),
  };
  const q = newDelayingQueue<string>({ clock: late });
  q.addAfter('late', 3);
  q.addAfter('early', 1);
  q.addAfter('middle', 2);
  await inner.advance(11);
  assert.deepEqual(q.snapshot().queue, ['early', 'middle', 'late']);
  assert.equal(inner.pendingTimers(), 0);
});

test('an item already waiting keeps its earlier deadline when added again with a later one', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  q.addAfter('a', 10);
  q.addAfter('a', 100);
  await clock.advance(10);
  assert.equal(q.len(), 1);
  assert.deepEqual(q.snapshot().waiting, []);
});

test('an earlier deadline pulls a waiting item forward', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  q.addAfter('a', 100);
  q.addAfter('b', 50);
  await clock.advance(5);
  q.addAfter('a', 10);
  assert.deepEqual(q.snapshot().waiting, [
    { item: 'a', readyAt: 15 },
    { item: 'b', readyAt: 50 },
  ]);
  await clock.advance(10);
  assert.deepEqual(q.snapshot().queue, ['a']);
  await clock.advance(100);
  assert.deepEqual(q.snapshot().queue, ['a', 'b']);
});

test('only one timer is armed, for the earliest deadline', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  for (let i = 0; i < 20; i++) q.addAfter(`k${i}`, 1000 - i * 10);
  assert.equal(clock.pendingTimers(), 1);
  await clock.advance(810);
  assert.equal(q.len(), 1);
  assert.equal(clock.pendingTimers(), 1);
  await clock.advance(1000);
  assert.equal(q.len(), 20);
  assert.equal(clock.pendingTimers(), 0);
});

test('an item added directly while it waits is processed now and once more when its delay ends', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  q.addAfter('a', 10);
  q.add('a');
  const r = await q.get();
  q.done(r.item!);
  await clock.advance(10);
  assert.equal(q.len(), 1);
});

test('a delayed item that becomes ready while already queued is not queued twice', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  q.add('a');
  q.addAfter('a', 10);
  await clock.advance(10);
  assert.equal(q.len(), 1);
});

test('shutting down cancels the timer and drops waiting items', async () => {
  const clock = new FakeClock();
  const q = new DelayingWorkQueue<string>({ clock });
  q.addAfter('a', 10);
  q.addAfter('b', 20);
  q.shutDown();
  assert.equal(clock.pendingTimers(), 0);
  assert.deepEqual(q.snapshot().waiting, []);
  await clock.advance(100);
  assert.deepEqual(await q.get(), { item: undefined, shutdown: true });
});

test('shutDownWithDrain also cancels the timer', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  q.addAfter('a', 10);
  await q.shutDownWithDrain();
  assert.equal(clock.pendingTimers(), 0);
});

test('addAfter after shutdown is ignored', () => {
  const clock = new FakeClock();
  const tracer = new RecordingTracer();
  const q = newDelayingQueue<string>({ clock, tracer });
  q.shutDown();
  q.addAfter('a', 10);
  q.addAfter('b', 0);
  assert.equal(clock.pendingTimers(), 0);
  assert.equal(q.len(), 0);
  assert.deepEqual(
    tracer.events.slice(1).map((e) => e.action),
    ['add-ignored-shutdown', 'add-ignored-shutdown'],
  );
});

test('a timer that fires early does not lose the item: it is re-armed', async () => {
  // A clock whose timers longer than 3 ms fire 3 ms before they are due, like a coarse real timer might.
  const inner = new FakeClock();
  const early: Clock = {
    now: () => inner.now(),
    sleep: (ms, signal) => inner.sleep(ms, signal),
    setTimer: (fn, ms): TimerHandle => inner.setTimer(fn, ms > 3 ? ms - 3 : ms),
  };
  const q = newDelayingQueue<string>({ clock: early });
  q.addAfter('a', 10);
  await inner.advance(7);
  assert.equal(q.len(), 0, 'not before its deadline');
  assert.equal(inner.pendingTimers(), 1, 're-armed');
  await inner.advance(3);
  assert.equal(q.len(), 1);
});

test('very long delays are split into timer-sized steps instead of firing at once', async () => {
  const clock = new FakeClock();
  const q = newDelayingQueue<string>({ clock });
  const long = 3_000_000_000;
  q.addAfter('a', long);
  await clock.advance(2_147_483_647);
  assert.equal(q.len(), 0);
  assert.equal(clock.pendingTimers(), 1);
  await clock.advance(long - 2_147_483_647);
  assert.equal(q.len(), 1);
});

test('the tracer hears add-after and ready, and snapshots include the waiting items', async () => {
  const clock = new FakeClock();
  const tracer = new RecordingTracer();
  const q = newDelayingQueue<string>({ clock, tracer, snapshots: true });
  q.addAfter('a', 10);
  await clock.advance(10);
  await flushMicrotasks();
  assert.deepEqual(
    tracer.events.map((e) => [e.action, e.at, e.data?.snapshot]),
    [
      ['add-after', 0, { queue: [], dirty: [], processing: [], waiting: [{ item: 'a', readyAt: 10 }] }],
      ['ready', 10, { queue: [], dirty: [], processing: [], waiting: [] }],
      ['add', 10, { queue: ['a'], dirty: ['a'], processing: [], waiting: [] }],
    ],
  );
  assert.equal(tracer.events[0]!.data?.delayMs, 10);
});
