import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { lineBatch } from '../../../src/console/line-batch.ts';

describe('lineBatch', () => {
  it('writes the lines of one turn once, in order, at the end of the turn', async () => {
    const writes: string[] = [];
    const batch = lineBatch((t) => writes.push(t));
    batch.line('a');
    batch.line('b');
    await Promise.resolve();
    batch.line('c');
    assert.deepEqual(writes, []);
    await nextTurn();
    assert.deepEqual(writes, ['a\nb\nc']);
  });

  it('starts a new write for lines of a later turn', async () => {
    const writes: string[] = [];
    const batch = lineBatch((t) => writes.push(t));
    batch.line('one');
    await nextTurn();
    batch.line('two');
    await nextTurn();
    assert.deepEqual(writes, ['one', 'two']);
  });

  it('flush writes what is queued at once, and the turn then writes nothing more', async () => {
    const writes: string[] = [];
    const batch = lineBatch((t) => writes.push(t));
    batch.line('x');
    batch.flush();
    assert.deepEqual(writes, ['x']);
    await nextTurn();
    batch.flush();
    assert.deepEqual(writes, ['x']);
  });
});
