// The sample controller against the sandbox, for one Foo's whole life: created, scaled, its Deployment
// deleted by hand, and finally deleted itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../src/core/client.ts';
import { createExampleFoo } from '../../../src/controllers/foo/install.ts';
import { EXAMPLE_FOO_NAME, type Deployment, type Foo } from '../../../src/controllers/foo/types.ts';
import { MESSAGE_RESOURCE_SYNCED, SUCCESS_SYNCED } from '../../../src/controllers/foo/controller.ts';
import type { QueueSnapshot } from '../../../src/machinery/workqueue/queue.ts';
import { waitUntil } from '../../helpers/cluster.ts';
import {
  deploymentPath,
  fooPath,
  getOrUndefined,
  listEvents,
  listPods,
  startController,
  useFooNamespace,
  type LogLine,
  type TestController,
} from './helpers.ts';

describe('the sample controller, one Foo from creation to deletion', () => {
  let client: KubeClient;
  let ns = '';
  let controller: TestController | undefined;
  useFooNamespace(
    'ctl-life',
    (c, n) => {
      client = c;
      ns = n;
    },
    {
      afterSetup: async () => {
        controller = await startController(ns);
      },
      beforeTeardown: async () => {
        if (controller) assert.ok((await controller.stop()).syncs > 0);
      },
    },
  );

  it('creating the example Foo yields an owned Deployment, Running pods and status.availableReplicas = replicas', async () => {
    const foo = await createExampleFoo(client, ns);
    await waitUntil(
      'the example Foo to converge',
      async () => {
        const d = await getOrUndefined<Deployment>(client, deploymentPath(ns, EXAMPLE_FOO_NAME));
        const f = await getOrUndefined<Foo>(client, fooPath(ns, EXAMPLE_FOO_NAME));
        const pods = await listPods(client, ns, `controller=${EXAMPLE_FOO_NAME}`);
        return Boolean(d) && f?.status?.availableReplicas === 1 && pods.length === 1 && pods[0]!.status?.phase === 'Running';
      },
      // A failure bound, not a measured goal: how fast it converges is the bench's business.
      60_000,
    );

    const d = (await getOrUndefined<Deployment>(client, deploymentPath(ns, EXAMPLE_FOO_NAME)))!;
    assert.deepEqual(d.metadata.ownerReferences, [
      {
        apiVersion: 'samplecontroller.k8s.io/v1alpha1',
        kind: 'Foo',
        name: EXAMPLE_FOO_NAME,
        uid: foo.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(d.spec?.replicas, 1);
    assert.deepEqual(d.spec?.template.metadata?.labels, { app: 'nginx', controller: EXAMPLE_FOO_NAME });
    assert.deepEqual(
      d.spec?.template.spec.containers.map((c) => [c.name, c.image]),
      [['nginx', 'nginx:latest']],
    );

    await waitUntil(
      'a Synced event on the Foo',
      async () =>
        (await listEvents(client, ns)).some(
          (e) =>
            e.involvedObject.uid === foo.metadata.uid &&
            e.reason === SUCCESS_SYNCED &&
            e.type === 'Normal' &&
            e.message === MESSAGE_RESOURCE_SYNCED &&
            e.source?.component === 'sample-controller',
        ),
      10_000,
    );
    const synced = (await listEvents(client, ns)).filter((e) => e.involvedObject.uid === foo.metadata.uid && e.reason === SUCCESS_SYNCED);
    assert.equal(synced.length, 1, 'repeats of the Synced event are folded into one Event with a count');
  });

  /** Sets the example Foo's replicas; waits until its Deployment has them and its status counts them available. */
  async function scaleTo(replicas: number): Promise<void> {
    await client.request({
      method: 'PATCH',
      path: fooPath(ns, EXAMPLE_FOO_NAME),
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas } },
    });
    await waitUntil(
      `the Deployment to scale to ${replicas} and the Foo to report ${replicas} available`,
      async () => {
        const d = await getOrUndefined<Deployment>(client, deploymentPath(ns, EXAMPLE_FOO_NAME));
        const f = await getOrUndefined<Foo>(client, fooPath(ns, EXAMPLE_FOO_NAME));
        return d?.spec?.replicas === replicas && f?.status?.availableReplicas === replicas;
      },
      20_000,
    );
  }

  it('changing spec.replicas scales the Deployment and the status follows', async () => {
    await scaleTo(3);
    const running = (await listPods(client, ns, `controller=${EXAMPLE_FOO_NAME}`)).filter((p) => p.status?.phase === 'Running');
    assert.ok(running.length >= 3);
    await scaleTo(2);
  });

  it('deleting the Deployment by hand makes the controller recreate it', async () => {
    const before = (await getOrUndefined<Deployment>(client, deploymentPath(ns, EXAMPLE_FOO_NAME)))!;
    await client.request({ method: 'DELETE', path: deploymentPath(ns, EXAMPLE_FOO_NAME) });
    await waitUntil(
      'a new Deployment of the same name',
      async () => {
        const d = await getOrUndefined<Deployment>(client, deploymentPath(ns, EXAMPLE_FOO_NAME));
        return Boolean(d && d.metadata.uid !== before.metadata.uid && d.spec?.replicas === 2);
      },
      20_000,
    );
    const d = (await getOrUndefined<Deployment>(client, deploymentPath(ns, EXAMPLE_FOO_NAME)))!;
    assert.equal(d.metadata.ownerReferences?.[0]?.name, EXAMPLE_FOO_NAME);
  });

  it('deleting the Foo garbage-collects its Deployment and its pods', async () => {
    const logsBefore = controller!.logs.length;
    await client.request({ method: 'DELETE', path: fooPath(ns, EXAMPLE_FOO_NAME) });
    await waitUntil(
      'the Deployment and its pods to be garbage-collected',
      async () => {
        const d = await getOrUndefined<Deployment>(client, deploymentPath(ns, EXAMPLE_FOO_NAME));
        const pods = await listPods(client, ns, `controller=${EXAMPLE_FOO_NAME}`);
        return d === undefined && pods.length === 0;
      },
      60_000,
    );
    // The controller has no Foo delete handler and must not bring the Deployment back. Wait until it acted on
    // the Deployment's deletion: the Foo gone from its cache (it ignores the orphan, or its sync finds no Foo)
    // or, the bug, a create; then until its queue is idle, so no sync that still saw the Foo is pending.
    const foo = `${ns}/${EXAMPLE_FOO_NAME}`;
    const handled = (l: LogLine) =>
      (l.message === 'ignoring orphaned object' && l.fields.object === foo) ||
      (l.message === 'Foo in work queue no longer exists' && l.fields.resourceName === foo) ||
      l.message === 'creating deployment';
    await waitUntil('the controller to act on the Deployment going', () => controller!.logs.slice(logsBefore).some(handled), 30_000, 50);
    const idle = ({ dirty, processing, waiting = [] }: QueueSnapshot<string>) => dirty.length + processing.length + waiting.length === 0;
    await waitUntil('its queue to be idle', () => idle(controller!.running.queue.snapshot()), 30_000, 50);
    assert.equal(await getOrUndefined<Deployment>(client, deploymentPath(ns, EXAMPLE_FOO_NAME)), undefined);
    const creates = controller!.logs.slice(logsBefore).filter((l) => l.message === 'creating deployment');
    assert.deepEqual(creates, [], 'nothing is recreated once the Foo is gone');
  });
});
