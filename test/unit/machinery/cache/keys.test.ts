import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeletedFinalStateUnknown,
  KeyError,
  deletionHandlingMetaNamespaceKeyFunc,
  metaNamespaceKeyFunc,
  splitMetaNamespaceKey,
} from '../../../../src/machinery/cache/keys.ts';

test('a namespaced object is keyed namespace/name', () => {
  assert.equal(metaNamespaceKeyFunc({ metadata: { namespace: 'default', name: 'web' } }), 'default/web');
});

test('a cluster-scoped object is keyed by its name alone', () => {
  assert.equal(metaNamespaceKeyFunc({ metadata: { name: 'node-1' } }), 'node-1');
  assert.equal(metaNamespaceKeyFunc({ metadata: { name: 'node-1', namespace: '' } }), 'node-1');
});

test('a string is taken as an already-made key', () => {
  assert.equal(metaNamespaceKeyFunc('ns/x'), 'ns/x');
});

test('an object without a name is keyed as client-go keys it: `ns/`, or the empty key', () => {
  assert.equal(metaNamespaceKeyFunc({ metadata: { namespace: 'a' } }), 'a/');
  assert.equal(metaNamespaceKeyFunc({ metadata: {} }), '');
  assert.equal(metaNamespaceKeyFunc({}), '');
  assert.equal(metaNamespaceKeyFunc({ metadata: { name: 7, namespace: 'a' } }), 'a/');
});

test('something that is not an object has no metadata and cannot be keyed', () => {
  assert.throws(() => metaNamespaceKeyFunc(null), KeyError);
  assert.throws(() => metaNamespaceKeyFunc(undefined), KeyError);
  assert.throws(() => metaNamespaceKeyFunc(42), KeyError);
  assert.throws(() => metaNamespaceKeyFunc([{ metadata: { name: 'x' } }]), KeyError);
});

test('a tombstone is not an API object: only the deletion-handling key function keys it', () => {
  const tomb = new DeletedFinalStateUnknown('ns/b', { metadata: { namespace: 'ns', name: 'b' } });
  assert.throws(() => metaNamespaceKeyFunc(tomb), KeyError);
  assert.equal(deletionHandlingMetaNamespaceKeyFunc(tomb), 'ns/b');
});

test('splitting a key reverses the key function', () => {
  assert.deepEqual(splitMetaNamespaceKey('default/web'), { namespace: 'default', name: 'web' });
  assert.deepEqual(splitMetaNamespaceKey('node-1'), { namespace: '', name: 'node-1' });
  assert.throws(() => splitMetaNamespaceKey('a/b/c'), KeyError);
});

test('the deletion-handling key function keys a tombstone by the key it carries', () => {
  const tomb = new DeletedFinalStateUnknown('ns/gone', { metadata: { namespace: 'other', name: 'stale' } });
  assert.equal(deletionHandlingMetaNamespaceKeyFunc(tomb), 'ns/gone');
  assert.equal(deletionHandlingMetaNamespaceKeyFunc(new DeletedFinalStateUnknown('x', undefined)), 'x');
  assert.equal(deletionHandlingMetaNamespaceKeyFunc({ metadata: { namespace: 'a', name: 'b' } }), 'a/b');
});
