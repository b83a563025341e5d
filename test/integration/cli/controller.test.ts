/** `kube-lessons controller ...` through the built CLI: rbac, run --help, example, install, run + Ctrl-C, uninstall. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { KubeClient } from '../../../src/core/client.ts';
import type { Deployment, Foo } from '../../../src/controllers/foo/types.ts';
import { createTestNamespace, deleteNamespace, testClient } from '../../helpers/cluster.ts';
import { deploymentPath, fooPath, getOrUndefined, takeFooCrdExclusively, useFooCrd } from '../controller/helpers.ts';
import { assertNoSecrets, assertOneLineError, cli, startCliOnSandbox } from './helpers.ts';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/foos.samplecontroller.k8s.io';

describe('controller (the sample controller commands)', () => {
  let client: KubeClient;
  let ns = '';

  before(async () => {
    client = await testClient();
    ns = await createTestNamespace(client, 'cli-controller');
  });
  after(async () => {
    if (ns) await deleteNamespace(client, ns);
  });

  it('rbac prints the Namespace of -n, a ClusterRole with exactly the verbs the controller uses, a ServiceAccount in it, and the binding', async () => {
    const r = await cli(['controller', 'rbac', '-n', 'controllers']);
    assert.equal(r.code, 0, r.stderr);
    type Manifest = { kind: string; metadata: { name: string; namespace?: string }; rules?: unknown; roleRef?: unknown; subjects?: unknown };
    const [namespace, role, sa, binding] = parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest);
    assert.ok(namespace && role && sa && binding, r.stdout);
    assert.deepEqual([namespace.kind, namespace.metadata.name], ['Namespace', 'controllers']);
    assert.equal(role.kind, 'ClusterRole');
    assert.deepEqual(role.rules, [
      { apiGroups: ['samplecontroller.k8s.io'], resources: ['foos'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['samplecontroller.k8s.io'], resources: ['foos/status'], verbs: ['update'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
    assert.deepEqual([sa.kind, sa.metadata.name, sa.metadata.namespace], ['ServiceAccount', 'sample-controller', 'controllers']);
    assert.equal(binding.kind, 'ClusterRoleBinding');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'sample-controller', namespace: 'controllers' }]);

    const json = await cli(['controller', 'rbac', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout) as { kind: string; items: { kind: string; metadata: { namespace?: string } }[] };
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((i) => i.kind),
      ['ClusterRole', 'ServiceAccount', 'ClusterRoleBinding'],
      'namespace default exists already: no Namespace object',
    );
    assert.equal(list.items[1]!.metadata.namespace, 'default', 'the ServiceAccount defaults to namespace default');
  });

  it('run --help names the workers, the resync and how it stops', async () => {
    const r = await cli(['controller', 'run', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: kube-lessons controller run/);
    // Help wraps long lines (the global options widen the first column), so a default may sit on the next line.
    assert.match(r.stdout, /--workers <n>.*\(default:\s+2\)/s);
    assert.match(r.stdout, /--resync <duration>.*\(default:\s+30s\)/s);
    assert.match(r.stdout, /Ctrl-C/);
    const top = await cli(['controller', '--help']);
    for (const sub of ['install', 'example', 'run', 'uninstall', 'rbac']) assert.match(top.stdout, new RegExp(`^  ${sub} `, 'm'));
  });

  it('example prints the example Foo as YAML (and JSON with -o json)', async () => {
    const r = await cli(['controller', 'example']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseYaml(r.stdout), {
      apiVersion: 'samplecontroller.k8s.io/v1alpha1',
      kind: 'Foo',
      metadata: { name: 'example-foo' },
      spec: { deploymentName: 'example-foo', replicas: 1 },
    });
    const json = await cli(['controller', 'example', '-o', 'json']);
    assert.equal((JSON.parse(json.stdout) as { spec: { deploymentName: string } }).spec.deploymentName, 'example-foo');
  });

  describe('with the CRD installed', () => {
    let release = () => {};
    before(async () => {
      release = await useFooCrd();
    });
    after(() => release());

    it('install is idempotent: it replaces the CRD, waits until it is Established and says what to do next', async () => {
      const r = await cli(['controller', 'install']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /customresourcedefinition\.apiextensions\.k8s\.io\/foos\.samplecontroller\.k8s\.io (created|updated); established after/);
      assert.match(r.stdout, /kube-lessons controller example --apply/);
      assert.match(r.stdout, /kube-lessons controller run/);
      const crd = (
        await client.request<{ status: { conditions: { type: string; status: string }[] }; spec: { versions: { subresources: unknown }[] } }>({
          path: CRD_PATH,
        })
      ).body;
      assert.ok(crd.status.conditions.some((c) => c.type === 'Established' && c.status === 'True'));
      assert.deepEqual(crd.spec.versions[0]!.subresources, { status: {} });
    });

    it('example --apply creates it in -n, once; the schema refuses replicas over 10', async () => {
      const r = await cli(['controller', 'example', '--apply', '-n', ns]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`foo\\.samplecontroller\\.k8s\\.io/example-foo created in namespace "${ns}"`));
      const again = await cli(['controller', 'example', '--apply', '-n', ns]);
      assertOneLineError(again, 9, /already exists/);
      await assert.rejects(
        client.request({ method: 'PATCH', path: fooPath(ns, 'example-foo'), contentType: 'application/merge-patch+json', body: { spec: { replicas: 11 } } }),
        (err: { code?: number }) => err.code === 422,
      );
    });

    it('run syncs the Foo, prints the sync and the event, and Ctrl-C drains and exits 130 (interrupted, as the README says)', async () => {
      const run = startCliOnSandbox(['controller', 'run', '-n', ns, '--workers', '1', '--resync', '0'], { timeoutMs: 60_000 });
      // Ctrl-C once the sync's event was recorded: the last thing the run is expected to print before it.
      await run.line(/event Normal Synced: Foo synced successfully/);
      run.interrupt();
      const r = await run.done;
      assert.equal(r.code, 130, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, new RegExp(`watching Foos and Deployments in namespace "${ns}" with 1 worker`));
      assert.match(r.stdout, new RegExp(`creating deployment\\s+resourceName=${ns}/example-foo deployment=example-foo`));
      assert.match(r.stdout, new RegExp(`successfully synced\\s+resourceName=${ns}/example-foo`));
      assert.match(r.stdout, /event Normal Synced: Foo synced successfully/);
      assert.match(r.stdout, /shutting down workers/);
      assert.match(r.stderr, /stopped cleanly: \d+ sync\(s\)/);
      assert.doesNotMatch(r.stderr, /^error:/m);
      assertNoSecrets(r);
      const d = await getOrUndefined<Deployment>(client, deploymentPath(ns, 'example-foo'));
      assert.equal(d?.metadata.ownerReferences?.[0]?.kind, 'Foo');
      // Signed as sample-controller signs its events: the component alone, no host.
      const events = (
        await client.request<{ items: { reason: string; source?: unknown; reportingInstance?: string }[] }>({ path: `/api/v1/namespaces/${ns}/events` })
      ).body;
      const synced = events.items.find((e) => e.reason === 'Synced');
      assert.deepEqual(synced?.source, { component: 'sample-controller' });
      assert.equal(synced?.reportingInstance ?? '', '');
    });

    it('run refuses bad --workers with a usage error', async () => {
      assertOneLineError(await cli(['controller', 'run', '--workers', '0']), 2, /--workers must be a whole number/);
    });
  });

  describe('uninstall (holding the CRD alone, so no other test file loses it)', () => {
    let release = () => {};
    before(async () => {
      release = await takeFooCrdExclusively();
    });
    after(async () => {
      // Leave it installed for whoever comes next.
      await cli(['controller', 'install']);
      release();
    });

    it('uninstall deletes the CRD and its Foos; then run and example --apply fail with a one-line hint to install', async () => {
      const r = await cli(['controller', 'uninstall']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /foos\.samplecontroller\.k8s\.io deleted/);
      assert.match(r.stdout, /Every Foo went with it/);
      assert.equal(await getOrUndefined(client, CRD_PATH), undefined);

      const run = await cli(['controller', 'run', '-n', ns]);
      assertOneLineError(run, 8, /Foo CustomResourceDefinition .* is not installed.*controller install/);
      const apply = await cli(['controller', 'example', '--apply', '-n', ns]);
      assertOneLineError(apply, 8, /not installed.*controller install/);
      const twice = await cli(['controller', 'uninstall']);
      assert.equal(twice.code, 0, twice.stderr);
      assert.match(twice.stdout, /is not installed; nothing to do/);

      const install = await cli(['controller', 'install']);
      assert.equal(install.code, 0, install.stderr);
      assert.match(install.stdout, / created; established/);
      assert.equal(await getOrUndefined<Foo>(client, fooPath(ns, 'example-foo')), undefined, 'the old Foo did not come back');
    });
  });
});
