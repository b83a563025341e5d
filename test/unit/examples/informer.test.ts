import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInformer, STAGES, type InformerOptions, type InformerStep } from '../../../src/examples/informer.ts';
import { BUILTIN_RESOURCES } from '../../../src/core/resources.ts';
import { ScriptedListerWatcher } from '../machinery/cache/fake-lister-watcher.ts';
import { pod } from '../machinery/cache/helpers.ts';
import { FIFO_KINDS, type FifoKind } from '../../../src/machinery/cache/shared-informer.ts';
import { FakeClock } from '../../../src/machinery/clock.ts';

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Informers a test started: stopped after it, so that a test failing half-way cannot leave one running. */
const running = new Set<{ stop: AbortController; done: Promise<unknown> }>();
afterEach(async () => {
  for (const run of running) run.stop.abort();
  await Promise.allSettled([...running].map((run) => run.done));
  running.clear();
});

function start(fifo: FifoKind, lw: ScriptedListerWatcher, opts: Partial<InformerOptions> = {}) {
  const steps: InformerStep[] = [];
  const stop = new AbortController();
  const done = runInformer(
    () => lw,
    { ref: BUILTIN_RESOURCES.pods, resyncMs: 0, fifo, signal: stop.signal, ...opts },
    (s) => steps.push(s),
  );
  running.add({ stop, done });
  const events = () => steps.flatMap((s) => (s.type === 'event' ? [`${s.event}${s.resync ? ' (resync)' : ''} ${s.key}`] : []));
  return { steps, stop, done, events };
}

for (const fifo of FIFO_KINDS) {
  describe(`informer lesson [${fifo} FIFO]`, () => {
    it('reports ADD for the list, then MOD and DEL from the watch, with counts on exit', async () => {
      const lw = new ScriptedListerWatcher();
      lw.objects = [pod('a', { ns: 'x', rv: '1' })];
      const run = start(fifo, lw);
      await until('sync', () => run.steps.some((s) => s.type === 'synced'));
      await until('watch', () => lw.watches.length > 0);
      lw.current.emit('ADDED', pod('b', { ns: 'x', rv: '2' }));
      lw.current.emit('MODIFIED', pod('b', { ns: 'x', rv: '3' }));
      lw.current.emit('DELETED', pod('b', { ns: 'x', rv: '4' }));
      await until('DEL', () => run.events().includes('DEL x/b'));
      run.stop.abort();
      const summary = await run.done;
      assert.deepEqual(run.events(), ['ADD x/a', 'ADD x/b', 'MOD x/b', 'DEL x/b']);
      assert.deepEqual(summary.counts, { ADD: 2, MOD: 1, 'MOD (resync)': 0, DEL: 1 });
      assert.equal(summary.reason, 'interrupted');
      const synced = run.steps.find((s) => s.type === 'synced');
      assert.deepEqual(synced, { type: 'synced', count: 1, resourceVersion: '1', via: 'list' });
      const mod = run.steps.find((s) => s.type === 'event' && s.event === 'MOD');
      assert.ok(mod?.type === 'event' && mod.oldResourceVersion === '2' && mod.resourceVersion === '3');
      assert.equal(run.steps.at(-1)!.type, 'stopped');
    });

    it('with trace, follows each event through every stage, in order, timed from its arrival', async () => {
      const lw = new ScriptedListerWatcher();
      const run = start(fifo, lw, { trace: true });
      await until('watch', () => lw.watches.length > 0);
      lw.current.emit('ADDED', pod('b', { ns: 'x', rv: '2' }));
      lw.current.emit('MODIFIED', pod('b', { ns: 'x', rv: '3' }));
      await until('MOD', () => run.events().includes('MOD x/b'));
      run.stop.abort();
      await run.done;
      const traced = run.steps.filter((s) => s.type === 'event');
      assert.equal(traced.length, 2);
      for (const s of traced) {
        assert.ok(s.type === 'event' && s.trace, 'each event carries its pipeline');
        assert.equal(s.trace.origin, 'watch event');
        assert.deepEqual(
          s.trace.stages.map((st) => st.stage),
          [...STAGES],
        );
        const times = s.trace.stages.map((st) => st.atMs);
        assert.equal(times[0], 0);
        assert.deepEqual(
          [...times].sort((a, b) => a - b),
          times,
          'stages are timed in order',
        );
      }
      // The machinery's own narration (list, watch start) comes along; the per-event trace events do not repeat.
      const narrated = run.steps.flatMap((s) => (s.type === 'machinery' ? [`${s.component} ${s.action}`] : []));
      assert.ok(narrated.includes('reflector listed'));
      const perObject = run.steps.filter(
        (s) => s.type === 'machinery' && s.key !== undefined && /^(deltafifo|realfifo) (queued|popped)$/.test(`${s.component} ${s.action}`),
      );
      assert.deepEqual(perObject, []);
      // A whole list in one RealFIFO entry is narrated, since no single event carries it.
      if (fifo === 'real') assert.ok(narrated.includes('realfifo queued'));
    });

    it('with watch-list, narrates the stream: initial events, the initial-events-end bookmark, the store replaced, the same stream watched', async () => {
      const lw = new ScriptedListerWatcher();
      lw.watchListSupported = true;
      const run = start(fifo, lw, { trace: true });
      await until('watch-list', () => lw.watches.length > 0);
      assert.equal(lw.watchCalls[0]!.sendInitialEvents, true);
      lw.current.emit('ADDED', pod('a', { ns: 'x', rv: '5' }));
      lw.current.emit('BOOKMARK', { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '6', annotations: { 'k8s.io/initial-events-end': 'true' } } });
      await until('sync', () => run.steps.some((s) => s.type === 'synced'));
      lw.current.emit('MODIFIED', pod('a', { ns: 'x', rv: '7' }));
      await until('MOD', () => run.events().includes('MOD x/a'));
      run.stop.abort();
      await run.done;
      assert.equal(lw.listCalls.length, 0);
      assert.deepEqual(
        run.steps.find((s) => s.type === 'synced'),
        { type: 'synced', count: 1, resourceVersion: '6', via: 'watch-list' },
      );
      const [add, mod] = run.steps.filter((s) => s.type === 'event');
      assert.ok(add?.type === 'event' && add.initial && add.trace?.origin === 'watch-list');
      assert.deepEqual(
        add.trace.stages.map((st) => st.stage),
        [...STAGES],
      );
      assert.ok(mod?.type === 'event' && mod.trace?.origin === 'watch event');
      const narrated = run.steps.flatMap((s) => (s.type === 'machinery' && s.component === 'reflector' ? [s.action] : []));
      assert.deepEqual(narrated, ['watch-list-start', 'bookmark', 'initial-events-end', 'watch-list-synced', 'watch-continues']);
    });

    it('with watch-list off, lists even where the transport could stream', async () => {
      const lw = new ScriptedListerWatcher();
      lw.watchListSupported = true;
      const run = start(fifo, lw, { watchList: false });
      await until('sync', () => run.steps.some((s) => s.type === 'synced'));
      run.stop.abort();
      await run.done;
      assert.equal(lw.listCalls.length, 1);
      assert.equal(lw.watchCalls[0]!.sendInitialEvents, undefined);
    });

    it('with trace, follows the objects of the first list through every stage too', async () => {
      const lw = new ScriptedListerWatcher();
      lw.objects = [pod('a', { ns: 'x', rv: '1' }), pod('b', { ns: 'x', rv: '1' })];
      const run = start(fifo, lw, { trace: true });
      await until('two ADDs', () => run.events().length === 2);
      run.stop.abort();
      await run.done;
      for (const s of run.steps) {
        if (s.type !== 'event') continue;
        assert.equal(s.trace?.origin, 'list');
        assert.deepEqual(
          s.trace.stages.map((st) => st.stage),
          [...STAGES],
        );
      }
      const starting = run.steps.find((s) => s.type === 'starting');
      assert.equal(starting?.type === 'starting' && starting.fifo, fifo);
    });

    it('a handler added after the sync gets an ADD for every cached object', async () => {
      const lw = new ScriptedListerWatcher();
      lw.objects = [pod('a', { ns: 'x', rv: '1' }), pod('b', { ns: 'x', rv: '1' })];
      const run = start(fifo, lw, { handlersAfterSync: true, trace: true });
      await until('two ADDs', () => run.events().length === 2);
      run.stop.abort();
      await run.done;
      const order = run.steps.flatMap((s) => (s.type === 'synced' || s.type === 'handler-added' || s.type === 'event' ? [s.type] : []));
      assert.deepEqual(order, ['synced', 'handler-added', 'event', 'event']);
      for (const s of run.steps) if (s.type === 'event') assert.ok(s.replayed && s.initial && !s.trace);
    });

    it('marks resyncs: MOD (resync) when the resourceVersion did not change', async () => {
      const lw = new ScriptedListerWatcher();
      lw.objects = [pod('a', { ns: 'x', rv: '1' })];
      // On a fake clock: a real second, and a bound close to it, would race a busy machine.
      const clock = new FakeClock();
      const run = start(fifo, lw, { resyncMs: 1000, trace: true, clock });
      try {
        await until('sync', () => run.steps.some((s) => s.type === 'synced'));
        const resynced = () => run.events().includes('MOD (resync) x/a');
        await clock.advance(500);
        await new Promise((resolve) => setImmediate(resolve));
        assert.ok(!resynced(), 'no resync before its period');
        for (let ms = 500; ms < 5000 && !resynced(); ms += 500) await clock.advance(500);
        await until('a resync', resynced);
      } finally {
        run.stop.abort(); // a failure above must not leave the run holding the test process open
      }
      const summary = await run.done;
      assert.ok(summary.counts['MOD (resync)'] >= 1);
      const resync = run.steps.find((s) => s.type === 'event' && s.resync);
      assert.ok(resync?.type === 'event' && resync.trace?.origin === 'resync');
    });

    it('stops on its timeout', async () => {
      const lw = new ScriptedListerWatcher();
      const run = start(fifo, lw, { timeoutMs: 400 });
      const summary = await run.done;
      assert.equal(summary.reason, 'timeout');
      assert.equal(summary.synced, true);
    });
  });
}
