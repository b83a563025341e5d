import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadKubeconfig, mergeFiles } from '../../../src/core/kubeconfig.ts';
import { KubeconfigError } from '../../../src/core/errors.ts';
import { redact } from '../../../src/core/redact.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const A = file(
  'a.yaml',
  `apiVersion: v1
kind: Config
current-context: ctx-a
clusters:
- name: shared
  cluster: {server: 'https://127.0.0.1:1111', certificate-authority: certs/ca.crt}
users:
- name: alice
  user: {token: alice-secret-token}
contexts:
- name: ctx-a
  context: {cluster: shared, user: alice, namespace: team-a}
`,
);
const B = file(
  'b.yaml',
  `apiVersion: v1
kind: Config
current-context: ctx-b
clusters:
- name: shared
  cluster: {server: 'https://127.0.0.1:2222'}
- name: other
  cluster: {server: 'https://127.0.0.1:3333'}
users:
- name: bob
  user: {username: bob, password: bobs-password}
contexts:
- name: ctx-b
  context: {cluster: other, user: bob}
`,
);

describe('kubeconfig resolution', () => {
  it('merges KUBECONFIG files with the first definition of a name winning, like kubectl', () => {
    const merged = mergeFiles([A, B]);
    assert.equal(merged['current-context'], 'ctx-a');
    assert.deepEqual(
      merged.clusters!.map((c) => [c.name, c.cluster.server]),
      [
        ['shared', 'https://127.0.0.1:1111'],
        ['other', 'https://127.0.0.1:3333'],
      ],
    );
    assert.equal(merged.clusters![0]!.cluster['certificate-authority'], join(dir, 'certs/ca.crt'), 'relative paths resolve against their own file');
  });

  it('reads KUBECONFIG in order and takes the namespace from the context', async () => {
    const r = await loadKubeconfig({ env: { KUBECONFIG: `${A}:${B}`, HOME: dir } });
    assert.equal(r.source, 'env');
    assert.deepEqual(r.files, [A, B]);
    assert.equal(r.contextName, 'ctx-a');
    assert.equal(r.server, 'https://127.0.0.1:1111');
    assert.equal(r.namespace, 'team-a');
    assert.equal(r.credentialKind, 'bearer token');
  });

  it('lets --kubeconfig win over KUBECONFIG and --context and -n override', async () => {
    const r = await loadKubeconfig({ kubeconfig: B, context: 'ctx-b', namespace: 'ns-x', env: { KUBECONFIG: A, HOME: dir } });
    assert.equal(r.source, 'flag');
    assert.equal(r.server, 'https://127.0.0.1:3333');
    assert.equal(r.namespace, 'ns-x');
    assert.equal(r.credentialKind, 'username and password');
  });

  it('defaults the namespace to "default" when the context has none', async () => {
    const r = await loadKubeconfig({ kubeconfig: B, env: { HOME: dir } });
    assert.equal(r.namespace, 'default');
  });

  it('falls back to ~/.kube/config, then to a running sandbox, then fails with a hint', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    await assert.rejects(
      loadKubeconfig({ env: { HOME: home } }),
      (e: KubeconfigError) => e instanceof KubeconfigError && /no cluster configured/.test(e.message) && /sandbox up/.test(e.hint ?? ''),
    );
    const r = await loadKubeconfig({ env: { HOME: home }, sandboxKubeconfig: () => B });
    assert.equal(r.source, 'sandbox');
  });

  it('rejects an unknown context naming the known ones', async () => {
    await assert.rejects(
      loadKubeconfig({ kubeconfig: A, context: 'nope', env: {} }),
      (e: KubeconfigError) => /context "nope" not found/.test(e.message) && /ctx-a/.test(e.hint ?? ''),
    );
  });

  it('reports malformed YAML and wrong shapes in one line', async () => {
    const bad = file('bad.yaml', 'clusters: [ {name: x\n');
    await assert.rejects(loadKubeconfig({ kubeconfig: bad, env: {} }), (e: KubeconfigError) => /not valid YAML/.test(e.message) && !e.message.includes('\n'));
    const shape = file('shape.yaml', 'clusters: {a: 1}\n');
    await assert.rejects(loadKubeconfig({ kubeconfig: shape, env: {} }), (e: KubeconfigError) => /"clusters" must be a list/.test(e.message));
    await assert.rejects(loadKubeconfig({ kubeconfig: join(dir, 'missing.yaml'), env: {} }), (e: KubeconfigError) => /does not exist/.test(e.message));
  });

  it('registers every loaded credential with the redactor', async () => {
    await loadKubeconfig({ env: { KUBECONFIG: `${A}:${B}`, HOME: dir } });
    assert.equal(redact('token=alice-secret-token and bobs-password'), 'token=<redacted> and <redacted>');
  });
});
