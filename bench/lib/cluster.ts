/**
 * The benchmark's own sandbox and what the cases need from it: namespaces, pods of one shape that have
 * settled (all Running, resourceVersions no longer changing), a service account with its own kubeconfig,
 * and the API server's own count of that account's requests (API Priority and Fairness metrics).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify as toYaml } from 'yaml';
import { KubeClient } from '../../src/core/client.ts';
import { loadKubeconfig } from '../../src/core/kubeconfig.ts';
import { ApiStatusError } from '../../src/machinery/errors.ts';
import { sandboxDown, sandboxUp } from '../../src/sandbox/sandbox.ts';
import type { SandboxState } from '../../src/sandbox/state.ts';

export interface BenchCluster {
  state: SandboxState;
  client: KubeClient;
  /** The API server's port (for counting a process's connections to it). */
  apiPort: number;
  nodeNames: string[];
  down(): Promise<void>;
}

/** Pods per fake node (the sandbox's node capacity is 500). */
const PODS_PER_NODE = 450;

/**
 * Starts a private sandbox sized for `pods` pods. The controller-manager's client limit is raised from its
 * default 20 requests/s so that it (creating ReplicaSets and pods for Deployments) is not what a controller
 * benchmark measures.
 */
export async function startBenchCluster(pods: number, log: (l: string) => void): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-lessons-bench-'));
  const nodes = Math.max(3, Math.ceil(pods / PODS_PER_NODE));
  const t0 = performance.now();
  const state = await sandboxUp({ dir, nodes, extraArgs: { 'kube-controller-manager': ['--kube-api-qps=500', '--kube-api-burst=1000'] } }).catch(
    async (err: unknown) => {
      await sandboxDown(dir);
      throw err;
    },
  );
  log(`sandbox up in ${((performance.now() - t0) / 1000).toFixed(1)} s with ${nodes} nodes (${dir})`);
  const client = new KubeClient(await loadKubeconfig({ kubeconfig: state.kubeconfig }));
  const nodeList = await client.request<{ items: { metadata: { name: string } }[] }>({ path: '/api/v1/nodes' });
  return {
    state,
    client,
    apiPort: Number(new URL(state.server).port),
    nodeNames: nodeList.body.items.map((n) => n.metadata.name),
    down: async () => {
      await sandboxDown(dir);
    },
  };
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** Creates a namespace and waits until pods can be made in it (its default service account exists). */
export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  await waitFor(
    `the default service account in ${name}`,
    async () => (await client.request({ path: `/api/v1/namespaces/${name}/serviceaccounts/default` }), true),
    60_000,
    100,
  );
}

/** Deletes a namespace and waits until it is gone (everything in it deleted). */
export async function deleteNamespace(client: KubeClient, name: string, timeoutMs = 180_000): Promise<void> {
  await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
  await waitFor(
    `namespace ${name} to be deleted`,
    async () => {
      try {
        await client.request({ path: `/api/v1/namespaces/${name}` });
        return false;
      } catch (err) {
        return err instanceof ApiStatusError && err.code === 404;
      }
    },
    timeoutMs,
    300,
  );
}

/**
 * Creates an object; one that already exists counts as created. A request that failed below HTTP (e.g. an
 * HTTP/2 stream the server refused, which it did not process) is tried again, up to 5 times: the benchmark's
 * setup must not fail on the transport it measures. (Reported: our client does not retry REFUSED_STREAM.)
 */
export async function createObject(client: KubeClient, path: string, body: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.request({ method: 'POST', path, body });
      return;
    } catch (err) {
      if (err instanceof ApiStatusError && err.code === 409) return;
      if (err instanceof ApiStatusError || attempt >= 5) throw err;
      await sleep(100 * attempt);
    }
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function inParallel<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** One shape for every benchmark pod: bound to a node up front (no scheduler in the way), one container. */
function benchPod(i: number, node: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `bench-${String(i).padStart(5, '0')}`, labels: { app: 'bench', shard: String(i % 10) } },
    spec: {
      nodeName: node,
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '1m', memory: '1Mi' } } }],
    },
  };
}

interface PodList {
  metadata: { resourceVersion: string };
  items: { metadata: { name: string; resourceVersion: string }; status?: { phase?: string } }[];
}

/**
 * Creates `count` pods in `namespace` and returns once every one is Running and no pod's resourceVersion
 * changed over two lists a second apart: the informers then time the same bytes on every run.
 */
export async function createSettledPods(cluster: BenchCluster, namespace: string, count: number, log: (l: string) => void): Promise<void> {
  const { client, nodeNames } = cluster;
  const t0 = performance.now();
  await inParallel(
    Array.from({ length: count }, (_, i) => i),
    32,
    (i) => createObject(client, `/api/v1/namespaces/${namespace}/pods`, benchPod(i, nodeNames[i % nodeNames.length]!)),
  );
  const list = async () => (await client.request<PodList>({ path: `/api/v1/namespaces/${namespace}/pods`, timeoutMs: 120_000 })).body;
  let previous = '';
  await waitFor(
    `${count} pods in ${namespace} to run and settle`,
    async () => {
      const pods = await list();
      const running = pods.items.filter((p) => p.status?.phase === 'Running').length;
      const versions = pods.items.map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).join(',');
      const settled = running === count && versions === previous;
      previous = running === count ? versions : '';
      return settled;
    },
    600_000,
    1000,
  );
  log(`${count} pods created and settled in ${namespace} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Creates a service account and writes a kubeconfig that authenticates as it (a bound token, 2 h). */
export async function serviceAccountKubeconfig(cluster: BenchCluster, namespace: string, name: string, file: string): Promise<void> {
  const { client, state } = cluster;
  await createObject(client, `/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  const res = await client.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } },
  });
  const ca = readFileSync(join(state.dir, 'ca.crt')).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bench', cluster: { server: state.server, 'certificate-authority-data': ca } }],
    users: [{ name, user: { token: res.body.status.token } }],
    contexts: [{ name: 'bench', context: { cluster: 'bench', user: name, namespace } }],
    'current-context': 'bench',
  };
  writeFileSync(file, toYaml(config), { mode: 0o600 });
}

const FLOWCONTROL = '/apis/flowcontrol.apiserver.k8s.io/v1';

/**
 * A FlowSchema matching only the given service account, sending its requests to the built-in `exempt`
 * priority level (no queuing, so counting does not change what is counted; the API server allows no other
 * exempt level). The API server then counts that account's requests in
 * apiserver_flowcontrol_dispatched_requests_total{flow_schema=name}.
 */
export async function countRequestsOf(client: KubeClient, name: string, sa: { namespace: string; name: string }): Promise<() => Promise<number>> {
  await createObject(client, `${FLOWCONTROL}/flowschemas`, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name },
    spec: {
      priorityLevelConfiguration: { name: 'exempt' },
      matchingPrecedence: 100,
      rules: [
        {
          subjects: [{ kind: 'ServiceAccount', serviceAccount: { namespace: sa.namespace, name: sa.name } }],
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        },
      ],
    },
  });
  const read = async () => {
    const text = (await client.request<string>({ path: '/metrics', timeoutMs: 60_000 })).body;
    let total = 0;
    for (const line of String(text).split('\n')) {
      if (line.startsWith('apiserver_flowcontrol_dispatched_requests_total{') && line.includes(`flow_schema="${name}"`))
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  };
  return read;
}
