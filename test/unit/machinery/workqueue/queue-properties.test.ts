import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FakeClock, flushMicrotasks } from '../../../../src/machinery/clock.ts';
import { RecordingTracer } from '../../../../src/machinery/trace.ts';
import { newDelayingQueue } from '../../../../src/machinery/workqueue/delaying-queue.ts';
import { newQueue } from '../../../../src/machinery/workqueue/queue.ts';

const WORKERS = 4;
const KEYS = ['a', 'b', 'c', 'd', 'e'];

type Cmd = { kind: 'add'; key: string } | { kind: 'get'; worker: number } | { kind: 'done'; worker: number } | { kind: 'shutDown' } | { kind: 'drain' };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYS).map((key) => ({ kind: 'add' as const, key })) },
  { weight: 4, arbitrary: fc.nat(WORKERS - 1).map((worker) => ({ kind: 'get' as const, worker })) },
  { weight: 4, arbitrary: fc.nat(WORKERS - 1).map((worker) => ({ kind: 'done' as const, worker })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'shutDown' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drain' as const }) },
);

interface Worker {
  state: 'idle' | 'waiting' | 'holding' | 'stopped';
  item: string | undefined;
}

/**
 * Plays the commands against a queue with WORKERS simulated async workers, letting every pending promise
 * settle after each step, then shuts the queue down (if the commands did not) and lets the workers run to
 * completion. Checks the guarantees along the way and returns nothing: a broken guarantee throws.
 */
async function play(cmds: Cmd[], finalDrain: boolean): Promise<void> {
  const q = newQueue<string>({ clock: new FakeClock() });
  const workers: Worker[] = Array.from({ length: WORKERS }, () => ({ state: 'idle', item: undefined }));
  const holder = new Map<string, number>();
  const lastAcceptedAdd = new Map<string, number>();
  const handouts = new Map<string, number[]>();
  const errors: string[] = [];
  let step = 0;
  let shutdown = false;
  let plainShutdown = false;
  let drainCalled = false;
  let drainResolved = false;

  const startGet = (w: number) => {
    workers[w]!.state = 'waiting';
    void q.get().then((r) => {
      if (r.shutdown) {
        workers[w]!.state = 'stopped';
        return;
      }
      const other = holder.get(r.item);
      if (other !== undefined) errors.push(`step ${step}: ${r.item} handed to worker ${w} while worker ${other} holds it`);
      holder.set(r.item, w);
      workers[w] = { state: 'holding', item: r.item };
      handouts.set(r.item, [...(handouts.get(r.item) ?? []), step]);
    });
  };
  const finish = (w: number) => {
    const item = workers[w]!.item!;
    holder.delete(item);
    workers[w] = { state: 'idle', item: undefined };
    q.done(item);
  };
  const drain = () => {
    shutdown = true;
    drainCalled = true;
    void q.shutDownWithDrain().then(() => {
      drainResolved = true;
      if (holder.size > 0 && !plainShutdown) errors.push(`step ${step}: drain resolved while ${[...holder.keys()].join(',')} held`);
    });
  };
  const check = () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(new Set(q.snapshot().processing), new Set(holder.keys()), `step ${step}: processing set`);
    if (drainCalled && holder.size === 0) assert.ok(drainResolved, `step ${step}: drain not resolved with nothing held`);
  };

  for (const cmd of cmds) {
    step++;
    switch (cmd.kind) {
      case 'add':
        if (!shutdown) lastAcceptedAdd.set(cmd.key, step);
        q.add(cmd.key);
        break;
      case 'get':
        if (workers[cmd.worker]!.state === 'idle') startGet(cmd.worker);
        break;
      case 'done':
        if (workers[cmd.worker]!.state === 'holding') finish(cmd.worker);
        break;
      case 'shutDown':
        shutdown = true;
        plainShutdown = true;
        q.shutDown();
        break;
      case 'drain':
        drain();
        break;
    }
    await flushMicrotasks();
    check();
  }

  if (!shutdown) {
    if (finalDrain) drain();
    else {
      plainShutdown = true;
      q.shutDown();
    }
  }
  // Workers now finish what they hold and keep asking until told the queue is shut down.
  for (let round = 0; workers.some((w) => w.state !== 'stopped'); round++) {
    assert.ok(round < 1000, 'workers never stopped');
    step++;
    workers.forEach((w, i) => {
      if (w.state === 'holding') finish(i);
      else if (w.state === 'idle') startGet(i);
    });
    await flushMicrotasks();
    check();
  }

  assert.deepEqual(q.snapshot(), { queue: [], dirty: [], processing: [] });
  if (drainCalled) assert.ok(drainResolved, 'drain never resolved');
  for (const [key, addedAt] of lastAcceptedAdd) {
    const after = (handouts.get(key) ?? []).some((h) => h >= addedAt);
    assert.ok(after, `${key} added at step ${addedAt} was never processed after that (handouts ${JSON.stringify(handouts.get(key))})`);
  }
}

test('random interleavings of concurrent workers never share an item, never lose an add, and always drain', async () => {
  await fc.assert(fc.asyncProperty(fc.array(cmdArb, { maxLength: 80 }), fc.boolean(), play), { numRuns: 300 });
});

test('a single worker is handed items in the order they were first added', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...KEYS, 'f', 'g')), async (adds) => {
      const q = newQueue<string>({ clock: new FakeClock() });
      for (const k of adds) q.add(k);
      q.shutDown();
      const got: string[] = [];
      for (let r = await q.get(); !r.shutdown; r = await q.get()) {
        got.push(r.item);
        q.done(r.item);
      }
      assert.deepEqual(got, [...new Set(adds)]);
    }),
  );
});

type DelayCmd = { kind: 'addAfter'; key: string; delay: number } | { kind: 'advance'; ms: number };

test('delayed items become ready exactly at the earliest deadline asked for, and none is lost', async () => {
  const delayCmd: fc.Arbitrary<DelayCmd> = fc.oneof(
    fc.record({ kind: fc.constant('addAfter' as const), key: fc.constantFrom(...KEYS), delay: fc.integer({ min: -5, max: 60 }) }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40 }) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(delayCmd, { maxLength: 60 }), async (cmds) => {
      const clock = new FakeClock();
      const tracer = new RecordingTracer();
      const q = newDelayingQueue<string>({ clock, tracer });
      const waiting = new Map<string, number>();
      const expectedReady: string[] = [];
      const queued = new Set<string>();
      const advanceTo = async (target: number) => {
        for (const [key, at] of [...waiting].sort((x, y) => x[1] - y[1])) {
          if (at > target) continue;
          expectedReady.push(`${at}:${key}`);
          waiting.delete(key);
          queued.add(key);
        }
        await clock.advance(target - clock.now());
      };
      for (const cmd of cmds) {
        if (cmd.kind === 'advance') await advanceTo(clock.now() + cmd.ms);
        else {
          q.addAfter(cmd.key, cmd.delay);
          if (cmd.delay <= 0) queued.add(cmd.key);
          else waiting.set(cmd.key, Math.min(waiting.get(cmd.key) ?? Infinity, clock.now() + cmd.delay));
        }
        assert.ok(clock.pendingTimers() <= 1, 'one timer at most');
        assert.deepEqual(new Set(q.snapshot().dirty), queued);
      }
      await advanceTo(clock.now() + 1000);
      const ready = tracer.events.filter((e) => e.action === 'ready').map((e) => `${e.at}:${e.key}`);
      assert.deepEqual(ready.sort(), expectedReady.sort());
      assert.equal(clock.pendingTimers(), 0);
      assert.deepEqual(new Set(q.snapshot().dirty), queued);
    }),
    { numRuns: 300 },
  );
});
