/** `kube-lessons trace` against the sandbox: every stage, the real URL and status, the typed method, and never the token. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/core/client.ts';
import { ExitCode } from '../../../src/core/errors.ts';
import { createTestNamespace, deleteNamespace, testClient } from '../../helpers/cluster.ts';
import { assertNoSecrets, cli, kubeconfigPath, rawKubeconfig } from './helpers.ts';

describe('trace', () => {
  let client: KubeClient;
  let namespace: string;
  let server: string;

  before(async () => {
    client = await testClient();
    namespace = await createTestNamespace(client, 'cli-trace');
    server = rawKubeconfig().clusters[0]!.cluster.server;
    await client.request({
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'httpd:alpine' }] } },
        },
      },
    });
  });
  after(async () => deleteNamespace(client, namespace));

  it('list nodes: kubeconfig, CoreV1Api.listNode, the real GET and its 200, V1NodeList, the node names; no token anywhere', async () => {
    const nodes = (await client.request<{ items: { metadata: { name: string } }[] }>({ path: '/api/v1/nodes' })).body.items.map((n) => n.metadata.name);
    const r = await cli(['trace', 'list', 'nodes']);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    const order = ['[1/7] kubeconfig', '[2/7] resource', '[3/7] client', '[4/7] request', '[5/7] response', '[6/7] decode', '[7/7] result'];
    let last = -1;
    for (const stage of order) {
      const at = out.indexOf(stage);
      assert.ok(at > last, `${stage} comes next`);
      last = at;
    }
    assert.ok(out.includes(kubeconfigPath()), 'names the kubeconfig file');
    assert.match(out, /credential: token/);
    assert.match(out, /CoreV1Api\.listNode\(\{\}\)/);
    assert.ok(out.includes(`GET ${server}/api/v1/nodes`), 'the full URL');
    assert.match(out, /Authorization: Bearer <redacted>/);
    assert.match(out, /\[5\/7\] response\s+200 OK, application\/json, [\d.]+ k?B in [\d.]+ ms/);
    assert.match(out, /body says apiVersion v1, kind NodeList/);
    assert.match(out, new RegExp(`the deserializer built V1NodeList with ${nodes.length} items? \\(V1Node\\)`));
    for (const n of nodes) assert.ok(out.includes(n), `result names ${n}`);
    assertNoSecrets(r);
  });

  it('get deployment NAME: discovery resolves the short name, AppsV1Api.readNamespacedDeployment does the call', async () => {
    const r = await cli(['trace', 'get', 'deploy', 'web', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"deploy" is Deployment \(apps\/v1\), resource "deployments", namespaced/);
    assert.match(r.stdout, /found by\s+discovery/);
    assert.ok(r.stdout.includes(`AppsV1Api.readNamespacedDeployment({"name":"web","namespace":"${namespace}"})`));
    assert.ok(r.stdout.includes(`GET ${server}/apis/apps/v1/namespaces/${namespace}/deployments/web`));
    assert.match(r.stdout, /kind Deployment/);
    assert.match(r.stdout, /built V1Deployment/);
    assert.match(r.stdout, /got .*web/);
    assertNoSecrets(r);
  });

  it('-o json gives one JSON object per stage, with the query the typed method sent', async () => {
    const r = await cli(['trace', 'list', 'pods', '-l', 'app=web', '-o', 'json', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr);
    const stages = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { stage: string; [k: string]: unknown });
    assert.deepEqual(
      stages.map((s) => s.stage),
      ['kubeconfig', 'resource', 'client', 'request', 'response', 'decode', 'result'],
    );
    const client_ = stages[2]!;
    assert.equal(client_.className, 'CoreV1Api');
    assert.equal(client_.method, 'listNamespacedPod');
    const request = stages[3]!;
    assert.equal(request.path, `/api/v1/namespaces/${namespace}/pods`);
    assert.deepEqual(request.query, { labelSelector: 'app=web' });
    assert.equal((request.headers as Record<string, string>).Authorization, 'Bearer <redacted>');
    assert.equal(stages[4]!.status, 200);
    assert.equal(stages[5]!.modelClass, 'V1PodList');
    assertNoSecrets(r);
  });

  it('a 404 still shows the request and response stages, then one error line', async () => {
    const r = await cli(['trace', 'get', 'pods', 'missing', '-n', namespace]);
    assert.equal(r.code, ExitCode.notFound);
    assert.match(r.stdout, /\[5\/7\] response\s+404 Not Found/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    assert.match(r.stderr, /^error: get pods missing: .*not found \(404\)/);
    assertNoSecrets(r);
  });

  it('an unknown resource type is one line pointing at api-resources', async () => {
    const r = await cli(['trace', 'list', 'no-such-things']);
    assert.equal(r.code, ExitCode.notFound);
    assert.match(r.stderr, /^error: the server has no resource type "no-such-things" \(hint: .*kube-lessons api-resources/);
  });
});
