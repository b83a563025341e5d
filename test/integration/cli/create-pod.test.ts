/** `kube-lessons create-pod` against the sandbox: create and follow with a watch, conflicts, invalid names, dry runs, --explain, a namespace being deleted. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/core/client.ts';
import { ExitCode } from '../../../src/core/errors.ts';
import type { ObjectMeta, Pod as WirePod } from '../../../src/core/objects.ts';
import { waitForRunning } from '../../../src/examples/pod.ts';
import { createTestNamespace, deleteNamespace, testClient, waitUntil } from '../../helpers/cluster.ts';
import { assertNoSecrets, assertOneLineError, cli } from './helpers.ts';

/** A pod as the server returns it: these fields are always set. */
interface Pod extends WirePod {
  metadata: ObjectMeta & { name: string; uid: string; resourceVersion: string };
  spec: NonNullable<WirePod['spec']> & { containers: { name: string; image: string }[] };
}

describe('create-pod', () => {
  let client: KubeClient;
  let namespace: string;
  const getPod = (name: string) => client.request<Pod>({ path: `/api/v1/namespaces/${namespace}/pods/${name}` }).then((r) => r.body);

  before(async () => {
    client = await testClient();
    namespace = await createTestNamespace(client, 'cli-create-pod');
  });
  after(async () => deleteNamespace(client, namespace));

  it('creates the article pod with its defaults and --wait follows it with a watch until Running', async () => {
    const r = await cli(['create-pod', '--wait', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`pod/my-pod created in namespace "${namespace}"`));
    assert.match(r.stdout, /watching it from resourceVersion \d+/);
    assert.match(r.stdout, /MODIFIED\s+phase Running/);
    assert.match(r.stdout, /pod\/my-pod is Running on \S+ \(\d+ watch events?/);
    const pod = await getPod('my-pod');
    assert.equal(pod.status?.phase, 'Running');
    assert.deepEqual(
      pod.spec.containers.map((c) => [c.name, c.image]),
      [['my-ctr', 'httpd:alpine']],
    );
    assert.ok(r.stdout.includes(pod.spec.nodeName!), 'names the node it runs on');
    assertNoSecrets(r);
  });

  it('a second create of the same name exits with the conflict code and one line saying how to delete it', async () => {
    const r = await cli(['create-pod', '-n', namespace]);
    assertOneLineError(
      r,
      ExitCode.conflict,
      new RegExp(`pod "my-pod" already exists in namespace "${namespace}".*kube-lessons delete-pod my-pod -n ${namespace}`),
    );
  });

  it("an invalid name is the server's 422 field error, on one line", async () => {
    const r = await cli(['create-pod', '--name', 'Bad_Name', '-n', namespace]);
    assertOneLineError(r, ExitCode.invalid, /invalid Pod "Bad_Name" \(422\): metadata\.name: Invalid value: "Bad_Name"/);
  });

  it('--name, --image, --container and repeated --label shape the pod; -o json prints what the server returned', async () => {
    const r = await cli([
      'create-pod',
      '--name',
      'web',
      '--image',
      'nginx:1.27',
      '--container',
      'srv',
      '--label',
      'app=web',
      '--label',
      'tier=front',
      '-o',
      'json',
      '-n',
      namespace,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Pod;
    const stored = await getPod('web');
    assert.equal(printed.metadata.uid, stored.metadata.uid);
    assert.deepEqual(stored.metadata.labels, { app: 'web', tier: 'front' });
    assert.deepEqual(
      stored.spec.containers.map((c) => [c.name, c.image]),
      [['srv', 'nginx:1.27']],
    );
    assert.match(r.stderr, /pod\/web created/, 'progress goes to stderr when stdout carries data');
  });

  it('--dry-run prints the defaulted object the server would create, and stores nothing', async () => {
    const r = await cli(['create-pod', '--name', 'dry', '--dry-run', '-o', 'yaml', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kind: Pod/);
    assert.match(r.stdout, /name: dry/);
    assert.match(r.stdout, /imagePullPolicy: /, 'server-side defaults are filled in');
    assert.doesNotMatch(r.stdout, /managedFields/);
    await assert.rejects(getPod('dry'), (err: { code?: number }) => err.code === 404);
  });

  it('--explain shows the V1Pod TypeScript model next to the YAML manifest, field by field', async () => {
    const r = await cli(['create-pod', '--name', 'explained', '--dry-run', '--explain', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /const pod: V1Pod = \{/);
    assert.match(r.stdout, /from '@kubernetes\/client-node'/);
    assert.match(r.stdout, /name: 'explained',\s+│ {3}name: explained/);
    assert.match(r.stdout, /image: 'httpd:alpine',\s+│ {5}image: httpd:alpine/);
    assert.match(r.stdout, /createNamespacedPod\(\{ namespace: '[^']+', body: pod \}\)/);
    assert.ok(r.stdout.indexOf('V1Pod') < r.stdout.indexOf('created (server dry run'), 'explains before acting');
  });

  it('--wait gives up at --timeout with the timeout exit code and one line', async () => {
    const r = await cli(['create-pod', '--name', 'slow', '--wait', '--timeout', '1ms', '-n', namespace]);
    assertOneLineError(r, ExitCode.timeout, /pod "slow" did not reach Running within 1ms \(last: phase Pending\).*delete-pod slow/);
  });

  // The test's own bound is below the wait's timeout: an interrupt that is not honoured fails it.
  it('waitForRunning stops on an interrupt (what Ctrl-C does), without polling', { timeout: 20_000 }, async () => {
    // A pod no scheduler will take stays Pending: only the interrupt can end the wait.
    const created = await client.request<Pod>({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/pods`,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'stuck' },
        spec: { schedulerName: 'no-such-scheduler', containers: [{ name: 'c', image: 'x' }] },
      },
    });
    const interrupt = new AbortController();
    const requests: string[] = [];
    const counting = client.hooks;
    // Interrupted once a watch streams: a poller never gets there, and times out instead of being interrupted.
    client.hooks = {
      ...counting,
      request: (r) => void requests.push(r.url),
      response: (r) => void (r.bytes === -1 && interrupt.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }))),
    };
    await assert.rejects(
      waitForRunning(client, {
        namespace,
        name: 'stuck',
        resourceVersion: created.body.metadata.resourceVersion,
        timeoutMs: 60_000,
        signal: interrupt.signal,
        initial: created.body,
      }),
      (err: Error) => err.name === 'AbortError',
    );
    client.hooks = counting;
    assert.equal(requests.length, 1, 'one watch request, no polling');
    assert.match(requests[0]!, /[?&]watch=(true|1)\b/);
  });

  it("a namespace being deleted is named as that from the server's NamespaceTerminating cause, not sent after RBAC", async () => {
    const doomed = await createTestNamespace(client, 'cli-create-pod-doomed');
    const configmaps = `/api/v1/namespaces/${doomed}/configmaps`;
    // A finalizer on one of its objects holds the namespace in Terminating until the finally below lets it go.
    const hold = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hold', finalizers: ['kube-lessons.test/hold'] } };
    await client.request({ method: 'POST', path: configmaps, body: hold });
    try {
      await deleteNamespace(client, doomed);
      // NamespaceLifecycle reads namespaces from its informer: creates pass until it has seen the deletion.
      await waitUntil(`creates refused in ${doomed}`, () =>
        client.request({ method: 'POST', path: configmaps, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'probe-' } } }).then(
          () => false,
          (err: { code?: number }) => err.code === 403,
        ),
      );
      const r = await cli(['create-pod', '-n', doomed]);
      assertOneLineError(
        r,
        ExitCode.forbidden,
        new RegExp(`forbidden \\(403\\): namespace "${doomed}" is being deleted, and takes no new objects.*another -n`),
      );
    } finally {
      await client.request({
        method: 'PATCH',
        path: `${configmaps}/hold`,
        contentType: 'application/merge-patch+json',
        body: { metadata: { finalizers: null } },
      });
    }
  });
});
