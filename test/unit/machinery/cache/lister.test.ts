import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newIndexer } from '../../../../src/machinery/cache/cache.ts';
import { metaNamespaceIndexFunc, namespaceIndex } from '../../../../src/machinery/cache/indexer.ts';
import type { Indexer } from '../../../../src/machinery/cache/indexer.ts';
import { Lister } from '../../../../src/machinery/cache/lister.ts';
import { SelectorParseError, parseSelector, selectorFromSet } from '../../../../src/machinery/cache/label-selector.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { pod } from './helpers.ts';

const names = (xs: KubeObject[]) => xs.map((o) => o.metadata!.name!).sort();

function fixture(withNamespaceIndex = true): Indexer<KubeObject> {
  const idx = newIndexer<KubeObject>(undefined, withNamespaceIndex ? { [namespaceIndex]: metaNamespaceIndexFunc } : {});
  idx.add(pod('web-1', { ns: 'prod', labels: { app: 'nginx', tier: 'web', env: 'a' } }));
  idx.add(pod('web-2', { ns: 'dev', labels: { app: 'nginx', tier: 'web', env: 'b' } }));
  idx.add(pod('db-1', { ns: 'prod', labels: { app: 'postgres', tier: 'db', env: 'a', x: '1' } }));
  idx.add(pod('bare', { ns: 'prod' }));
  idx.add(pod('node-1', { labels: { role: 'worker', cores: '8' } }));
  return idx;
}

test('list without a selector returns everything', () => {
  assert.equal(new Lister(fixture()).list().length, 5);
  assert.equal(new Lister(fixture()).list('').length, 5);
});

test('equality and inequality: != also matches objects lacking the label', () => {
  const lister = new Lister(fixture());
  assert.deepEqual(names(lister.list('app=nginx')), ['web-1', 'web-2']);
  assert.deepEqual(names(lister.list('app==nginx')), ['web-1', 'web-2']);
  assert.deepEqual(names(lister.list('tier!=db')), ['bare', 'node-1', 'web-1', 'web-2']);
});

test('set-based in / notin, and existence / non-existence', () => {
  const lister = new Lister(fixture());
  assert.deepEqual(names(lister.list('env in (a, c)')), ['db-1', 'web-1']);
  assert.deepEqual(names(lister.list('env notin (a)')), ['bare', 'node-1', 'web-2']);
  assert.deepEqual(names(lister.list('x')), ['db-1']);
  assert.deepEqual(names(lister.list('!x')), ['bare', 'node-1', 'web-1', 'web-2']);
});

test('requirements combine with AND', () => {
  const lister = new Lister(fixture());
  assert.deepEqual(names(lister.list('app=nginx,tier!=db,env in (a,b),!x')), ['web-1', 'web-2']);
  assert.deepEqual(names(lister.list('app=nginx, env=b')), ['web-2']);
});

test('integer comparisons', () => {
  const lister = new Lister(fixture());
  assert.deepEqual(names(lister.list('cores>4')), ['node-1']);
  assert.deepEqual(names(lister.list('cores<4')), []);
});

test('a predicate or a parsed selector works as a selector too', () => {
  const lister = new Lister(fixture());
  assert.deepEqual(names(lister.list((o) => o.metadata!.name!.startsWith('db'))), ['db-1']);
  assert.deepEqual(names(lister.list(selectorFromSet({ app: 'nginx', env: 'a' }))), ['web-1']);
});

test('malformed selectors are rejected; an empty value is legal', () => {
  for (const bad of ['app=nginx,', '=x', 'a in b', 'a in (x', 'a b', 'a=$', 'cores>x', '!', '-a=b']) {
    assert.throws(() => parseSelector(bad), SelectorParseError, bad);
  }
  assert.equal(parseSelector('app=').matches({ app: '' }), true);
});

test('an empty value set is the set holding the empty value, and prints so that it parses again', () => {
  const empty = parseSelector('a in ()');
  assert.deepEqual(empty.requirements, [{ key: 'a', operator: 'in', values: [''] }]);
  assert.equal(empty.matches({ a: '' }), true);
  assert.equal(empty.matches({ a: 'x' }), false);
  assert.equal(parseSelector('a notin ()').matches({ a: 'x' }), true);
  assert.equal(parseSelector(parseSelector('a in (,)').toString()).toString(), 'a in ()');
});

test('a > or < bound must be a label value that is a 64-bit integer', () => {
  for (const bad of ['a>-1', 'a<x1', 'a>99999999999999999999', `a>1${'0'.repeat(64)}`]) {
    assert.throws(() => parseSelector(bad), SelectorParseError, bad);
  }
  assert.equal(parseSelector('a>9223372036854775806').matches({ a: '9223372036854775807' }), true);
});

test('> and < compare labels as 64-bit integers; a label that is not one never matches', () => {
  assert.equal(parseSelector('a>5').matches({ a: '99999999999999999999' }), false);
  assert.equal(parseSelector('a>9007199254740992').matches({ a: '9007199254740993' }), true);
  assert.equal(parseSelector('a>5').matches({ a: '+7' }), true);
  assert.equal(parseSelector('a<5').matches({ a: '-7' }), true);
  assert.equal(parseSelector('a<5').matches({ a: '4.5' }), false);
});

test('whitespace includes carriage returns', () => {
  assert.equal(parseSelector('a=b\r\n,\tc').toString(), 'a=b,c');
});

test('a parsed selector prints in canonical form: requirements by key, set values sorted, == kept', () => {
  assert.equal(parseSelector('a = b, c!=d,e in (x,y), f notin (z), g, !h').toString(), 'a=b,c!=d,e in (x,y),f notin (z),g,!h');
  assert.equal(parseSelector('b=1,a=2').toString(), 'a=2,b=1');
  assert.equal(parseSelector('a in (y,x,y)').toString(), 'a in (x,y)');
  assert.equal(parseSelector('a in (x,)').toString(), 'a in (,x)');
  assert.equal(parseSelector('a==b').toString(), 'a==b');
  assert.equal(parseSelector('a==b').matches({ a: 'b' }), true);
  assert.equal(parseSelector('!z,y').toString(), 'y,!z');
});

test('a selector from a set is sorted by key; no set matches everything', () => {
  assert.equal(selectorFromSet({ b: '1', a: '2' }).toString(), 'a=2,b=1');
  assert.equal(selectorFromSet(undefined).isEmpty(), true);
});

test('namespace(ns).list uses the namespace and applies the selector', () => {
  for (const withIndex of [true, false]) {
    const lister = new Lister(fixture(withIndex));
    assert.deepEqual(names(lister.namespace('prod').list()), ['bare', 'db-1', 'web-1'], `index=${withIndex}`);
    assert.deepEqual(names(lister.namespace('prod').list('app=nginx')), ['web-1']);
    assert.deepEqual(names(lister.namespace('nowhere').list()), []);
  }
});

test("namespace('') lists every namespace, cluster-scoped objects included, as client-go's NamespaceAll", () => {
  for (const withIndex of [true, false]) {
    const lister = new Lister(fixture(withIndex));
    assert.deepEqual(names(lister.namespace('').list()), ['bare', 'db-1', 'node-1', 'web-1', 'web-2'], `index=${withIndex}`);
    assert.deepEqual(names(lister.namespace('').list('tier=web')), ['web-1', 'web-2']);
    assert.equal(lister.namespace('').get('node-1')?.metadata?.name, 'node-1');
  }
});

test('namespace(ns).get and cluster-scoped get look objects up by key', () => {
  const lister = new Lister(fixture());
  assert.equal(lister.namespace('dev').get('web-2')?.metadata?.name, 'web-2');
  assert.equal(lister.namespace('prod').get('web-2'), undefined);
  assert.equal(lister.get('node-1')?.metadata?.name, 'node-1');
});

test('the lister reads the live indexer', () => {
  const idx = fixture();
  const lister = new Lister(idx);
  idx.add(pod('web-3', { ns: 'prod', labels: { app: 'nginx' } }));
  assert.deepEqual(names(lister.namespace('prod').list('app=nginx')), ['web-1', 'web-3']);
});
