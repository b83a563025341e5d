/** The hands-on tasks' checks, against a fake KubeClient that answers from a table of paths. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../src/core/client.ts';
import { ApiStatusError } from '../../../src/machinery/errors.ts';
import { readPath, runCheck, sameImage } from '../../../src/lessons/checks.ts';

function fakeClient(objects: Record<string, unknown>, opts: { fail?: Error } = {}): KubeClient & { paths: string[] } {
  const paths: string[] = [];
  const client = {
    server: 'https://fake:6443',
    config: { contextName: 'fake' },
    paths,
    async request({ path }: { path: string }) {
      paths.push(path);
      if (opts.fail) throw opts.fail;
      if (!(path in objects)) throw new ApiStatusError({ code: 404, message: 'not found', reason: 'NotFound' });
      return { status: 200, body: objects[path], bytes: 0, durationMs: 0, url: path, headers: new Headers() };
    },
  };
  return client as unknown as KubeClient & { paths: string[] };
}

test('cluster-reachable: /version answers', async () => {
  const r = await runCheck({ type: 'cluster-reachable' }, fakeClient({ '/version': { gitVersion: 'v1.36.3' } }));
  assert.deepEqual(r, { ok: true, message: 'the API server at https://fake:6443 answers (Kubernetes v1.36.3)' });
});

test('cluster-reachable: a connection failure is not ok, in one line', async () => {
  const refused = Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
  const r = await runCheck({ type: 'cluster-reachable' }, fakeClient({}, { fail: refused }));
  assert.equal(r.ok, false);
  assert.match(r.message, /^could not check: cannot reach https:\/\/fake:6443 \(ECONNREFUSED\)$/);
});

test('pod-exists: missing, wrong image, right image', async () => {
  const path = '/api/v1/namespaces/lessons/pods/web-1';
  const check = { type: 'pod-exists', namespace: 'lessons', name: 'web-1', image: 'nginx' } as const;
  assert.deepEqual(await runCheck(check, fakeClient({})), { ok: false, message: 'there is no pod "web-1" in namespace "lessons" yet' });
  const wrong = await runCheck(check, fakeClient({ [path]: { spec: { containers: [{ image: 'httpd:alpine' }] } } }));
  assert.deepEqual(wrong, { ok: false, message: 'pod "web-1" exists, but runs httpd:alpine rather than nginx' });
  const right = await runCheck(
    check,
    fakeClient({ [path]: { spec: { containers: [{ image: 'docker.io/library/nginx:latest' }] }, status: { phase: 'Running' } } }),
  );
  assert.deepEqual(right, { ok: true, message: 'pod "web-1" exists in namespace "lessons" and runs nginx (phase Running)' });
});

test('resource-exists on a built-in kind: owner and fields are checked', async () => {
  const path = '/apis/apps/v1/namespaces/default/deployments/example-foo';
  const check = {
    type: 'resource-exists',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'default',
    name: 'example-foo',
    ownedBy: { kind: 'Foo', name: 'example-foo' },
    fields: { 'spec.replicas': 3 },
  } as const;
  assert.match((await runCheck(check, fakeClient({}))).message, /^there is no Deployment "example-foo" in namespace "default" yet$/);
  const orphan = await runCheck(check, fakeClient({ [path]: { metadata: { ownerReferences: [] }, spec: { replicas: 3 } } }));
  assert.deepEqual(orphan, { ok: false, message: 'Deployment "example-foo" exists but is not owned by Foo "example-foo" (owners: none)' });
  const owned = { metadata: { ownerReferences: [{ kind: 'Foo', name: 'example-foo', controller: true }] } };
  const one = await runCheck(check, fakeClient({ [path]: { ...owned, spec: { replicas: 1 } } }));
  assert.deepEqual(one, { ok: false, message: 'Deployment "example-foo" has spec.replicas = 1, the task wants 3' });
  const three = await runCheck(check, fakeClient({ [path]: { ...owned, spec: { replicas: 3 } } }));
  assert.deepEqual(three, { ok: true, message: 'Deployment "example-foo" exists in namespace "default", owned by Foo "example-foo", spec.replicas = 3' });
});

test('resource-exists on a custom kind goes through discovery; an unserved kind says so', async () => {
  const check = { type: 'resource-exists', apiVersion: 'samplecontroller.k8s.io/v1alpha1', kind: 'Foo', namespace: 'default', name: 'example-foo' } as const;
  const served = fakeClient({
    '/apis/samplecontroller.k8s.io/v1alpha1': {
      resources: [
        { name: 'foos', kind: 'Foo', namespaced: true },
        { name: 'foos/status', kind: 'Foo', namespaced: true },
      ],
    },
    '/apis/samplecontroller.k8s.io/v1alpha1/namespaces/default/foos/example-foo': { metadata: { name: 'example-foo' } },
  });
  assert.equal((await runCheck(check, served)).ok, true);
  const unserved = await runCheck(check, fakeClient({}));
  assert.deepEqual(unserved, {
    ok: false,
    message: 'the cluster does not serve Foo in samplecontroller.k8s.io/v1alpha1 (is its CustomResourceDefinition installed?)',
  });
});

test('images are compared the way the registry resolves them', () => {
  assert.ok(sameImage('nginx', 'nginx:latest'));
  assert.ok(sameImage('nginx', 'docker.io/library/nginx'));
  assert.ok(sameImage('registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10'));
  assert.ok(!sameImage('nginx', 'nginx:1.27'));
  assert.ok(!sameImage('nginx', 'httpd'));
});

test('readPath walks dotted paths', () => {
  assert.equal(readPath({ spec: { replicas: 2 } }, 'spec.replicas'), 2);
  assert.equal(readPath({ spec: {} }, 'spec.replicas'), undefined);
  assert.equal(readPath(null, 'a'), undefined);
});
