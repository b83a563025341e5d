// The bootstrap seed across real start-ups, on a seed file of this test's own: the first start-up of a build
// saves the API server's defaults and nothing of its sandbox (no token, key, certificate, account or node); a
// later one plants them with its own uids and times, and RBAC still holds for the non-admin user; a seed from
// another build is not planted but captured again.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../../src/core/client.ts';
import { loadKubeconfig } from '../../src/core/kubeconfig.ts';
import { adminTokenOf, sandboxDown, sandboxUp } from '../../src/sandbox/sandbox.ts';
import { binaryStamp, loadSeed, SEED_SOURCES, type Seed } from '../../src/sandbox/seed.ts';
import { SANDBOX_NOBODY_CONTEXT, type SandboxState } from '../../src/sandbox/state.ts';
import { binDir, loadVersions } from '../../src/sandbox/versions.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const work = tempDir('kube-lessons-seed-test-');
const seedPath = join(work, 'bootstrap-seed.json');
const versions = loadVersions();
const build = binaryStamp(join(binDir(versions), 'kube-apiserver'));
const MARKER = 'kube-lessons-test-seed-marker';
let running: string | undefined;
after(async () => {
  if (running) await sandboxDown(running);
});

async function up(name: string): Promise<{ state: SandboxState; admin: KubeClient; lines: string[] }> {
  const lines: string[] = [];
  running = join(work, name);
  const state = await sandboxUp({ dir: running, nodes: 1, seed: seedPath, log: (l) => lines.push(l) });
  return { state, admin: new KubeClient(await loadKubeconfig({ kubeconfig: state.kubeconfig })), lines };
}

async function down(state: SandboxState, admin: KubeClient): Promise<void> {
  await admin.close();
  await sandboxDown(state.dir);
  running = undefined;
}

const clusterRole = (admin: KubeClient, name: string) =>
  admin.request<{ metadata: { uid: string; creationTimestamp: string } }>({ path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}` });

/** The seed with a ClusterRole of the test's own added (marked as a default, or loading refuses it), to see whether a start-up planted it. */
function withMarker(seed: Seed, apiserver: string): Seed {
  const metadata = { name: MARKER, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, managedFields: [{ manager: 'kube-apiserver' }] };
  const marker = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata, rules: [] };
  return { ...seed, apiserver, objects: [...seed.objects, { key: `clusterroles/${MARKER}`, object: marker }] };
}

describe('the bootstrap seed', () => {
  let firstAdminUid = '';

  it("the first start-up saves the API server's defaults, and nothing of its sandbox", async () => {
    const { state, admin, lines } = await up('first');
    assert.ok(
      lines.some((l) => /bootstrap objects saved/.test(l)),
      lines.join('\n'),
    );
    const seed = loadSeed(seedPath, versions, build);
    assert.ok(seed, 'saved for this build');
    const prefixes = new Set(SEED_SOURCES.map((s) => s.prefix));
    for (const { key } of seed.objects) assert.ok(prefixes.has(key.split('/')[0]!), key);
    assert.ok(seed.objects.filter((o) => o.key.startsWith('clusterroles/')).length >= 50);
    const text = readFileSync(seedPath, 'utf8');
    const secrets = readFileSync(join(state.dir, 'tokens.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',')[0]!);
    const ca = readFileSync(join(state.dir, 'ca.crt'), 'utf8').split('\n')[1]!;
    for (const s of [...secrets, ca, '"uid"', '"resourceVersion"', '"creationTimestamp"', 'kube-lessons-admin', 'kube-lessons-nobody'])
      assert.ok(!text.includes(s), `the seed holds ${s.slice(0, 12)}...`);
    assert.equal(secrets[0], adminTokenOf(state));
    firstAdminUid = (await clusterRole(admin, 'admin')).body.metadata.uid;
    await down(state, admin);
  });

  it('a later start-up plants it: its own uids and times, and RBAC still holds for the non-admin user', async () => {
    const saved = loadSeed(seedPath, versions, build)!;
    writeFileSync(seedPath, JSON.stringify(withMarker(saved, build)));
    const before = Date.now();
    const { state, admin, lines } = await up('planted');
    assert.ok(
      lines.some((l) => /bootstrap objects planted/.test(l)),
      lines.join('\n'),
    );
    const marker = (await clusterRole(admin, MARKER)).body.metadata;
    assert.ok(Date.parse(marker.creationTimestamp) >= Math.floor(before / 1000) * 1000, marker.creationTimestamp);
    const adminRole = (await clusterRole(admin, 'admin')).body.metadata;
    assert.notEqual(adminRole.uid, firstAdminUid);
    assert.ok(Date.parse(adminRole.creationTimestamp) >= Math.floor(before / 1000) * 1000);
    const nobody = new KubeClient(await loadKubeconfig({ kubeconfig: state.kubeconfig, context: SANDBOX_NOBODY_CONTEXT }));
    await assert.rejects(nobody.request({ path: '/api/v1/namespaces/default/pods' }), /403|[Ff]orbidden/);
    const review = await nobody.request<{ status: { allowed: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', resource: 'pods' } } },
    });
    assert.equal(review.body.status.allowed, false, 'system:basic-user lets it ask, and nothing more');
    await nobody.close();
    await down(state, admin);
  });

  it('a seed from another build of the API server is not planted, and is captured again', async () => {
    const saved = loadSeed(seedPath, versions, build) ?? (JSON.parse(readFileSync(seedPath, 'utf8')) as Seed);
    writeFileSync(seedPath, JSON.stringify(withMarker(saved, 'another-build')));
    const { state, admin, lines } = await up('stale');
    assert.ok(!lines.some((l) => /planted/.test(l)), lines.join('\n'));
    await assert.rejects(clusterRole(admin, MARKER), /404|[Nn]ot ?[Ff]ound/);
    const recaptured = loadSeed(seedPath, versions, build);
    assert.ok(recaptured, 'saved again for this build');
    assert.ok(!recaptured.objects.some((o) => o.key.includes(MARKER)));
    await down(state, admin);
  });
});
