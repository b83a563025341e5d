import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/machinery/clock.ts';
import { ExponentialBackoff } from '../../../../src/machinery/cache/backoff.ts';

test('delays double from 800 ms and stop growing at 30 s (no jitter drawn)', () => {
  const b = new ExponentialBackoff({ clock: new FakeClock(), random: () => 0 });
  const delays = Array.from({ length: 9 }, () => b.next());
  assert.deepEqual(delays, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000]);
});

test('jitter 1.0 adds up to the whole delay again', () => {
  const b = new ExponentialBackoff({ clock: new FakeClock(), random: () => 0.5 });
  assert.deepEqual([b.next(), b.next(), b.next()], [1200, 2400, 4800]);
  const capped = new ExponentialBackoff({ clock: new FakeClock(), random: () => 0.999, initialMs: 30_000 });
  assert.ok(capped.next() < 60_000);
});

test('the sequence restarts when more than two minutes passed since the last restart, even while failing', async () => {
  const clock = new FakeClock();
  const b = new ExponentialBackoff({ clock, random: () => 0 });
  const delays: number[] = [];
  // Fail continuously, waiting out each delay, for three minutes.
  while (clock.now() < 180_000) {
    const d = b.next();
    delays.push(d);
    await clock.advance(d);
  }
  assert.deepEqual(delays.slice(0, 9), [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000]);
  // 800+...+30000*3 = 140 400 ms: the tenth delay starts after the two minutes, from 800 again.
  assert.equal(delays[9], 800);
});

test('the sequence restarts after two minutes without a failure', async () => {
  const clock = new FakeClock();
  const b = new ExponentialBackoff({ clock, random: () => 0 });
  b.next();
  b.next();
  await clock.advance(120_000);
  assert.equal(b.next(), 3200, 'exactly 2 min is not yet "more than" 2 min');
  await clock.advance(120_001);
  assert.equal(b.next(), 800);
});

test('reset starts over; jitter 0 gives exact delays; options are honoured', () => {
  const b = new ExponentialBackoff({ clock: new FakeClock(), initialMs: 100, factor: 3, capMs: 1000, jitter: 0, random: () => 0.9 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [100, 300, 900, 1000]);
  b.reset();
  assert.equal(b.next(), 100);
});

test('a factor of 0 keeps every delay at the initial one', () => {
  const b = new ExponentialBackoff({ clock: new FakeClock(), factor: 0, random: () => 0 });
  assert.deepEqual([b.next(), b.next(), b.next()], [800, 800, 800]);
});

test('a reset interval of 0 keeps every delay at the initial one', () => {
  const b = new ExponentialBackoff({ clock: new FakeClock(), resetAfterMs: 0, random: () => 0 });
  assert.deepEqual([b.next(), b.next(), b.next()], [800, 800, 800]);
});

test('growth stops when the steps run out, by default ceil(cap / initial) of them', () => {
  const explicit = new ExponentialBackoff({ clock: new FakeClock(), initialMs: 100, steps: 3, random: () => 0 });
  assert.deepEqual(
    Array.from({ length: 6 }, () => explicit.next()),
    [100, 200, 400, 800, 800, 800],
  );
  // 200 / 100 = 2 steps: a slow factor stops short of the cap, as the reflector's derived Steps make it.
  const derived = new ExponentialBackoff({ clock: new FakeClock(), initialMs: 100, capMs: 200, factor: 1.1, random: () => 0 });
  assert.deepEqual(
    Array.from({ length: 5 }, () => derived.next()),
    [100, 110, 121, 121, 121],
  );
});

test('without a cap the delay stays at the initial one unless steps are given, then grows uncapped', () => {
  const noCap = new ExponentialBackoff({ clock: new FakeClock(), capMs: 0, random: () => 0 });
  assert.deepEqual([noCap.next(), noCap.next(), noCap.next()], [800, 800, 800]);
  const stepped = new ExponentialBackoff({ clock: new FakeClock(), capMs: 0, steps: 5, random: () => 0 });
  assert.deepEqual(
    Array.from({ length: 7 }, () => stepped.next()),
    [800, 1600, 3200, 6400, 12800, 25600, 25600],
  );
});

test('a restart after the reset interval restores the steps as well as the delay', async () => {
  const clock = new FakeClock();
  const b = new ExponentialBackoff({ clock, initialMs: 100, steps: 1, resetAfterMs: 1000, random: () => 0 });
  assert.deepEqual([b.next(), b.next(), b.next()], [100, 200, 200]);
  await clock.advance(1001);
  assert.deepEqual([b.next(), b.next(), b.next()], [100, 200, 200]);
});

test('delays are whole nanoseconds, truncated as Go truncates durations', () => {
  const b = new ExponentialBackoff({ clock: new FakeClock(), initialMs: 100, capMs: 1000, factor: 1.1, random: () => 1 / 3 });
  // 100 ms * 1.1 is 110.00000000000001 in floating point; jitter 1/3 of 110 ms truncates to 36.666666 ms.
  assert.deepEqual([b.next(), b.next()], [133.333333, 146.666666]);
});

test('a factor of 0 keeps an initial delay above the cap, as wait.Backoff only caps a grown delay', () => {
  // Go: wait.Backoff{Duration: 1s, Cap: 500ms, Steps: 2, Factor: 0}.DelayWithReset gives 1s, 1s, 1s, 1s.
  const b = new ExponentialBackoff({ clock: new FakeClock(), initialMs: 1000, capMs: 500, steps: 2, factor: 0, jitter: 0 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [1000, 1000, 1000, 1000]);
});

test('a whole number of microseconds given in milliseconds is kept exactly, not one nanosecond short', () => {
  // 1.001 * 1e6 is 1000999.9999999999 in floating point; Go's 1001 * time.Microsecond is 1001000 ns.
  const b = new ExponentialBackoff({ clock: new FakeClock(), initialMs: 1.001, capMs: 1000, jitter: 0 });
  assert.deepEqual([b.next(), b.next()], [1.001, 2.002]);
});
