import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { captureSeed, freshObject, loadSeed, saveSeed, SEED_FORMAT, SEED_SOURCES, type Seed, type SeedObject } from '../../../src/sandbox/seed.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const versions = { kubernetes: '1.36.3', etcd: '3.6.16', kwok: '0.8.0' };
const build = '105455778@1764616560000';

const role = (name: string, over: Partial<SeedObject['metadata']> = {}): SeedObject => ({
  metadata: {
    name,
    uid: `uid-${name}`,
    resourceVersion: '42',
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    annotations: { 'apf.kubernetes.io/autoupdate-spec': 'true' },
    managedFields: [{ manager: 'kube-apiserver', time: '2026-01-01T00:00:00Z' }],
    ...over,
  },
  rules: [{ verbs: ['get'] }],
});

const clusterRole = (name: string, over: Partial<SeedObject['metadata']> = {}): SeedObject => ({
  ...role(name, over),
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
});

/** A fake API: each list answers with `items(path)`. */
const lists = (items: (path: string) => SeedObject[]) => async (path: string) => ({ items: items(path) });

test('captures the defaults of every kind, without uid, version or creation time, keyed as the API server stores them', async () => {
  const seed = await captureSeed(
    lists((path) => (path.endsWith('/roles') ? [role('leader-locking', { namespace: 'kube-system' })] : [role(`system-${path.split('/').pop()!}`)])),
    versions,
    build,
  );
  assert.equal(seed.format, SEED_FORMAT);
  assert.equal(seed.apiserver, build);
  assert.equal(seed.objects.length, SEED_SOURCES.length);
  const leader = seed.objects.find((o) => o.key === 'roles/kube-system/leader-locking')!;
  assert.equal(leader.object.kind, 'Role');
  assert.equal(leader.object.apiVersion, 'rbac.authorization.k8s.io/v1');
  assert.deepEqual(Object.keys(leader.object.metadata).sort(), ['annotations', 'labels', 'managedFields', 'name', 'namespace']);
  assert.ok(seed.objects.some((o) => o.key === 'clusterroles/system-clusterroles'));
  assert.ok(seed.objects.some((o) => o.key === 'prioritylevelconfigurations/system-prioritylevelconfigurations'));
});

test('keeps no object someone other than the API server wrote: not one of theirs, not a default they changed', async () => {
  const seed = await captureSeed(
    lists(() => [
      role('system-default'),
      role('system-edited', { managedFields: [{ manager: 'kube-apiserver' }, { manager: 'kubectl-edit' }] }),
      role('system-unmanaged', { managedFields: [] }),
      role('system-theirs', { labels: {}, annotations: {}, managedFields: [{ manager: 'kubectl-create' }] }),
    ]),
    versions,
    build,
  );
  assert.deepEqual(new Set(seed.objects.map((o) => o.object.metadata.name)), new Set(['system-default']));
});

test('a user object that copies the default marks is still left out', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('kubectl-create', 'kubectl-client-side-apply', 'kube-lessons', 'before-first-apply'), async (manager) => {
      const seed = await captureSeed(
        lists(() => [role('system-ok'), role('system-copy', { managedFields: [{ manager }] })]),
        versions,
        build,
      );
      assert.ok(seed.objects.every((o) => o.object.metadata.name === 'system-ok'));
    }),
  );
});

test('a bootstrap that has not finished (a kind with no defaults) is never captured', async () => {
  await assert.rejects(
    captureSeed(
      lists((path) => (path.endsWith('/flowschemas') ? [] : [role('system-x')])),
      versions,
      build,
    ),
    /no default FlowSchema/,
  );
});

test('each sandbox gets the objects with a uid of its own and its own creation and field times', () => {
  const { uid: _uid, creationTimestamp: _ct, resourceVersion: _rv, ...metadata } = role('admin').metadata;
  const object: SeedObject = { ...role('admin'), metadata };
  const now = new Date('2026-12-02T06:29:11.734Z');
  const a = freshObject(object, now);
  const b = freshObject(object, now);
  assert.notEqual(a.metadata.uid, b.metadata.uid);
  assert.equal(a.metadata.creationTimestamp, '2026-12-02T06:29:11Z');
  assert.deepEqual(
    a.metadata.managedFields?.map((f) => f.time),
    ['2026-12-02T06:29:11Z'],
  );
  assert.equal(object.metadata.uid, undefined, 'the seed itself is left as it was');
  assert.equal(object.metadata.managedFields?.[0]?.time, '2026-01-01T00:00:00Z');
});

test('a saved seed is used only for the same versions, the same API server build and the same format', () => {
  const dir = tempDir('kube-lessons-seed-');
  const file = join(dir, 'bootstrap-seed.json');
  const seed: Seed = { format: SEED_FORMAT, versions, apiserver: build, objects: [{ key: 'clusterroles/admin', object: clusterRole('admin') }] };
  assert.equal(loadSeed(file, versions, build), undefined, 'none saved yet');
  saveSeed(file, seed);
  assert.deepEqual(loadSeed(file, versions, build), seed);
  assert.equal(loadSeed(file, { ...versions, kubernetes: '1.37.0' }, build), undefined, 'another Kubernetes version');
  assert.equal(loadSeed(file, { ...versions, etcd: '3.6.17' }, build), undefined, 'another etcd version');
  assert.equal(loadSeed(file, versions, '105455778@1764616560001'), undefined, 'the API server was built again');
  saveSeed(file, { ...seed, format: SEED_FORMAT + 1 });
  assert.equal(loadSeed(file, versions, build), undefined, 'another format');
  saveSeed(file, { ...seed, objects: [] });
  assert.equal(loadSeed(file, versions, build), undefined, 'empty');
  writeFileSync(file, '{"format": 1, "versions"');
  assert.equal(loadSeed(file, versions, build), undefined, 'cut short');
});

test('a saved seed holding anything capture would not have kept is not used', () => {
  const dir = tempDir('kube-lessons-seed-');
  const file = join(dir, 'bootstrap-seed.json');
  const admin = { key: 'clusterroles/admin', object: clusterRole('admin') };
  const withEntry = (entry: Seed['objects'][number]): Seed => ({ format: SEED_FORMAT, versions, apiserver: build, objects: [admin, entry] });
  const cases: [string, Seed['objects'][number]][] = [
    ['a role of its own', { key: 'clusterroles/mine', object: clusterRole('mine', { labels: {}, managedFields: [{ manager: 'kubectl-create' }] }) }],
    [
      'a default someone edited',
      { key: 'clusterroles/edit', object: clusterRole('edit', { managedFields: [{ manager: 'kube-apiserver' }, { manager: 'kubectl-edit' }] }) },
    ],
    ['an object under another key', { key: 'clusterroles/cluster-admin', object: clusterRole('view') }],
    [
      'a kind the seed does not hold',
      { key: 'secrets/kube-system/token', object: { ...clusterRole('token', { namespace: 'kube-system' }), apiVersion: 'v1', kind: 'Secret' } },
    ],
    ['a binding under the roles prefix', { key: 'clusterroles/admin-binding', object: { ...clusterRole('admin-binding'), kind: 'ClusterRoleBinding' } }],
    [
      'an entry without metadata',
      { key: 'clusterroles/x', object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' } as unknown as SeedObject },
    ],
  ];
  saveSeed(file, withEntry({ key: 'clusterroles/view', object: clusterRole('view') }));
  assert.ok(loadSeed(file, versions, build), 'all defaults: used');
  for (const [what, entry] of cases) {
    saveSeed(file, withEntry(entry));
    assert.equal(loadSeed(file, versions, build), undefined, what);
  }
});
