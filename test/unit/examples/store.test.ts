import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BOOKS, bookKey, runStoreExample, type StoreStep } from '../../../src/examples/store.ts';
import { DeletedFinalStateUnknown, KeyError } from '../../../src/machinery/cache/keys.ts';

describe('store lesson', () => {
  it('keys books by author/title, accepts tombstones and keys, rejects the rest', () => {
    assert.equal(bookKey(BOOKS[0]), 'Brendan Burns/Kubernetes: Up and Running');
    assert.equal(bookKey(new DeletedFinalStateUnknown('a/b', undefined)), 'a/b');
    assert.equal(bookKey('x/y'), 'x/y');
    assert.throws(() => bookKey({ title: 'no author' }), KeyError);
    assert.throws(() => bookKey(null), KeyError);
  });

  it('runs the steps in order with what each call returned', () => {
    const steps: StoreStep[] = [];
    const summary = runStoreExample((s) => steps.push(s));
    assert.deepEqual(
      steps.map((s) => s.n),
      steps.map((_, i) => i + 1),
    );
    const calls = steps.map((s) => `${s.on}.${s.call}`);
    assert.ok(calls[0]!.startsWith('store.newStore'));
    assert.deepEqual(steps[1]!.result, { kind: 'key', key: 'Brendan Burns/Kubernetes: Up and Running' });
    // get() with an object carrying only the key fields finds the stored book, year and all.
    const get = steps.find((s) => s.call.startsWith('get('))!;
    assert.deepEqual(get.result, { kind: 'book', book: BOOKS[0] });
    const byKey = steps.find((s) => s.call === 'getByKey("Michael Hausenblas/Programming Kubernetes")')!;
    assert.deepEqual(byKey.result, { kind: 'book', book: BOOKS[1] });
    assert.deepEqual(steps.find((s) => s.call === 'getByKey("Nobody/Nothing")')!.result, { kind: 'book', book: undefined });
    assert.deepEqual(steps.find((s) => s.call === 'listKeys()')!.result, {
      kind: 'keys',
      keys: ['Brendan Burns/Kubernetes: Up and Running', 'Michael Hausenblas/Programming Kubernetes'],
    });
    const byIndex = steps.filter((s) => s.call.startsWith('byIndex('));
    assert.equal(byIndex.length, 2);
    assert.deepEqual(byIndex[0]!.result, { kind: 'books', books: [BOOKS[0], BOOKS[2]] });
    assert.deepEqual(byIndex[1]!.result, { kind: 'books', books: [BOOKS[0]] });
    assert.deepEqual(summary, { steps: steps.length, storeKeys: 2, indexerKeys: 2, authors: 2 });
  });
});
