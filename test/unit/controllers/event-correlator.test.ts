// client-go's event correlation (tools/record/events_cache.go, event.go v0.36) in our EventRecorder, on a fake
// clock: the spam filter's token bucket, the count carried by patches, aggregation, retries.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/machinery/clock.ts';
import { EventRecorder, type CoreEvent } from '../../../src/controllers/event-recorder.ts';
import { AGGREGATE_MESSAGE_PREFIX, EventCorrelator, TokenBucket } from '../../../src/controllers/event-correlator.ts';
import type { KubeObject } from '../../../src/machinery/cache/list-watch.ts';
import { FakeClient, statusError } from './fake-client.ts';

const EPOCH = Date.parse('2026-03-01T10:00:00Z');

function fooNamed(name: string): KubeObject {
  return { apiVersion: 'samplecontroller.k8s.io/v1alpha1', kind: 'Foo', metadata: { name, namespace: 'demo', uid: `uid-${name}` } };
}

function setup(responder?: ConstructorParameters<typeof FakeClient>[0]) {
  const clock = new FakeClock();
  const client = new FakeClient(responder);
  const recorder = new EventRecorder(client.asClient(), { component: 'sample-controller', now: () => new Date(EPOCH + clock.now()), clock, random: () => 0.5 });
  return { clock, client, recorder };
}

describe('EventRecorder correlation', () => {
  it('lets 25 events about one object through, then drops them until the bucket refills (1 per 300 s); the count keeps every one', async () => {
    const { clock, client, recorder } = setup();
    const foo = fooNamed('a');
    for (let i = 0; i < 30; i++) recorder.event(foo, 'Normal', 'Synced', 'Foo synced successfully');
    await recorder.flush();
    assert.deepEqual(
      client.requests.map((r) => r.method),
      ['POST', ...Array<string>(24).fill('PATCH')],
    );
    assert.equal(recorder.stats().skipped, 5);
    await clock.advance(299_000);
    recorder.event(foo, 'Normal', 'Synced', 'Foo synced successfully');
    await recorder.flush();
    assert.equal(client.requests.length, 25, 'less than one token yet');
    await clock.advance(1_000);
    recorder.event(foo, 'Normal', 'Synced', 'Foo synced successfully');
    await recorder.flush();
    assert.equal(client.requests.length, 26);
    const patch = client.requests[25]!;
    assert.equal(patch.method, 'PATCH');
    assert.deepEqual(patch.body, { count: 32, lastTimestamp: '2026-03-01T10:05:00Z', message: 'Foo synced successfully' });
  });

  it('the bucket is per object and type: another object, or a Warning, has its own 25', async () => {
    const { client, recorder } = setup();
    for (let i = 0; i < 30; i++) {
      recorder.event(fooNamed('a'), 'Normal', 'Synced', 'ok');
      recorder.event(fooNamed('b'), 'Normal', 'Synced', 'ok');
      recorder.event(fooNamed('a'), 'Warning', 'ErrResourceExists', 'taken');
    }
    await recorder.flush();
    assert.equal(client.requests.length, 75);
  });

  it('an idle controller at 200 Foos, resyncing every 30 s: after the burst, writes only as tokens refill, none in between', async () => {
    const { clock, client, recorder } = setup();
    const foos = Array.from({ length: 200 }, (_, i) => fooNamed(`foo-${i}`));
    const perRound: number[] = [];
    for (let round = 1; round <= 47; round++) {
      const before = client.requests.length;
      for (const f of foos) recorder.event(f, 'Normal', 'Synced', 'Foo synced successfully');
      await recorder.flush();
      perRound.push(client.requests.length - before);
      await clock.advance(30_000);
    }
    // 25 tokens, minus one per round, plus 0.1 per round: the 27th round is the last of the burst.
    assert.deepEqual(perRound.slice(0, 27), Array<number>(27).fill(200));
    assert.deepEqual(perRound.slice(27, 30), [0, 0, 0], 'nothing while the buckets refill');
    assert.ok(perRound.every((n) => n === 0 || n === 200));
    assert.equal(
      perRound.slice(27).reduce<number>((a, b) => a + b, 0),
      400,
      'twenty rounds (10 min) after the burst: one write per Foo per 5 minutes',
    );
    // Without correlation this would have been 200 requests every round.
    assert.equal(recorder.stats().recorded, 200 * 47);
  });

  it('the 10th distinct message with the same reason within 10 minutes becomes one combined event, patched as more come', async () => {
    const { clock, client, recorder } = setup();
    const foo = fooNamed('a');
    for (let i = 1; i <= 12; i++) recorder.event(foo, 'Warning', 'FailedSync', `attempt ${i} failed`);
    await recorder.flush();
    assert.deepEqual(
      client.requests.map((r) => r.method),
      [...Array<string>(10).fill('POST'), 'PATCH', 'PATCH'],
    );
    const combined = client.requests[9]!.body as CoreEvent;
    assert.equal(combined.message, `${AGGREGATE_MESSAGE_PREFIX}attempt 10 failed`);
    assert.equal(combined.count, 1);
    // Built field by field, as client-go's: no reporting controller or instance.
    assert.deepEqual([combined.reportingComponent, combined.reportingInstance], ['', '']);
    const names = client.requests.filter((r) => r.method === 'POST').map((r) => (r.body as CoreEvent).metadata.name);
    assert.equal(new Set(names).size, names.length, 'the combined event is named apart from events made in the same millisecond');
    assert.deepEqual(client.requests[11]!.body, { count: 3, lastTimestamp: '2026-03-01T10:00:00Z', message: `${AGGREGATE_MESSAGE_PREFIX}attempt 12 failed` });
    assert.equal(client.requests[11]!.path, `/api/v1/namespaces/demo/events/${combined.metadata.name}`);
    assert.equal(recorder.stats().aggregated, 3);
    // More than 10 minutes of quiet: the similar events start over, individually.
    await clock.advance(600_001);
    recorder.event(foo, 'Warning', 'FailedSync', 'attempt 13 failed');
    await recorder.flush();
    assert.equal((client.requests.at(-1)!.body as CoreEvent).message, 'attempt 13 failed');
  });

  it('a combined event takes the clock reading that aggregated it, for its timestamps and its name', () => {
    // Every reading of this clock is one second later (k8s.io/utils' SimpleIntervalClock); client-go reads it
    // once to aggregate and once for the spam filter: the 10th event is aggregated on the 19th reading.
    let t = EPOCH;
    const correlator = new EventCorrelator(() => new Date((t += 1000)));
    const failed = (i: number): CoreEvent => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'x', namespace: '' },
      involvedObject: { kind: 'Foo', name: 'a', namespace: 'demo', uid: 'u' },
      source: { component: 'c' },
      reason: 'FailedSync',
      type: 'Warning',
      count: 1,
      message: `attempt ${i} failed`,
      reportingComponent: '',
      reportingInstance: '',
      firstTimestamp: '',
      lastTimestamp: '',
    });
    const results = Array.from({ length: 11 }, (_, i) => correlator.correlate(failed(i + 1)));
    const [tenth, eleventh] = results.slice(9).map((r) => (r.skip ? undefined : r.event));
    // What client-go v0.36 gives on the same clock.
    assert.equal(tenth?.metadata.name, 'a.1898af51bee23e00');
    assert.deepEqual([tenth?.firstTimestamp, tenth?.lastTimestamp], ['2026-03-01T10:00:19Z', '2026-03-01T10:00:19Z']);
    assert.deepEqual([eleventh?.count, eleventh?.firstTimestamp, eleventh?.lastTimestamp], [2, '2026-03-01T10:00:19Z', '2026-03-01T10:00:21Z']);
  });

  it('retries a transport failure 10 s apart (the first wait randomized), gives up after 12 tries, never retries an API error', async () => {
    let failures = 2;
    const { clock, client, recorder } = setup((req) => {
      if (req.method === 'POST' && failures-- > 0) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return req.body;
    });
    recorder.event(fooNamed('a'), 'Normal', 'Synced', 'ok');
    await clock.advance(0);
    assert.equal(client.requests.length, 1);
    await clock.advance(5_000); // 10 s x random 0.5
    assert.equal(client.requests.length, 2);
    await clock.advance(10_000);
    assert.equal(client.requests.length, 3);
    await recorder.flush();
    assert.equal(recorder.stats().failed, 0);

    const down = setup(() => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    down.recorder.event(fooNamed('a'), 'Normal', 'Synced', 'ok');
    await down.clock.advance(200_000);
    await down.recorder.flush();
    assert.equal(down.client.requests.length, 12);
    assert.equal(down.recorder.stats().failed, 1);

    const rejected = setup(() => {
      throw statusError(500, 'InternalError');
    });
    rejected.recorder.event(fooNamed('a'), 'Normal', 'Synced', 'ok');
    await rejected.recorder.flush();
    assert.equal(rejected.client.requests.length, 1);
    assert.equal(rejected.recorder.stats().failed, 1);
  });
});

describe('EventRecorder shutdown', () => {
  it('ends a retry wait at once and abandons its event; queued events get one try each; later events are dropped', async () => {
    const { client, recorder } = setup(() => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    for (const name of ['a', 'b', 'c']) recorder.event(fooNamed(name), 'Normal', 'Synced', 'ok');
    await Promise.resolve();
    recorder.shutDown();
    await recorder.flush(); // no clock advance: nothing waits out a retry
    assert.equal(client.requests.length, 3);
    assert.equal(recorder.stats().failed, 3);
    recorder.event(fooNamed('d'), 'Normal', 'Synced', 'ok');
    await recorder.flush();
    assert.equal(client.requests.length, 3);
    assert.equal(recorder.stats().recorded, 3);
  });
});

describe('EventRecorder shutdown, during a retry wait', () => {
  it('gives the event up at once, without another try', async () => {
    const { clock, client, recorder } = setup(() => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    recorder.event(fooNamed('a'), 'Normal', 'Synced', 'ok');
    await clock.advance(100); // tried once, now waiting 5 s
    assert.equal(client.requests.length, 1);
    recorder.shutDown();
    await recorder.flush();
    assert.equal(client.requests.length, 1);
    assert.equal(recorder.stats().failed, 1);
    assert.equal(clock.pendingTimers(), 0);
  });
});

describe('TokenBucket', () => {
  it('starts full, refills continuously, never beyond the burst', () => {
    const b = new TokenBucket(2, 1, 0);
    assert.deepEqual([b.tryAccept(0), b.tryAccept(0), b.tryAccept(0)], [true, true, false]);
    assert.equal(b.tryAccept(999), false);
    assert.equal(b.tryAccept(1000), true);
    assert.deepEqual([b.tryAccept(100_000), b.tryAccept(100_000), b.tryAccept(100_000)], [true, true, false]);
  });

  it('lets an event through when its token is due at that very instant, with golang.org/x/time/rate arithmetic', () => {
    // 25 events drain the bucket, then one every 300 s or so: the last is exactly on time. client-go's rate
    // (1/300 as a float32, a little more) lets it through; plain 1/300 in doubles comes out a hair short.
    const times = [
      134, 933, 1521, 2421, 3070, 3704, 4142, 4810, 5104, 5754, 5955, 6875, 7504, 8063, 8925, 9324, 9367, 9394, 9937, 10649, 11162, 11621, 11952, 12028, 12501,
    ];
    times.push(300488, 600289, 900200, 1200303, 1500211, 1800171, 2100253, 2400291, 2700134);
    const b = new TokenBucket(25, 1 / 300, times[0]!);
    assert.deepEqual(
      times.map((ms) => b.tryAccept(ms)),
      times.map(() => true),
    );
  });
});
