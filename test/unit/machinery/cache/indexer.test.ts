import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newIndexer, newStore } from '../../../../src/machinery/cache/cache.ts';
import { metaNamespaceIndexFunc, namespaceIndex } from '../../../../src/machinery/cache/indexer.ts';
import { DeletedFinalStateUnknown, KeyError, metaNamespaceKeyFunc } from '../../../../src/machinery/cache/keys.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { pod } from './helpers.ts';

const byNode = (obj: KubeObject) => {
  const node = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
  return node ? [node] : [];
};
const byLabelValues = (obj: KubeObject) => Object.values(obj.metadata?.labels ?? {});
const sorted = (xs: string[]) => [...xs].sort();
const names = (xs: KubeObject[]) => sorted(xs.map((o) => o.metadata!.name!));

test('a store files objects by key and gets them back', () => {
  const store = newStore<KubeObject>();
  store.add(pod('a', { ns: 'x' }));
  store.add(pod('b', { ns: 'x' }));
  assert.deepEqual(sorted(store.listKeys()), ['x/a', 'x/b']);
  assert.equal(store.getByKey('x/a')?.metadata?.name, 'a');
  assert.equal(store.get(pod('b', { ns: 'x' }))?.metadata?.name, 'b');
  assert.equal(store.getByKey('x/c'), undefined);
});

test('a store can hold non-Kubernetes objects under a custom key', () => {
  type Book = { author: string; title: string };
  const store = newStore<Book>((obj) => `${(obj as Book).author}/${(obj as Book).title}`);
  store.add({ author: 'le guin', title: 'the dispossessed' });
  store.add({ author: 'banks', title: 'excession' });
  assert.deepEqual(store.getByKey('banks/excession'), { author: 'banks', title: 'excession' });
});

test('update replaces the object under the same key; delete of an absent object is a no-op', () => {
  const store = newStore<KubeObject>();
  store.add(pod('a', { rv: '1' }));
  store.update(pod('a', { rv: '2' }));
  assert.equal(store.list().length, 1);
  assert.equal(store.getByKey('a')?.metadata?.resourceVersion, '2');
  store.delete(pod('zzz'));
  store.delete(pod('a'));
  assert.equal(store.list().length, 0);
});

test('delete accepts a tombstone and removes the key it carries', () => {
  const store = newStore<KubeObject>();
  store.add(pod('a', { ns: 'n' }));
  store.delete(new DeletedFinalStateUnknown<KubeObject>('n/a', undefined));
  assert.equal(store.getByKey('n/a'), undefined);
});

test("a key function's failure is thrown as a KeyError holding the object and the cause, by every keyed method (client-go's KeyError{obj, err})", () => {
  const boom = new Error('boom');
  const store = newStore<KubeObject>(() => {
    throw boom;
  });
  const obj = pod('a');
  const calls: [string, () => unknown][] = [
    ['add', () => store.add(obj)],
    ['update', () => store.update(obj)],
    ['delete', () => store.delete(obj)],
    ['get', () => store.get(obj)],
    ['replace', () => store.replace([obj], '1')],
  ];
  for (const [name, call] of calls) {
    assert.throws(call, (err) => err instanceof KeyError && err.obj === obj && err.cause === boom, name);
  }
  assert.deepEqual(store.list(), []);
});

test("a key function's own KeyError for another object is wrapped, so the KeyError still holds the object given (client-go wraps every failure)", () => {
  // A key function that keys a wrapper by what it wraps: its KeyError is about the inner value, not the wrapper.
  const store = newStore<{ inner: unknown }>((o) => metaNamespaceKeyFunc((o as { inner: unknown }).inner));
  const obj = { inner: 42 };
  for (const call of [() => store.add(obj), () => store.get(obj), () => store.replace([obj], '1')]) {
    assert.throws(call, (err) => err instanceof KeyError && err.obj === obj && err.cause instanceof KeyError && err.cause.obj === 42);
  }
  // The default key function's KeyError is already about the object given: passed on as it is.
  const plain = newStore<KubeObject>();
  const bad = 42 as unknown as KubeObject;
  assert.throws(
    () => plain.add(bad),
    (err) => err instanceof KeyError && err.obj === bad && err.cause === undefined,
  );
});

test("a key function's failure changes nothing in a store that holds objects: replace keeps the old content and its indices", () => {
  const idx = newIndexer<KubeObject>(
    (o) => {
      if ((o as KubeObject).metadata?.name === 'bad') throw new Error('boom');
      return metaNamespaceKeyFunc(o);
    },
    { [namespaceIndex]: metaNamespaceIndexFunc },
  );
  idx.add(pod('k', { ns: 'x' }));
  const bad = pod('bad', { ns: 'x' });
  assert.throws(
    () => idx.replace([pod('a', { ns: 'y' }), bad], '2'),
    (err) => err instanceof KeyError && err.obj === bad,
  );
  assert.throws(() => idx.delete(bad), KeyError);
  assert.throws(() => idx.update(bad), KeyError);
  assert.deepEqual(idx.listKeys(), ['x/k']);
  assert.deepEqual(names(idx.byIndex(namespaceIndex, 'x')), ['k']);
  assert.deepEqual(idx.byIndex(namespaceIndex, 'y'), []);
});

test('replace swaps the whole content and rebuilds indices', () => {
  const idx = newIndexer<KubeObject>(undefined, { [namespaceIndex]: metaNamespaceIndexFunc });
  idx.add(pod('a', { ns: 'x' }));
  idx.add(pod('b', { ns: 'y' }));
  idx.replace([pod('c', { ns: 'y' }), pod('d', { ns: 'z' })], '10');
  assert.deepEqual(sorted(idx.listKeys()), ['y/c', 'z/d']);
  assert.deepEqual(idx.byIndex(namespaceIndex, 'x'), []);
  assert.deepEqual(names(idx.byIndex(namespaceIndex, 'y')), ['c']);
  assert.deepEqual(sorted(idx.listIndexFuncValues(namespaceIndex)), ['y', 'z']);
});

test('the namespace index files cluster-scoped objects under the empty namespace', () => {
  const idx = newIndexer<KubeObject>(undefined, { [namespaceIndex]: metaNamespaceIndexFunc });
  idx.add(pod('node-1'));
  idx.add(pod('p', { ns: 'default' }));
  assert.deepEqual(names(idx.byIndex(namespaceIndex, '')), ['node-1']);
  assert.deepEqual(idx.indexKeys(namespaceIndex, 'default'), ['default/p']);
});

test('the namespace index files an object without metadata under the empty namespace, and refuses a tombstone', () => {
  const idx = newIndexer<KubeObject>(undefined, { [namespaceIndex]: metaNamespaceIndexFunc });
  idx.add({ kind: 'Thing' });
  assert.deepEqual(idx.indexKeys(namespaceIndex, ''), ['']);
  assert.throws(() => metaNamespaceIndexFunc(new DeletedFinalStateUnknown('ns/x', undefined)));
});

test('indexKeys returns the keys sorted, whatever order they were added in', () => {
  const idx = newIndexer<KubeObject>(undefined, { [namespaceIndex]: metaNamespaceIndexFunc });
  for (const name of ['c', 'a', 'b']) idx.add(pod(name, { ns: 'default' }));
  assert.deepEqual(idx.indexKeys(namespaceIndex, 'default'), ['default/a', 'default/b', 'default/c']);
});

test('an update moves the object out of its old index values', () => {
  const idx = newIndexer<KubeObject>(undefined, { node: byNode });
  idx.add(pod('a', { ns: 'x', node: 'n1' }));
  idx.update(pod('a', { ns: 'x', node: 'n2' }));
  assert.deepEqual(idx.byIndex('node', 'n1'), []);
  assert.deepEqual(names(idx.byIndex('node', 'n2')), ['a']);
  // Empty value sets are dropped, so stale values do not linger.
  assert.deepEqual(idx.listIndexFuncValues('node'), ['n2']);
});

test('a delete removes the object from every index value', () => {
  const idx = newIndexer<KubeObject>(undefined, { values: byLabelValues });
  idx.add(pod('a', { labels: { x: 'red', y: 'blue' } }));
  idx.add(pod('b', { labels: { x: 'red' } }));
  idx.delete(pod('a'));
  assert.deepEqual(names(idx.byIndex('values', 'red')), ['b']);
  assert.deepEqual(idx.byIndex('values', 'blue'), []);
});

test('an object with several index values is found under each, and index() unions them without duplicates', () => {
  const idx = newIndexer<KubeObject>(undefined, { values: byLabelValues });
  idx.add(pod('a', { labels: { x: 'red', y: 'blue' } }));
  idx.add(pod('b', { labels: { x: 'blue' } }));
  idx.add(pod('c', { labels: { x: 'green' } }));
  assert.deepEqual(names(idx.byIndex('values', 'red')), ['a']);
  assert.deepEqual(names(idx.byIndex('values', 'blue')), ['a', 'b']);
  assert.deepEqual(names(idx.index('values', pod('q', { labels: { a: 'red', b: 'blue' } }))), ['a', 'b']);
});

test('querying an unknown index throws; listing its values gives nothing', () => {
  const idx = newIndexer<KubeObject>();
  assert.throws(() => idx.byIndex('nope', 'x'), /does not exist/);
  assert.throws(() => idx.indexKeys('nope', 'x'), /does not exist/);
  assert.throws(() => idx.index('nope', pod('a')), /does not exist/);
  assert.deepEqual(idx.listIndexFuncValues('nope'), []);
});

test('addIndexers indexes existing items and refuses a conflicting name', () => {
  const idx = newIndexer<KubeObject>(undefined, { [namespaceIndex]: metaNamespaceIndexFunc });
  idx.add(pod('a', { ns: 'x', node: 'n1' }));
  idx.addIndexers({ node: byNode });
  assert.deepEqual(names(idx.byIndex('node', 'n1')), ['a']);
  assert.throws(() => idx.addIndexers({ node: byNode }), /indexer conflict: node/);
  assert.deepEqual(sorted(Object.keys(idx.getIndexers())), ['namespace', 'node']);
});

test('a throwing index function leaves the indexer unchanged', () => {
  const idx = newIndexer<KubeObject>(undefined, {
    picky: (o) => {
      if (o.metadata?.name === 'bad') throw new Error('boom');
      return [o.metadata!.name!];
    },
  });
  idx.add(pod('good'));
  assert.throws(() => idx.add(pod('bad')));
  assert.deepEqual(idx.listKeys(), ['good']);
  assert.deepEqual(idx.listIndexFuncValues('picky'), ['good']);
});

test('property: after any add/update/delete sequence, byIndex equals a brute-force filter of list()', () => {
  const op = fc.record({
    kind: fc.constantFrom('add', 'update', 'delete'),
    name: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    ns: fc.constantFrom('x', 'y'),
    colours: fc.uniqueArray(fc.constantFrom('red', 'green', 'blue'), { maxLength: 3 }),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, replaceMidway) => {
      const colours = (o: KubeObject) => (o.metadata?.labels?.colours ?? '').split('.').filter(Boolean);
      const idx = newIndexer<KubeObject>(undefined, { [namespaceIndex]: metaNamespaceIndexFunc, colour: colours });
      ops.forEach((o, i) => {
        const obj = pod(o.name, { ns: o.ns, labels: { colours: o.colours.join('.') } });
        if (o.kind === 'delete') idx.delete(obj);
        else if (o.kind === 'add') idx.add(obj);
        else idx.update(obj);
        if (replaceMidway && i === Math.floor(ops.length / 2)) idx.replace(idx.list().slice(1), 'rv');
      });
      const all = idx.list();
      for (const colour of ['red', 'green', 'blue']) {
        const expected = all.filter((o) => colours(o).includes(colour)).map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`);
        assert.deepEqual(sorted(idx.indexKeys('colour', colour)), sorted(expected));
        assert.equal(idx.byIndex('colour', colour).length, expected.length);
      }
      for (const ns of ['x', 'y']) {
        assert.deepEqual(names(idx.byIndex(namespaceIndex, ns)), names(all.filter((o) => o.metadata!.namespace === ns)));
      }
      const presentColours = new Set(all.flatMap(colours));
      assert.deepEqual(sorted(idx.listIndexFuncValues('colour')), sorted([...presentColours]));
    }),
    { numRuns: 300 },
  );
});
