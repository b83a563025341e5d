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
  for (const bad of ['app=nginx,', '=x', 'a in b', 'a in ()', 'a in (x', 'a b', 'a=$', 'cores>x', '!', '-a=b']) {
    assert.throws(() => parseSelector(bad), SelectorParseError, bad);
  }
  assert.equal(parseSelector('app=').matches({ app: '' }), true);
});

test('a parsed selector prints back in canonical form', () => {
  assert.equal(parseSelector('a = b, c!=d,e in (x,y), f notin (z), g, !h').toString(), 'a=b,c!=d,e in (x,y),f notin (z),g,!h');
});

test('namespace(ns).list uses the namespace and applies the selector', () => {
  for (const withIndex of [true, false]) {
    const lister = new Lister(fixture(withIndex));
    assert.deepEqual(names(lister.namespace('prod').list()), ['bare', 'db-1', 'web-1'], `index=${withIndex}`);
    assert.deepEqual(names(lister.namespace('prod').list('app=nginx')), ['web-1']);
    assert.deepEqual(names(lister.namespace('nowhere').list()), []);
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
