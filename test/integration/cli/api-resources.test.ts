/** `kube-lessons api-resources` against the sandbox: the discovery table, and --resolve for core, grouped and custom resources. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/core/client.ts';
import { ExitCode } from '../../../src/core/errors.ts';
import { createTestNamespace, deleteNamespace, testClient, waitUntil } from '../../helpers/cluster.ts';
import { cli } from './helpers.ts';

describe('api-resources', () => {
  let client: KubeClient;
  let namespace: string;
  // A CRD of this file's own, so parallel test files never share or remove it.
  const group = `h3-${randomBytes(3).toString('hex')}.kube-lessons.test`;
  const crdName = `gadgets.${group}`;

  before(async () => {
    client = await testClient();
    namespace = await createTestNamespace(client, 'cli-api-resources');
    await client.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', shortNames: ['gdg'] },
          versions: [
            { name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
          ],
        },
      },
    });
    await waitUntil(
      `${group}/v1alpha1 served`,
      () =>
        client.request({ path: `/apis/${group}/v1alpha1` }).then(
          () => true,
          () => false,
        ),
      60_000,
    );
    // Discovery lists a new resource before its storage is ready: until then a list answers 429 (retry after 1 s).
    await waitUntil(
      'gadgets listable',
      () =>
        client.request({ path: `/apis/${group}/v1alpha1/namespaces/${namespace}/gadgets` }).then(
          () => true,
          () => false,
        ),
      60_000,
    );
  });
  after(async () => {
    await client.request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}` }).catch(() => undefined);
    await deleteNamespace(client, namespace);
  });

  it('--resolve v1 Pod: the core group lives under /api/v1', async () => {
    const r = await cli(['api-resources', '--resolve', 'v1', 'Pod', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], '/api/v1/namespaces/{namespace}/pods');
    assert.match(r.stdout, /one object:\s+\/api\/v1\/namespaces\/\{namespace\}\/pods\/\{name\}/);
  });

  it('--resolve batch/v1 Job: a named group lives under /apis/<group>/<version>', async () => {
    const r = await cli(['api-resources', '--resolve', 'batch/v1', 'Job']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], '/apis/batch/v1/namespaces/{namespace}/jobs');
    const j = await cli(['api-resources', '--resolve', 'batch/v1', 'Job', '-o', 'json']);
    assert.deepEqual((JSON.parse(j.stdout) as { collection: string }).collection, '/apis/batch/v1/namespaces/{namespace}/jobs');
  });

  it('--resolve of a cluster-scoped kind has no namespace segment', async () => {
    const r = await cli(['api-resources', '--resolve', 'v1', 'Node', '-o', 'name']);
    assert.equal(r.stdout.trim(), '/api/v1/nodes');
  });

  it('--resolve of a custom resource finds the CRD the test created', async () => {
    const r = await cli(['api-resources', '--resolve', `${group}/v1alpha1`, 'Gadget']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], `/apis/${group}/v1alpha1/namespaces/{namespace}/gadgets`);
  });

  it('the table lists core, grouped and custom resources like kubectl', async () => {
    const r = await cli(['api-resources']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
    assert.ok(lines.some((l) => /^pods\s+po\s+v1\s+true\s+Pod$/.test(l)));
    assert.ok(lines.some((l) => /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/.test(l)));
    assert.ok(lines.some((l) => new RegExp(`^gadgets\\s+gdg\\s+${group.replace(/\./g, '\\.')}/v1alpha1\\s+true\\s+Gadget$`).test(l)));
    assert.ok(lines.findIndex((l) => l.startsWith('pods ')) < lines.findIndex((l) => l.startsWith('deployments ')), 'the core group first');
  });

  it('trace list of the custom resource goes through CustomObjectsApi', async () => {
    const r = await cli(['trace', 'list', 'gdg', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(
      r.stdout.includes(`CustomObjectsApi.listNamespacedCustomObject({"group":"${group}","version":"v1alpha1","namespace":"${namespace}","plural":"gadgets"})`),
    );
    assert.ok(r.stdout.includes(`/apis/${group}/v1alpha1/namespaces/${namespace}/gadgets`));
    assert.match(r.stdout, /plain JSON/);
  });

  it('an apiVersion or kind the server does not serve is one line naming what it does serve', async () => {
    const v = await cli(['api-resources', '--resolve', 'batch/v9', 'Job']);
    assert.equal(v.code, ExitCode.notFound);
    assert.match(v.stderr, /^error: the server does not serve batch\/v9 \(hint: the server serves batch at batch\/v1\)/);
    const k = await cli(['api-resources', '--resolve', 'batch/v1', 'Jobs']);
    assert.equal(k.code, ExitCode.notFound);
    assert.match(k.stderr, /has no kind "Jobs" \(hint: it serves: CronJob, Job\)/);
  });
});
