/**
 * The error funnel against the real sandbox: each failure is one line (plus its hint) with its own exit
 * code, and never a stack trace without --debug; credentials never appear.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify as toYaml } from 'yaml';
import type { KubeClient } from '../../../src/core/client.ts';
import { ExitCode } from '../../../src/core/errors.ts';
import { runCli } from '../../helpers/cli.ts';
import { createTestNamespace, deleteNamespace, testClient } from '../../helpers/cluster.ts';
import { assertNoSecrets, assertOneLineError, cli, closedPort, rawKubeconfig } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

describe('errors against the real sandbox', () => {
  let client: KubeClient;
  let namespace: string;
  const dir = tempDir('kube-lessons-errors-');
  const env = { KUBE_LESSONS_NO_AUTO_SANDBOX: '1' };
  const withConfig = (file: string, args: string[]) => runCli(['--kubeconfig', file, ...args], { env });

  before(async () => {
    client = await testClient();
    namespace = await createTestNamespace(client, 'cli-errors');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await deleteNamespace(client, namespace);
  });

  it('a wrong token is a 401 line with the unauthorized code (raw request and typed client alike)', async () => {
    const raw = rawKubeconfig() as unknown as { users: { name: string; user: { token: string } }[] };
    const bad = 'wrong-token-' + 'x'.repeat(20);
    for (const u of raw.users) u.user.token = bad;
    const file = join(dir, 'bad-token.yaml');
    writeFileSync(file, toYaml(raw));
    const r = await withConfig(file, ['list-nodes']);
    assertOneLineError(r, ExitCode.unauthorized, /^error: list nodes: unauthorized \(401\).*\(hint: the token or certificate is wrong or expired/);
    assert.ok(!r.stderr.includes(bad));
    const t = await withConfig(file, ['trace', 'list', 'nodes']);
    assert.equal(t.code, ExitCode.unauthorized);
    assert.match(t.stderr.trimEnd(), /^error: list nodes: unauthorized \(401\)[^\n]*$/);
    assert.ok(!t.stdout.includes(bad) && !t.stderr.includes(bad), 'the wrong token is not printed either');
  });

  it('the sandbox user bound to no role gets a 403 line naming the verb and the resource', async () => {
    const r = await cli(['--context', 'kube-lessons-sandbox-nobody', 'list-nodes']);
    assertOneLineError(r, ExitCode.forbidden, /forbidden \(403\): user "kube-lessons-nobody" may not list nodes \(cluster-wide\).*hint: RBAC denied it/);
    const p = await cli(['--context', 'kube-lessons-sandbox-nobody', 'create-pod', '-n', namespace]);
    assertOneLineError(p, ExitCode.forbidden, new RegExp(`may not create pods in namespace "${namespace}"`));
    assertNoSecrets(r);
    assertNoSecrets(p);
  });

  it('a server nobody listens on is one line with a hint and the unreachable code', async () => {
    const port = await closedPort();
    const file = join(dir, 'closed-port.yaml');
    const raw = rawKubeconfig();
    raw.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`;
    writeFileSync(file, toYaml(raw));
    const r = await withConfig(file, ['list-nodes']);
    assertOneLineError(
      r,
      ExitCode.unreachable,
      new RegExp(
        `^error: list nodes: cannot reach https://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) \\(hint: the sandbox is not running: start it with \`kube-lessons sandbox up\`\\)$`,
      ),
    );
    assertNoSecrets(r);
  });

  it('a malformed kubeconfig file is one line with the config code', async () => {
    const file = join(dir, 'malformed.yaml');
    writeFileSync(file, 'apiVersion: v1\nclusters: [ {name: a, cluster: {server: "https://x"}\nusers: :\n');
    const r = await withConfig(file, ['list-nodes']);
    assertOneLineError(r, ExitCode.config, new RegExp(`kubeconfig ${file.replace(/[.]/g, '\\.')} is not valid YAML`));
  });

  it('an unknown --context is one line listing the known contexts', async () => {
    const r = await cli(['--context', 'no-such-context', 'list-nodes']);
    assertOneLineError(
      r,
      ExitCode.config,
      /context "no-such-context" not found in kubeconfig \(hint: known contexts: kube-lessons-sandbox, kube-lessons-sandbox-nobody\)/,
    );
  });

  it('--debug adds the stack trace, still without the token', async () => {
    const r = await cli(['--context', 'kube-lessons-sandbox-nobody', '--debug', 'list-nodes']);
    assert.equal(r.code, ExitCode.forbidden);
    assert.match(r.stderr, /\n\s+at /);
    assertNoSecrets(r);
  });
});
