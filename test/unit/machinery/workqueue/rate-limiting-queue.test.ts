import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/machinery/clock.ts';
import { RecordingTracer } from '../../../../src/machinery/trace.ts';
import { RecordingQueueMetrics } from '../../../../src/machinery/workqueue/metrics.ts';
import { ItemExponentialFailureRateLimiter } from '../../../../src/machinery/workqueue/rate-limiters.ts';
import { RateLimitingWorkQueue, newRateLimitingQueue } from '../../../../src/machinery/workqueue/rate-limiting-queue.ts';

/** Records the clock time at which each get resolves, for a worker that fails every time. */
async function failingWorkerTimes(times: number): Promise<number[]> {
  const clock = new FakeClock();
  const q = new RateLimitingWorkQueue<string>({ clock });
  const seen: number[] = [];
  void (async () => {
    for (;;) {
      const r = await q.get();
      if (r.shutdown) return;
      seen.push(clock.now());
      q.done(r.item);
      q.addRateLimited(r.item);
    }
  })();
  q.add('ns/a');
  await clock.advance(0);
  while (seen.length < times) await clock.advance(1);
  q.shutDown();
  return seen;
}

test('a failing item is retried after 5, 10, 20, 40 ms with the default controller limiter', async () => {
  const seen = await failingWorkerTimes(5);
  const gaps = seen.slice(1).map((t, i) => t - seen[i]!);
  assert.deepEqual(gaps, [5, 10, 20, 40]);
});

test('addRateLimited waits for the limiter delay before the item is queued', async () => {
  const clock = new FakeClock();
  const q = newRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(5, 1000), { clock });
  q.addRateLimited('a');
  q.addRateLimited('a');
  assert.equal(q.numRequeues('a'), 2);
  await clock.advance(4);
  assert.equal(q.len(), 0);
  await clock.advance(1);
  assert.equal(q.len(), 1, 'the earlier deadline (5 ms) wins over the later one (10 ms)');
});

test('forget resets the requeue count and the backoff', async () => {
  const clock = new FakeClock();
  const q = newRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(5, 1000), { clock });
  q.addRateLimited('a');
  q.addRateLimited('a');
  q.addRateLimited('a');
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  await clock.advance(5);
  const r = await q.get();
  q.done(r.item!);
  q.addRateLimited('a');
  await clock.advance(5);
  assert.equal(q.len(), 1);
});

test('each retry is reported to the metrics and traced with its delay and count', () => {
  const clock = new FakeClock();
  const tracer = new RecordingTracer();
  const metrics = new RecordingQueueMetrics();
  const q = newRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(5, 1000), { clock, tracer, metrics, name: 'test' });
  q.addRateLimited('a');
  q.addRateLimited('a');
  assert.equal(metrics.retries, 2);
  const limited = tracer.events.filter((e) => e.action === 'rate-limited');
  assert.deepEqual(
    limited.map((e) => [e.key, e.data?.delayMs, e.data?.requeues]),
    [
      ['a', 5, 1],
      ['a', 10, 2],
    ],
  );
  q.shutDown();
});

test('every addAfter counts a retry, a zero delay too, and none once the queue shuts down (client-go AddAfter)', () => {
  const clock = new FakeClock();
  const metrics = new RecordingQueueMetrics();
  const q = newRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(5, 1000), { clock, metrics, name: 'test' });
  q.addAfter('x', 100);
  q.addAfter('y', 0);
  q.addRateLimited('z');
  q.add('plain');
  assert.equal(metrics.retries, 3);
  q.shutDown();
  q.addRateLimited('w');
  assert.equal(metrics.retries, 3);
  assert.equal(q.numRequeues('w'), 1);
});

test('addRateLimited after shutdown still counts the retry but queues nothing', async () => {
  const clock = new FakeClock();
  const q = newRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(5, 1000), { clock });
  q.shutDown();
  q.addRateLimited('a');
  assert.equal(q.numRequeues('a'), 1);
  assert.equal(clock.pendingTimers(), 0);
});
