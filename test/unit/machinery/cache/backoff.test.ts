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
