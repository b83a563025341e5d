// `controller rbac` is enough: apply what it prints, run the controller with a token of that service
// account (and nothing else), and it still converges a Foo, scales it, and records its events.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { KubeClient } from '../../../src/core/client.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import { ApiStatusError } from '../../../src/machinery/errors.ts';
import type { Deployment, Foo } from '../../../src/controllers/foo/types.ts';
import { createTestNamespace, deleteNamespace, sandboxState, testClient, waitUntil } from '../../helpers/cluster.ts';
import { runCli } from '../../helpers/cli.ts';
import { createFoo, deploymentPath, fooPath, getOrUndefined, startController, useFooCrd } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  [k: string]: unknown;
}

function collectionPath(m: Manifest): string {
  switch (m.kind) {
    case 'Namespace':
      return '/api/v1/namespaces';
    case 'ClusterRole':
      return '/apis/rbac.authorization.k8s.io/v1/clusterroles';
    case 'ClusterRoleBinding':
      return '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings';
    case 'ServiceAccount':
      return `/api/v1/namespaces/${m.metadata.namespace}/serviceaccounts`;
    default:
      throw new Error(`unexpected kind ${m.kind} in controller rbac output`);
  }
}

/** kubectl apply, in short: create, or replace what is there. */
async function apply(client: KubeClient, m: Manifest): Promise<void> {
  try {
    await client.request({ method: 'POST', path: collectionPath(m), body: m });
  } catch (err) {
    if (!(err instanceof ApiStatusError && err.code === 409)) throw err;
    const path = `${collectionPath(m)}/${m.metadata.name}`;
    const current = (await client.request<Manifest>({ path })).body;
    await client.request({ method: 'PUT', path, body: { ...m, metadata: { ...m.metadata, resourceVersion: current.metadata.resourceVersion } } });
  }
}

describe('the sample controller with only the RBAC `controller rbac` prints', () => {
  let admin: KubeClient;
  let ns = '';
  let release = () => {};
  let manifests: Manifest[] = [];
  const dir = tempDir('kube-lessons-rbac-');

  before(async () => {
    release = await useFooCrd();
    admin = await testClient();
    ns = await createTestNamespace(admin, 'ctl-rbac');
  });

  after(async () => {
    for (const m of [...manifests].reverse()) {
      if (m.kind !== 'ServiceAccount' && m.kind !== 'Namespace')
        await admin.request({ method: 'DELETE', path: `${collectionPath(m)}/${m.metadata.name}` }).catch(() => undefined);
    }
    if (ns) await deleteNamespace(admin, ns);
    rmSync(dir, { recursive: true, force: true });
    release();
  });

  it('a service account bound to exactly that role runs the controller to convergence', async () => {
    const printed = await runCli(['controller', 'rbac', '-n', ns]);
    assert.equal(printed.code, 0, printed.stderr);
    manifests = parseAllDocuments(printed.stdout).map((d) => d.toJS() as Manifest);
    assert.deepEqual(
      manifests.map((m) => m.kind),
      ['Namespace', 'ClusterRole', 'ServiceAccount', 'ClusterRoleBinding'],
    );
    for (const m of manifests) await apply(admin, m);
    const sa = manifests.find((m) => m.kind === 'ServiceAccount')!;

    const token = (
      await admin.request<{ status: { token: string } }>({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/serviceaccounts/${sa.metadata.name}/token`,
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
      })
    ).body.status.token;
    const state = sandboxState();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'sandbox',
            cluster: { server: state.server, 'certificate-authority-data': Buffer.from(readFileSync(join(state.dir, 'ca.crt'))).toString('base64') },
          },
        ],
        users: [{ name: 'sample-controller', user: { token } }],
        contexts: [{ name: 'sample-controller', context: { cluster: 'sandbox', user: 'sample-controller', namespace: ns } }],
        'current-context': 'sample-controller',
      }),
      { mode: 0o600 },
    );
    const asController = new KubeClient(await loadKubeconfig({ kubeconfig }));

    // It really is a restricted identity: nothing beyond the role.
    await assert.rejects(asController.request({ path: `/api/v1/namespaces/${ns}/pods` }), (err: unknown) => err instanceof ApiStatusError && err.code === 403);
    await assert.rejects(
      asController.request({ method: 'DELETE', path: deploymentPath(ns, 'anything') }),
      (err: unknown) => err instanceof ApiStatusError && err.code === 403,
    );

    const controller = await startController(ns, { client: asController });
    try {
      const foo = await createFoo(admin, ns, 'rbac-foo', { deploymentName: 'rbac-dep', replicas: 1 });
      await waitUntil(
        'the Foo to converge under the service account',
        async () => {
          const d = await getOrUndefined<Deployment>(admin, deploymentPath(ns, 'rbac-dep'));
          const f = await getOrUndefined<Foo>(admin, fooPath(ns, 'rbac-foo'));
          return d?.metadata.ownerReferences?.[0]?.uid === foo.metadata.uid && f?.status?.availableReplicas === 1;
        },
        30_000,
      );
      // The update path too (deployments update), then the status again (foos/status update).
      await admin.request({ method: 'PATCH', path: fooPath(ns, 'rbac-foo'), contentType: 'application/merge-patch+json', body: { spec: { replicas: 2 } } });
      await waitUntil(
        'the scale-up under the service account',
        async () => {
          const d = await getOrUndefined<Deployment>(admin, deploymentPath(ns, 'rbac-dep'));
          const f = await getOrUndefined<Foo>(admin, fooPath(ns, 'rbac-foo'));
          return d?.spec?.replicas === 2 && f?.status?.availableReplicas === 2;
        },
        30_000,
      );
      await controller.running.recorder.flush();
    } finally {
      await controller.stop();
    }
    const events = controller.running.recorder.stats();
    assert.ok(events.created >= 1 && events.patched >= 1, `events created and patched: ${JSON.stringify(events)}`);
    assert.equal(events.failed, 0, 'every event write was allowed');
    const denied = controller.logs.filter((l) => l.level === 'error' && /forbidden|403/i.test(JSON.stringify(l)));
    assert.deepEqual(denied, [], 'nothing the controller tried was forbidden');
    const stats = controller.running.controller.stats();
    assert.ok((stats.requests['create deployment'] ?? 0) >= 1);
    assert.ok((stats.requests['update deployment'] ?? 0) >= 1);
    assert.ok((stats.requests['update foo status'] ?? 0) >= 2);
  });
});
