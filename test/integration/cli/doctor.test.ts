/** `kube-lessons doctor` against the sandbox: all checks pass; a missing server or no cluster at all is a failed check with a hint and exit 1. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/core/client.ts';
import { createTestNamespace, deleteNamespace, testClient } from '../../helpers/cluster.ts';
import { runCli } from '../../helpers/cli.ts';
import { assertNoSecrets, cli, closedPort, kubeconfigPath, rawKubeconfig } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

describe('doctor', () => {
  let client: KubeClient;
  let namespace: string;
  const dir = tempDir('kube-lessons-doctor-');

  before(async () => {
    client = await testClient();
    namespace = await createTestNamespace(client, 'cli-doctor');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await deleteNamespace(client, namespace);
  });

  it('passes every check against the sandbox and explains each in one line', async () => {
    const version = (await client.request<{ gitVersion: string }>({ path: '/version' })).body.gitVersion;
    const r = await cli(['doctor', '-n', namespace]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = r.stdout;
    assert.match(out, new RegExp(`✓ node\\s+Node\\.js v${process.versions.node.replace(/\./g, '\\.')} \\(needs >= 22\\.19`));
    assert.match(out, /✓ client package\s+@kubernetes\/client-node \d+\.\d+\.\d+ resolves from \S+node_modules\/@kubernetes\/client-node/);
    assert.match(out, /✓ client exports\s+entry point dist\/index\.js exports \d+ API classes .* \d+ model classes/);
    assert.ok(out.includes(`✓ kubeconfig     ${kubeconfigPath()}: from --kubeconfig`));
    assert.match(out, /✓ context\s+kube-lessons-sandbox/);
    assert.ok(out.includes(rawKubeconfig().clusters[0]!.cluster.server));
    assert.match(out, /✓ user\s+kube-lessons-admin with a token/);
    assert.match(out, new RegExp(`✓ namespace\\s+${namespace} \\(from -n\\)`));
    assert.ok(out.includes(`Kubernetes ${version}`), 'the server version');
    assert.match(out, /round trip [\d.]+ ms/);
    assert.match(out, /✓ readiness\s+GET \/readyz says "ok"/);
    assert.match(out, /✓ identity\s+the server authenticates us as "kube-lessons-admin"/);
    assert.match(out, /all \d+ checks passed/);
    assert.doesNotMatch(out, /[✗!] /);
    assertNoSecrets(r);
  });

  it('-o json gives the same checks as data', async () => {
    const r = await cli(['doctor', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; status: string; data: Record<string, unknown> }[] };
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.checks.map((c) => c.name),
      ['node', 'client package', 'client exports', 'kubeconfig', 'context', 'cluster', 'user', 'namespace', 'api server', 'readiness', 'identity'],
    );
    assert.ok(report.checks.every((c) => c.status === 'pass'));
    const exports = report.checks.find((c) => c.name === 'client exports')!.data;
    assert.ok((exports.apiClasses as number) > 30 && (exports.models as number) > 300);
    assert.deepEqual(report.checks.find((c) => c.name === 'kubeconfig')!.data, { source: 'flag', files: [kubeconfigPath()] });
    assertNoSecrets(r);
  });

  it('a kubeconfig pointing at a server that is not there fails the api server check with a hint, and the unreachable code', async () => {
    const file = join(dir, 'missing-server.yaml');
    const port = await closedPort();
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: gone, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: not-a-real-token-123}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\ncurrent-context: gone\n`,
    );
    const r = await runCli(['doctor', '--kubeconfig', file], { env: { KUBE_LESSONS_NO_AUTO_SANDBOX: '1' } });
    assert.equal(r.code, 4);
    assert.match(r.stdout, new RegExp(`✗ api server\\s+GET /version: cannot reach https://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    assert.match(r.stdout, /→ nothing answers at .*kube-lessons sandbox up/);
    assert.match(r.stdout, /1 of 9 checks failed/);
    assert.match(r.stderr, /^error: doctor: api server failed \(hint: .*kube-lessons sandbox up/);
    assert.ok(!r.stdout.includes('not-a-real-token-123') && !r.stderr.includes('not-a-real-token-123'));
  });

  it('--request-timeout 0 (no timeout) still gives a silent server 10 s, not forever', async () => {
    // Takes connections and never answers: the TLS handshake waits for ever unless doctor stops it.
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const { port } = silent.address() as AddressInfo;
      const file = join(dir, 'silent-server.yaml');
      writeFileSync(
        file,
        `apiVersion: v1\nkind: Config\nclusters: [{name: s, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: not-a-real-token-456}}]\ncontexts: [{name: s, context: {cluster: s, user: u}}]\ncurrent-context: s\n`,
      );
      const r = await runCli(['doctor', '--kubeconfig', file, '--request-timeout', '0'], { env: { KUBE_LESSONS_NO_AUTO_SANDBOX: '1' }, timeoutMs: 60_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout, /✗ api server\s+GET \/version: timed out talking to/);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('no cluster configured at all: a failed kubeconfig check with a hint, and no sandbox started', async () => {
    const home = join(dir, 'home');
    const r = await runCli(['doctor'], {
      env: { HOME: home, KUBECONFIG: '', KUBE_LESSONS_SANDBOX_DIR: join(dir, 'no-sandbox'), XDG_STATE_HOME: join(dir, 'state') },
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /✗ kubeconfig\s+no cluster configured/);
    assert.match(r.stdout, /→ start the local sandbox with `kube-lessons sandbox up`/);
    assert.doesNotMatch(r.stderr, /starting the local sandbox/);
  });
});
