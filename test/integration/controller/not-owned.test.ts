// A Foo that names a Deployment somebody else already owns: the controller must not take it over.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../src/core/client.ts';
import { ERR_RESOURCE_EXISTS, messageResourceExists } from '../../../src/controllers/foo/controller.ts';
import type { Deployment, Foo } from '../../../src/controllers/foo/types.ts';
import { waitUntil } from '../../helpers/cluster.ts';
import { createFoo, deploymentPath, fooPath, getOrUndefined, listEvents, startController, useFooNamespace, type TestController } from './helpers.ts';

describe('the sample controller and a Deployment it does not own', () => {
  let client: KubeClient;
  let ns = '';
  let controller: TestController | undefined;
  useFooNamespace(
    'ctl-owned',
    (c, n) => {
      client = c;
      ns = n;
    },
    { beforeTeardown: async () => void (await controller?.stop()) },
  );

  it('leaves a pre-existing Deployment of the same name untouched and records a Warning ErrResourceExists on the Foo', async () => {
    const labels = { app: 'theirs' };
    const theirs = (
      await client.request<Deployment>({
        method: 'POST',
        path: deploymentPath(ns),
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'shared-name', labels },
          spec: {
            replicas: 2,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'httpd:alpine' }] } },
          },
        },
      })
    ).body;
    controller = await startController(ns);
    const foo = await createFoo(client, ns, 'wants-it', { deploymentName: 'shared-name', replicas: 5 });

    const message = messageResourceExists('shared-name');
    assert.equal(message, 'Resource "shared-name" already exists and is not managed by Foo');
    await waitUntil(
      'the ErrResourceExists warning',
      async () =>
        (await listEvents(client, ns)).some(
          (e) => e.involvedObject.uid === foo.metadata.uid && e.type === 'Warning' && e.reason === ERR_RESOURCE_EXISTS && e.message === message,
        ),
      20_000,
    );
    // Give the retries (5 ms, 10 ms, 20 ms ...) time to run: none of them may change the Deployment.
    await waitUntil('a few retries', () => controller!.running.controller.stats().syncErrors >= 3, 20_000);

    const after = (await getOrUndefined<Deployment>(client, deploymentPath(ns, 'shared-name')))!;
    assert.equal(after.metadata.uid, theirs.metadata.uid);
    assert.equal(after.metadata.generation, theirs.metadata.generation, 'spec never written');
    assert.equal(after.spec?.replicas, 2);
    assert.equal(after.metadata.ownerReferences, undefined);
    assert.deepEqual(after.metadata.labels, labels);
    const stats = controller.running.controller.stats();
    assert.equal(stats.requests['create deployment'] ?? 0, 0);
    assert.equal(stats.requests['update deployment'] ?? 0, 0);
    assert.equal(stats.requests['update foo status'] ?? 0, 0, 'no status: the sync failed before it');
    const f = (await getOrUndefined<Foo>(client, fooPath(ns, 'wants-it')))!;
    assert.equal(f.status, undefined);
    // The warnings repeat on every retry: one Event whose count goes up.
    const warnings = (await listEvents(client, ns)).filter((e) => e.reason === ERR_RESOURCE_EXISTS);
    assert.equal(warnings.length, 1);
    await controller.running.recorder.flush();
    const counted = (await listEvents(client, ns)).find((e) => e.reason === ERR_RESOURCE_EXISTS)!;
    assert.ok((counted.count ?? 0) >= 2, `count ${counted.count}`);
    assert.ok(
      controller.logs.some((l) => l.level === 'error' && l.message.includes('requeuing')),
      'the retry is logged',
    );
  });
});
