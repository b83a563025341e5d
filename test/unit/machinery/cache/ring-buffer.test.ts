import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RingGrowing } from '../../../../src/machinery/cache/ring-buffer.ts';

test('the ring buffer keeps FIFO order across wrap-around and growth', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant<'read'>('read'), fc.integer())), (ops) => {
      const ring = new RingGrowing<number>(2);
      const model: number[] = [];
      for (const op of ops) {
        if (op === 'read') assert.deepEqual(ring.readOne(), model.length ? { value: model.shift()! } : undefined);
        else {
          ring.writeOne(op);
          model.push(op);
        }
        assert.equal(ring.length, model.length);
      }
    }),
  );
});

test('the ring buffer doubles its capacity when full and starts at 1024 by default', () => {
  const ring = new RingGrowing<number>();
  assert.equal(ring.capacity, 1024);
  for (let i = 0; i < 1025; i++) ring.writeOne(i);
  assert.equal(ring.capacity, 2048);
  assert.equal(ring.readOne()?.value, 0);
});

test('a ring of size 0 holds nothing until its first write, which gives it 16 slots', () => {
  const ring = new RingGrowing<number>(0);
  assert.equal(ring.capacity, 0);
  assert.equal(ring.readOne(), undefined);
  ring.writeOne(7);
  assert.equal(ring.capacity, 16);
  assert.deepEqual(ring.readOne(), { value: 7 });
});

test('a negative or fractional ring size is refused', () => {
  assert.throws(() => new RingGrowing<number>(-1), RangeError);
  assert.throws(() => new RingGrowing<number>(1.5), RangeError);
});
