import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MinHeap } from '../../../../src/machinery/workqueue/heap.ts';

interface E {
  key: number;
  id: number;
  heapIndex: number;
}
const byKey = (a: E, b: E) => a.key < b.key || (a.key === b.key && a.id < b.id);

test('the heap pops entries smallest first', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1000, max: 1000 })), (keys) => {
      const h = new MinHeap<E>(byKey);
      keys.forEach((key, id) => h.push({ key, id, heapIndex: -1 }));
      const out: number[] = [];
      for (let e = h.pop(); e; e = h.pop()) out.push(e.key);
      assert.deepEqual(
        out,
        [...keys].sort((a, b) => a - b),
      );
    }),
  );
});

test('the heap stays ordered when entries change key and are fixed in place', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: -50, max: 150 }))),
      (keys, changes) => {
        const h = new MinHeap<E>(byKey);
        const entries = keys.map((key, id) => ({ key, id, heapIndex: -1 }));
        entries.forEach((e) => h.push(e));
        for (const [which, key] of changes) {
          const e = entries[which % entries.length]!;
          e.key = key;
          h.fix(e);
        }
        const out: E[] = [];
        for (let e = h.pop(); e; e = h.pop()) out.push(e);
        assert.deepEqual(
          out.map((e) => e.id),
          [...entries].sort((a, b) => a.key - b.key || a.id - b.id).map((e) => e.id),
        );
        assert.ok(out.every((e) => e.heapIndex === -1));
      },
    ),
  );
});

test('fixing an entry that is not in the heap is refused', () => {
  const h = new MinHeap<E>(byKey);
  assert.throws(() => h.fix({ key: 1, id: 1, heapIndex: -1 }));
});
