// A controller stopped in the middle of its work and started again (a new process, as far as it knows)
// picks up from the cluster's state: its caches tell it what exists, so nothing is created twice.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../src/core/client.ts';
import type { Deployment } from '../../../src/controllers/foo/types.ts';
import { waitUntil } from '../../helpers/cluster.ts';
import { converged, createFoo, deploymentPath, fooPath, listDeployments, listFoos, startController, useFooNamespace, type TestController } from './helpers.ts';

const FOOS = 30;

describe('the sample controller, stopped and restarted', () => {
  let client: KubeClient;
  let ns = '';
  useFooNamespace('ctl-restart', (c, n) => {
    client = c;
    ns = n;
  });

  it('stopped mid-way and restarted, converges with no duplicate Deployments', async () => {
    // Stop it right after its fifth Deployment: mid-way through the thirty.
    let creates = 0;
    let stopped: ReturnType<TestController['stop']> | undefined;
    const first: TestController = await startController(ns, {
      workers: 1,
      onLog: (l) => {
        if (l.message === 'creating deployment' && ++creates === 5) stopped = first.stop();
      },
    });
    await Promise.all(Array.from({ length: FOOS }, (_, i) => createFoo(client, ns, `foo-${i}`, { deploymentName: `dep-${i}`, replicas: 1 + (i % 2) })));
    await waitUntil('the fifth Deployment and the stop', () => stopped !== undefined, 20_000, 20);
    const stats1 = await stopped!;
    const wireAfterStop = first.wireRequests();
    const made = (await listDeployments(client, ns)).length;
    // The sync in flight when the signal came was allowed to finish: its create went through.
    assert.equal(stats1.requests['create deployment'], 5);
    assert.equal(made, 5, `stopped mid-way: ${made} of ${FOOS} Deployments`);

    // While it is down: the world moves on.
    await client.request({ method: 'PATCH', path: fooPath(ns, 'foo-0'), contentType: 'application/merge-patch+json', body: { spec: { replicas: 3 } } });
    const existing = (await listDeployments(client, ns)).find((d) => d.metadata.name !== 'dep-0');
    if (existing) await client.request({ method: 'DELETE', path: deploymentPath(ns, existing.metadata.name) });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(first.wireRequests(), wireAfterStop, 'a stopped controller sends nothing');

    const second = await startController(ns);
    try {
      await waitUntil(
        `all ${FOOS} Foos to converge after the restart`,
        async () => {
          const [foos, deployments] = await Promise.all([listFoos(client, ns), listDeployments(client, ns)]);
          const byName = new Map(deployments.map((d) => [d.metadata.name, d] as const));
          return foos.length === FOOS && foos.every((f) => converged(f, byName));
        },
        90_000,
        500,
      );
    } finally {
      await second.stop();
    }

    const deployments = await listDeployments(client, ns);
    assert.equal(deployments.length, FOOS, 'exactly one Deployment per Foo');
    const foos = await listFoos(client, ns);
    for (const foo of foos) {
      const owned = deployments.filter((d: Deployment) => d.metadata.ownerReferences?.some((r) => r.uid === foo.metadata.uid));
      assert.equal(owned.length, 1, `${foo.metadata.name} owns one Deployment`);
      assert.equal(owned[0]!.metadata.name, foo.spec.deploymentName);
    }
    assert.equal(foos.find((f) => f.metadata.name === 'foo-0')?.status?.availableReplicas, 3);
  });
});
