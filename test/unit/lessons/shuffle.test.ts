import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { choiceOrder } from '../../../src/lessons/shuffle.ts';

test('a choice order is a permutation, the same for the same seed and question', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.string(), (n, seed, key) => {
      const order = choiceOrder(n, seed, key);
      assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
      assert.deepEqual(choiceOrder(n, seed, key), order);
    }),
  );
});

test('over many sessions the right answer lands in every position about equally often', () => {
  // 28 questions with the answer always first in the catalog: where does it appear on screen?
  const positions = [0, 0, 0, 0];
  const sessions = 2000;
  for (let seed = 1; seed <= sessions; seed++) {
    for (let q = 0; q < 28; q++) positions[choiceOrder(4, seed * 2654435761, `lesson/${q}`).indexOf(0)]!++;
  }
  const expected = (sessions * 28) / 4;
  for (const p of positions) assert.ok(Math.abs(p - expected) < expected * 0.05, `positions ${positions.join(', ')}`);
});

test('different questions of one session get different orders', () => {
  const orders = new Set(Array.from({ length: 20 }, (_, q) => choiceOrder(4, 12345, `lesson/${q}`).join('')));
  assert.ok(orders.size > 5, `only ${orders.size} distinct orders`);
});
