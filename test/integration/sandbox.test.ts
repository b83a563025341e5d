// The sandbox itself, through the CLI as a learner uses it: up, a Deployment that really runs, garbage
// collection, status and env, and a down that leaves none of its processes behind.
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../../src/core/client.ts';
import { loadKubeconfig } from '../../src/core/kubeconfig.ts';
import { processAlive } from '../../src/sandbox/build.ts';
import { readState } from '../../src/sandbox/state.ts';
import { runCli } from '../helpers/cli.ts';
import { waitUntil } from '../helpers/cluster.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('kube-lessons-sandbox-test-');
const env = { KUBE_LESSONS_SANDBOX_DIR: dir };
after(async () => void (await runCli(['sandbox', 'down'], { env })));

interface Node {
  metadata: { labels: Record<string, string> };
  status: { conditions: { type: string; status: string }[]; nodeInfo: { architecture: string; osImage: string } };
}
interface Pod {
  status: { phase: string };
}

describe('kube-lessons sandbox', () => {
  let client: KubeClient;
  let pids: number[] = [];

  it('comes up with Ready fake nodes of mixed architectures and prints the KUBECONFIG line', async () => {
    const up = await runCli(['sandbox', 'up'], { env, timeoutMs: 600_000 });
    assert.equal(up.code, 0, up.stderr);
    const state = readState(dir)!;
    assert.equal(up.stdout.trim(), `export KUBECONFIG='${state.kubeconfig}'`);
    pids = Object.values(state.components).map((c) => c.pid);
    assert.equal(pids.length, 5);
    client = new KubeClient(await loadKubeconfig({ kubeconfig: state.kubeconfig }));
    const nodes = (await client.request<{ items: Node[] }>({ path: '/api/v1/nodes' })).body.items;
    assert.equal(nodes.length, 3);
    assert.ok(
      nodes.every((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')),
      'all nodes Ready',
    );
    assert.deepEqual(new Set(nodes.map((n) => n.status.nodeInfo.architecture)), new Set(['amd64', 'arm64']));
    assert.ok(nodes.every((n) => n.metadata.labels['kubernetes.io/arch'] === n.status.nodeInfo.architecture && n.status.nodeInfo.osImage));
    const env2 = await runCli(['sandbox', 'env'], { env });
    assert.equal(env2.stdout.trim(), `export KUBECONFIG='${state.kubeconfig}'`);
    const status = await runCli(['sandbox', 'status'], { env });
    assert.equal(status.code, 0);
    for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'])
      assert.match(status.stdout, new RegExp(`${c}\\s+\\d+\\s+\\d+\\s+healthy`));
  });

  it('runs a Deployment of 3 replicas to 3 Running pods within 30 s, and garbage-collects them on delete', async () => {
    const ns = '/apis/apps/v1/namespaces/default/deployments';
    await client.request({
      method: 'POST',
      path: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
        },
      },
    });
    const pods = async () =>
      (await client.request<{ items: Pod[] }>({ path: '/api/v1/namespaces/default/pods', query: { labelSelector: 'app=web' } })).body.items;
    await waitUntil('3 Running pods', async () => (await pods()).filter((p) => p.status.phase === 'Running').length === 3, 30_000, 250);
    await client.request({ method: 'DELETE', path: `${ns}/web`, body: { propagationPolicy: 'Background' } });
    await waitUntil(
      'ReplicaSet and pods collected',
      async () => {
        const rs = (await client.request<{ items: unknown[] }>({ path: '/apis/apps/v1/namespaces/default/replicasets', query: { labelSelector: 'app=web' } }))
          .body.items;
        return rs.length === 0 && (await pods()).length === 0;
      },
      30_000,
      250,
    );
  });

  it('stops every process it started on down, and removes its state', async () => {
    const down = await runCli(['sandbox', 'down'], { env });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /sandbox stopped and removed/);
    const alive = pids.filter((pid) => processAlive(pid) && !zombie(pid));
    assert.deepEqual(alive, [], 'no sandbox process is left running');
    assert.equal(readState(dir), undefined);
    const status = await runCli(['sandbox', 'status'], { env });
    assert.notEqual(status.code, 0, 'status of no sandbox is a failure');
  });
});

function zombie(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
