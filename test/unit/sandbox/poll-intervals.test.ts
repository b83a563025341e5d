import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pollIntervals } from '../../../src/sandbox/processes.ts';

test('start-up checks come quickly at first, then half as long again each time, up to the cap', () => {
  const i = pollIntervals();
  assert.deepEqual(
    Array.from({ length: 9 }, () => i.next()),
    [20, 30, 45, 68, 101, 152, 228, 250, 250],
  );
});

test('intervals never shrink and never pass the cap', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 2000 }), fc.integer({ min: 1, max: 60 }), (first, max, n) => {
      const i = pollIntervals(first, max);
      const seen = Array.from({ length: n }, () => i.next());
      assert.equal(seen[0], first);
      for (let k = 1; k < n; k++) assert.ok(seen[k]! >= seen[k - 1]! && seen[k]! <= max);
    }),
  );
});
