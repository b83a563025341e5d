import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/machinery/clock.ts';
import { runWorkqueueScenario, SCENARIO_NAMES, type ScenarioName, type WorkqueueEvent } from '../../../src/examples/workqueue.ts';

async function run(scenario: ScenarioName, extra: { items?: string[]; workers?: number } = {}): Promise<WorkqueueEvent[]> {
  const events: WorkqueueEvent[] = [];
  await runWorkqueueScenario({ scenario, readerDelayMs: 0, ...extra }, (e) => events.push(e));
  return events;
}

const queueOps = (events: WorkqueueEvent[]) =>
  events.flatMap((e) => (e.type === 'queue' ? [`${e.actor} ${e.action}${e.item !== undefined ? ` ${e.item}` : ''}`] : []));
const says = (events: WorkqueueEvent[]) => events.flatMap((e) => (e.type === 'say' ? [`${e.actor}: ${e.text}`] : []));

describe('workqueue lesson scenarios', () => {
  for (const name of SCENARIO_NAMES) {
    it(`${name} is deterministic and ends with a summary`, async () => {
      const a = await run(name);
      const b = await run(name);
      assert.deepEqual(a, b);
      assert.equal(a[0]!.type, 'start');
      assert.equal(a.at(-1)!.type, 'summary');
    });
  }

  it('basic: the filler fills and shuts down before the reader reads every item, then shutdown=true', async () => {
    const events = await run('basic');
    const ops = queueOps(events);
    assert.deepEqual(ops.slice(0, 6), ['filler add informers', 'filler add feed', 'filler add the', 'filler add work', 'filler add queue', 'filler shutdown']);
    const got = says(events).filter((s) => s.startsWith('reader: got'));
    assert.deepEqual(got, [
      'reader: got informers, shutdown=false',
      'reader: got feed, shutdown=false',
      'reader: got the, shutdown=false',
      'reader: got work, shutdown=false',
      'reader: got queue, shutdown=false',
      'reader: got nothing, shutdown=true: the queue is shut down and empty, stopping',
    ]);
    const first = events.find((e) => e.type === 'queue' && e.action === 'get');
    assert.deepEqual(first && first.type === 'queue' ? first.state : undefined, {
      queue: ['feed', 'the', 'work', 'queue'],
      dirty: ['feed', 'the', 'work', 'queue'],
      processing: ['informers'],
    });
  });

  it('basic waits the reader delay on the clock it is given', async () => {
    const clock = new FakeClock();
    const events: WorkqueueEvent[] = [];
    const done = runWorkqueueScenario({ scenario: 'basic', readerDelayMs: 3000, clock }, (e) => events.push(e));
    await clock.advance(2999);
    assert.ok(!events.some((e) => e.type === 'queue' && e.action === 'get'), 'no get before the delay');
    await clock.advance(1);
    await done;
    assert.equal(events.filter((e) => e.type === 'queue' && e.action === 'get').length, 5);
  });

  it('basic with several readers shares the items out, each handed out once', async () => {
    const events = await run('basic', { workers: 3 });
    const gets = events.filter((e) => e.type === 'queue' && e.action === 'get');
    assert.deepEqual(gets.map((e) => (e.type === 'queue' ? e.item : '')).sort(), ['feed', 'informers', 'queue', 'the', 'work']);
    assert.deepEqual(new Set(gets.map((e) => (e.type === 'queue' ? e.actor : ''))), new Set(['reader-1', 'reader-2', 'reader-3']));
    assert.equal(says(events).filter((s) => s.includes('shutdown=true')).length, 3);
  });

  it('dedup: duplicates are ignored while queued, each item processed once', async () => {
    const events = await run('dedup');
    const summary = events.at(-1)!;
    assert.ok(summary.type === 'summary');
    assert.equal(summary.counts.ignoredDirty, 2);
    assert.equal(summary.counts.gets, 3);
  });

  it('reprocess: the item goes out again only after done, to the waiting worker', async () => {
    const ops = queueOps(await run('reprocess'));
    assert.deepEqual(ops, [
      'producer add pod-a',
      'worker-1 get pod-a',
      'producer add-deferred-processing pod-a',
      'worker-1 done pod-a',
      'worker-1 requeue-after-done pod-a',
      'worker-2 get pod-a',
      'worker-2 done pod-a',
      'main shutdown',
    ]);
  });

  it('shutdown: waiting workers are released, later adds ignored', async () => {
    const events = await run('shutdown', { workers: 2 });
    assert.deepEqual(queueOps(events), ['main shutdown', 'main add-ignored-shutdown pod-a']);
    assert.deepEqual(says(events).filter((s) => s.includes('released')).length, 2);
  });

  it('drain: returns only after the held items are done; queued items still go out', async () => {
    const events = await run('drain');
    const lines = events.flatMap((e) =>
      e.type === 'queue' ? [`${e.actor} ${e.action} ${e.item ?? ''}`.trim()] : e.type === 'say' ? [`${e.actor}: ${e.text}`] : [],
    );
    const returned = lines.indexOf('main: shutDownWithDrain() returned: every held item is done');
    assert.ok(returned > lines.indexOf('worker-2 done pod-b'));
    assert.ok(returned < lines.indexOf('worker-1 get pod-c'));
  });

  it('rate-limit: delays 5, 10, 20, 40, 80 ms from the default controller limiter, then forget', async () => {
    const events = await run('rate-limit');
    const delays = events.flatMap((e) => (e.type === 'queue' && e.action === 'rate-limited' ? [e.delayMs] : []));
    assert.deepEqual(delays, [5, 10, 20, 40, 80]);
    assert.ok(says(events).includes('worker-1: forget(flaky): its failures are cleared, numRequeues=0'));
  });
});
