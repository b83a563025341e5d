import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../../../../src/machinery/clock.ts';
import { DoneSignal } from '../../../../src/machinery/cache/done-checker.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import type { ResourceEventHandler } from '../../../../src/machinery/cache/processor-listener.ts';
import { ProcessorListener } from '../../../../src/machinery/cache/processor-listener.ts';
import { pod } from './helpers.ts';

describe('ProcessorListener resync timing', () => {
  const listener = (clock: FakeClock, periodMs: number, resyncSlackMs?: number) =>
    new ProcessorListener({}, periodMs, periodMs, {
      clock,
      id: 1,
      upstreamSynced: new DoneSignal('upstream'),
      ...(resyncSlackMs === undefined ? {} : { resyncSlackMs }),
    });

  it('is due exactly from its deadline on, as client-go, however long the period', () => {
    const clock = new FakeClock(0);
    const l = listener(clock, 5000);
    assert.equal(l.shouldResync(4999.6), false, 'not a moment early');
    assert.equal(l.shouldResync(5000), true);
    assert.equal(listener(clock, 60_000).shouldResync(59_999), false);
    assert.equal(listener(clock, 60_000).shouldResync(60_001), true);
  });

  it('with slack (the real clock) counts a check that many ms early as due, and no earlier', () => {
    const clock = new FakeClock(0);
    const l = listener(clock, 5000, 5);
    assert.equal(l.shouldResync(4999.6), true, 'a timer firing 0.4 ms early still resyncs');
    assert.equal(l.shouldResync(4995), true);
    assert.equal(l.shouldResync(4994), false);
  });

  it('never resyncs with a period of 0', () => {
    const clock = new FakeClock(0);
    assert.equal(listener(clock, 0).shouldResync(1e9), false);
    assert.equal(listener(clock, 0, 5).shouldResync(1e9), false);
  });
});

describe('ProcessorListener sync tracking', () => {
  const initialAdd = (name: string) => ({ type: 'add' as const, obj: pod(name), isInInitialList: true });

  function setup(handler: ResourceEventHandler<KubeObject> = {}) {
    const clock = new FakeClock(0);
    const upstream = new DoneSignal('upstream');
    const listener = new ProcessorListener<KubeObject>(handler, 0, 0, { clock, id: 1, upstreamSynced: upstream });
    return { clock, upstream, listener };
  }

  /** A handler whose onAdd waits until released. */
  function blocking() {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const added: string[] = [];
    const handler: ResourceEventHandler<KubeObject> = {
      onAdd: async (obj) => {
        await released;
        added.push(obj.metadata!.name!);
      },
    };
    return { handler, added, release };
  }

  it('syncs once upstream synced and every initial add returned, then stays synced; the checker resolves by itself', async () => {
    const { upstream, listener } = setup();
    listener.add(initialAdd('a'));
    assert.equal(listener.hasSynced(), false);
    upstream.finish();
    assert.equal(listener.hasSynced(), false, 'the initial add is not delivered yet');
    listener.run();
    await listener.hasSyncedChecker().done();
    assert.equal(listener.hasSynced(), true);
    await listener.stop();
    assert.equal(listener.hasSynced(), true, 'latched');
  });

  it('never syncs when stopped before upstream synced', async () => {
    const { upstream, listener } = setup();
    listener.run();
    await listener.stop();
    upstream.finish();
    await flushMicrotasks();
    assert.equal(listener.hasSynced(), false);
    assert.equal(listener.hasSyncedChecker().isDone(), false);
  });

  it('never syncs when stopped with initial adds still buffered: they are dropped, not counted', async () => {
    const b = blocking();
    const { upstream, listener } = setup(b.handler);
    upstream.finish();
    listener.add(initialAdd('a'));
    listener.add(initialAdd('b'));
    listener.run();
    await flushMicrotasks();
    const stopped = listener.stop();
    b.release();
    await stopped;
    assert.deepEqual(b.added, ['a'], 'the call in flight finished; b was dropped');
    assert.equal(listener.hasSynced(), false);
  });

  it('an initial add in flight at stop counts when it returns', async () => {
    const b = blocking();
    const { upstream, listener } = setup(b.handler);
    upstream.finish();
    listener.add(initialAdd('a'));
    listener.run();
    await flushMicrotasks();
    const stopped = listener.stop();
    assert.equal(listener.hasSynced(), false);
    b.release();
    await stopped;
    assert.equal(listener.hasSynced(), true);
  });

  it('an initial add whose handler throws still counts as delivered (deliberate difference)', async () => {
    const errors: unknown[] = [];
    const clock = new FakeClock(0);
    const upstream = new DoneSignal('upstream');
    const listener = new ProcessorListener<KubeObject>(
      {
        onAdd: () => {
          throw new Error('boom');
        },
      },
      0,
      0,
      { clock, id: 1, upstreamSynced: upstream, onError: (err) => errors.push(err) },
    );
    upstream.finish();
    listener.add(initialAdd('a'));
    listener.run();
    await listener.hasSyncedChecker().done();
    assert.equal(errors.length, 1);
    await listener.stop();
  });
});
