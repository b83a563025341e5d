/** `kube-lessons delete-pod` against the sandbox: --wait watches until the pod is gone; a missing pod is a 404 line. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/core/client.ts';
import { ExitCode } from '../../../src/core/errors.ts';
import { ApiStatusError } from '../../../src/machinery/errors.ts';
import { createTestNamespace, deleteNamespace, testClient, waitUntil } from '../../helpers/cluster.ts';
import { assertOneLineError, cli, startCliOnSandbox } from './helpers.ts';

describe('delete-pod', () => {
  let client: KubeClient;
  let namespace: string;
  const exists = (name: string) =>
    client.request({ path: `/api/v1/namespaces/${namespace}/pods/${name}` }).then(
      () => true,
      (err: unknown) => (err instanceof ApiStatusError && err.code === 404 ? false : Promise.reject(err)),
    );

  before(async () => {
    client = await testClient();
    namespace = await createTestNamespace(client, 'cli-delete-pod');
  });
  after(async () => deleteNamespace(client, namespace));

  it('deletes the default my-pod and --wait returns only once it is gone', async () => {
    const created = await cli(['create-pod', '--wait', '-n', namespace]);
    assert.equal(created.code, 0, created.stderr);
    const r = await cli(['delete-pod', '--wait', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`pod/my-pod deleted from namespace "${namespace}"`));
    assert.match(r.stdout, /pod\/my-pod is gone/);
    assert.equal(await exists('my-pod'), false, 'gone when the command returns');
  });

  it('refuses an empty pod name, "..", or a "/" as usage errors, deleting neither every pod nor the namespace', async () => {
    const created = await cli(['create-pod', '--name', 'bystander', '-n', namespace]);
    assert.equal(created.code, 0, created.stderr);
    assertOneLineError(await cli(['delete-pod', '', '-n', namespace]), ExitCode.usage, /^error: invalid pod name "": a name may not be empty/);
    assertOneLineError(await cli(['delete-pod', '..', '-n', namespace]), ExitCode.usage, /^error: invalid pod name "\.\.": a name may not be "\.\."/);
    assertOneLineError(await cli(['delete-pod', 'bystander/status', '-n', namespace]), ExitCode.usage, /may not contain "\/"/);
    assertOneLineError(await cli(['delete-pod', 'bystander', '-n', `${namespace}/..`]), ExitCode.usage, /^error: invalid namespace/);
    assert.equal(await exists('bystander'), true, 'the pod is still there');
    const ns = await client.request<{ metadata?: { deletionTimestamp?: string } }>({ path: `/api/v1/namespaces/${namespace}` });
    assert.equal(ns.body.metadata?.deletionTimestamp, undefined, 'the namespace is not being deleted');
  });

  it('--wait follows a pod that lingers (a finalizer) through MODIFIED to DELETED', async () => {
    await client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/pods`,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'held', finalizers: ['kube-lessons.test/hold'] },
        spec: { containers: [{ name: 'c', image: 'httpd:alpine' }] },
      },
    });
    await waitUntil(
      'held is running',
      async () =>
        (await client.request<{ status?: { phase?: string } }>({ path: `/api/v1/namespaces/${namespace}/pods/held` })).body.status?.phase === 'Running',
    );
    const run = startCliOnSandbox(['delete-pod', 'held', '--wait', '--timeout', '60s', '-n', namespace]);
    // The finalizer keeps the pod while the command lists it; from the version it watches from, every change
    // reaches its watch, so releasing the finalizer then lets the DELETED event through.
    await run.line(/^ {2}watching from resourceVersion \d+$/);
    await client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${namespace}/pods/held`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: null } },
    });
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod\/held deleted .*\(terminating\)/);
    assert.match(r.stdout, /DELETED/);
    assert.match(r.stdout, /pod\/held is gone/);
    assert.equal(await exists('held'), false);
  });

  it('a pod that does not exist is one 404 line with the not-found code', async () => {
    const r = await cli(['delete-pod', 'no-such-pod', '-n', namespace]);
    assertOneLineError(r, ExitCode.notFound, new RegExp(`delete pod no-such-pod: .*"no-such-pod" not found \\(404\\) in namespace "${namespace}"`));
  });
});
