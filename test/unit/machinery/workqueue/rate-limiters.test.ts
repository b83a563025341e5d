import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FakeClock } from '../../../../src/machinery/clock.ts';
import {
  BucketRateLimiter,
  DEFAULT_CONTROLLER_BASE_DELAY_MS,
  DEFAULT_CONTROLLER_BURST,
  DEFAULT_CONTROLLER_MAX_DELAY_MS,
  DEFAULT_CONTROLLER_QPS,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  WithMaxWaitRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  defaultItemBasedRateLimiter,
  type RateLimiter,
} from '../../../../src/machinery/workqueue/rate-limiters.ts';

const whens = <T>(l: RateLimiter<T>, item: T, n: number) => Array.from({ length: n }, () => l.when(item));

test('exponential backoff doubles per failure from the base delay: 5, 10, 20, 40 ms', () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, 1000);
  assert.deepEqual(whens(l, 'a', 5), [5, 10, 20, 40, 80]);
  assert.equal(l.numRequeues('a'), 5);
});

test('exponential backoff is capped at the maximum delay', () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, 30);
  assert.deepEqual(whens(l, 'a', 5), [5, 10, 20, 30, 30]);
});

test('exponential backoff counts failures per item', () => {
  const l = new ItemExponentialFailureRateLimiter<string>(1, 1000);
  l.when('a');
  l.when('a');
  assert.equal(l.when('b'), 1);
  assert.equal(l.when('a'), 4);
  assert.equal(l.numRequeues('b'), 1);
});

test('forget resets an item to the base delay', () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, 1000);
  whens(l, 'a', 3);
  l.forget('a');
  assert.equal(l.numRequeues('a'), 0);
  assert.equal(l.when('a'), 5);
});

test('exponential backoff never overflows: after thousands of failures it is exactly the maximum', () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, DEFAULT_CONTROLLER_MAX_DELAY_MS);
  const delays = whens(l, 'a', 3000);
  assert.ok(delays.every((d) => Number.isFinite(d) && d > 0 && d <= DEFAULT_CONTROLLER_MAX_DELAY_MS));
  assert.equal(delays.at(-1), DEFAULT_CONTROLLER_MAX_DELAY_MS);
});

test('exponential backoff is monotonic and bounded for any base and max', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.double({ min: 0, max: 1e9, noNaN: true }),
      fc.integer({ min: 1, max: 1100 }),
      (base, max, n) => {
        const l = new ItemExponentialFailureRateLimiter<string>(base, max);
        const d = whens(l, 'x', n);
        for (let i = 0; i < d.length; i++) {
          assert.ok(d[i]! >= 0 && d[i]! <= Math.max(max, 0) && Number.isFinite(d[i]!));
          if (i > 0) assert.ok(d[i]! >= d[i - 1]!);
        }
      },
    ),
    { numRuns: 50 },
  );
});

test('bad limiter arguments are refused', () => {
  assert.throws(() => new ItemExponentialFailureRateLimiter(-1, 10), RangeError);
  assert.throws(() => new ItemFastSlowRateLimiter(1, Number.NaN, 3), RangeError);
  assert.throws(() => new BucketRateLimiter(0, 10), RangeError);
  assert.throws(() => new BucketRateLimiter(10, 0), RangeError);
});

test('fast-slow gives the fast delay for the first attempts, then the slow one, until forgotten', () => {
  const l = new ItemFastSlowRateLimiter<string>(5, 10_000, 3);
  assert.deepEqual(whens(l, 'a', 5), [5, 5, 5, 10_000, 10_000]);
  assert.equal(l.numRequeues('a'), 5);
  assert.equal(l.when('b'), 5);
  l.forget('a');
  assert.equal(l.numRequeues('a'), 0);
  assert.equal(l.when('a'), 5);
});

test('bucket: the first burst of retries is immediate, then they are spaced at 1/qps', () => {
  const clock = new FakeClock();
  const l = new BucketRateLimiter<string>(10, 100, { clock });
  const delays = Array.from({ length: 103 }, (_, i) => l.when(`k${i}`));
  assert.deepEqual(delays.slice(0, 100), new Array(100).fill(0));
  assert.deepEqual(delays.slice(100), [100, 200, 300]);
  assert.equal(l.numRequeues('k1'), 0);
});

test('bucket: tokens refill over time at qps, up to the burst', async () => {
  const clock = new FakeClock();
  const l = new BucketRateLimiter<string>(10, 5, { clock });
  whens(l, 'a', 5);
  assert.equal(l.when('a'), 100);
  // The borrowed token is repaid after 100 ms; 200 ms more refill two tokens.
  await clock.advance(300);
  assert.deepEqual(whens(l, 'a', 3), [0, 0, 100]);
  await clock.advance(60_000);
  assert.deepEqual(whens(l, 'a', 6), [0, 0, 0, 0, 0, 100], 'never more than burst tokens');
});

test('bucket: forget does not give tokens back', () => {
  const clock = new FakeClock();
  const l = new BucketRateLimiter<string>(1, 1, { clock });
  l.when('a');
  l.forget('a');
  assert.equal(l.when('a'), 1000);
});

test('max-of returns the largest delay, counts in every limiter and forgets in all', () => {
  const l = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter(5, 1000), new ItemFastSlowRateLimiter(12, 30, 2));
  assert.deepEqual(whens(l, 'a', 5), [12, 12, 30, 40, 80]);
  assert.equal(l.numRequeues('a'), 5);
  l.forget('a');
  assert.equal(l.numRequeues('a'), 0);
  assert.equal(l.when('a'), 12);
});

test('max-of with no limiters allows everything at once', () => {
  const l = new MaxOfRateLimiter<string>();
  assert.equal(l.when('a'), 0);
  assert.equal(l.numRequeues('a'), 0);
});

test('the default controller limiter uses client-go numbers: 5 ms..1000 s per item, 10 qps burst 100 overall', () => {
  assert.equal(DEFAULT_CONTROLLER_BASE_DELAY_MS, 5);
  assert.equal(DEFAULT_CONTROLLER_MAX_DELAY_MS, 1_000_000);
  assert.equal(DEFAULT_CONTROLLER_QPS, 10);
  assert.equal(DEFAULT_CONTROLLER_BURST, 100);
  const clock = new FakeClock();
  const l = defaultControllerRateLimiter<string>({ clock });
  assert.deepEqual(whens(l, 'a', 4), [5, 10, 20, 40]);
  // 96 other items use up the rest of the burst...
  for (let i = 0; i < 96; i++) assert.equal(l.when(`other${i}`), 5);
  // ...so a brand-new item now waits for the bucket, not its own backoff.
  assert.equal(l.when('new'), 100);
  // After a long failure streak the per-item cap applies.
  assert.equal(Math.max(...whens(l, 'a', 40)), 1_000_000);
});

test('the default item-based limiter starts at 1 ms', () => {
  const l = defaultItemBasedRateLimiter<string>();
  assert.deepEqual(whens(l, 'a', 3), [1, 2, 4]);
});

test('a max-wait limiter caps the delays of the limiter it wraps, and passes forget and numRequeues through', () => {
  const capped = new WithMaxWaitRateLimiter(new ItemExponentialFailureRateLimiter<string>(10, 100_000), 35);
  assert.deepEqual([capped.when('a'), capped.when('a'), capped.when('a'), capped.when('a')], [10, 20, 35, 35]);
  assert.equal(capped.numRequeues('a'), 4);
  capped.forget('a');
  assert.deepEqual([capped.numRequeues('a'), capped.when('a')], [0, 10]);
});
