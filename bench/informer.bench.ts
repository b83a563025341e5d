// Informer initial sync time and heap per cached object, ours side by side with @kubernetes/client-node's
// makeInformer, in one run against the same pods of a sandbox. Each measurement runs in a fresh process
// (node --expose-gc) so heaps do not mix. Prints one JSON line per measurement, then the ratios.
//
//   node bench/informer.bench.ts [--counts 1000,5000] [--runs 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../src/core/client.ts';
import { loadKubeconfig } from '../src/core/kubeconfig.ts';
import { listerWatcherFor } from '../src/core/list-watch-client.ts';
import { BUILTIN_RESOURCES } from '../src/core/resources.ts';
import { SharedInformerFactory } from '../src/machinery/cache/informer-factory.ts';
import { sandboxDown, sandboxUp } from '../src/sandbox/sandbox.ts';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};

if (args[0] === '--child') await child(args[1]!, flag('kubeconfig', ''), flag('namespace', ''), Number(flag('count', '0')));
else await parent();

async function child(impl: string, kubeconfig: string, namespace: string, count: number) {
  const gc = (globalThis as { gc?: () => void }).gc!;
  let started: number;
  let objects: number;
  // Load each library before measuring so module code does not count as cache.
  const clientNode = await import('@kubernetes/client-node');
  const config = await loadKubeconfig({ kubeconfig });
  gc();
  const before = process.memoryUsage().heapUsed;
  const abort = new AbortController();
  if (impl === 'ours') {
    const client = new KubeClient(config);
    const factory = new SharedInformerFactory((r, ctx) => listerWatcherFor(client, r, ctx), { namespace });
    const informer = factory.informerFor(BUILTIN_RESOURCES.pods);
    started = performance.now();
    factory.start(abort.signal);
    await factory.waitForCacheSync(abort.signal);
    objects = informer.getIndexer().listKeys().length;
  } else {
    const kc = await config.clientNodeConfig();
    const api = kc.makeApiClient(clientNode.CoreV1Api);
    const informer = clientNode.makeInformer(kc, `/api/v1/namespaces/${namespace}/pods`, () => api.listNamespacedPod({ namespace }));
    started = performance.now();
    await informer.start();
    objects = informer.list(namespace).length;
    void informer.stop();
  }
  const syncMs = performance.now() - started;
  gc();
  const heapBytes = process.memoryUsage().heapUsed - before;
  if (objects !== count) throw new Error(`${impl} cached ${objects} of ${count} pods`);
  console.log(JSON.stringify({ syncMs, heapBytesPerObject: heapBytes / objects }));
  abort.abort();
  process.exit(0);
}

async function parent() {
  const counts = flag('counts', '1000,5000').split(',').map(Number);
  const runs = Number(flag('runs', '3'));
  const dir = mkdtempSync(join(tmpdir(), 'kube-lessons-bench-'));
  const state = await sandboxUp({ dir, nodes: 3 });
  const client = new KubeClient(await loadKubeconfig({ kubeconfig: state.kubeconfig }));
  const self = fileURLToPath(import.meta.url);
  try {
    for (const count of counts) {
      const namespace = `bench-${count}`;
      await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: namespace } } });
      await waitForServiceAccount(client, namespace);
      await createPods(client, namespace, count);
      const results: Record<string, { syncMs: number; heapBytesPerObject: number }[]> = { ours: [], 'client-node': [] };
      for (let r = 0; r < runs; r++) {
        for (const impl of ['ours', 'client-node'] as const) {
          const out = spawnSync(
            process.execPath,
            ['--expose-gc', self, '--child', impl, '--kubeconfig', state.kubeconfig, '--namespace', namespace, '--count', String(count)],
            { encoding: 'utf8' },
          );
          if (out.status !== 0) throw new Error(`${impl} child failed: ${out.stderr}`);
          results[impl]!.push(JSON.parse(out.stdout.trim().split('\n').pop()!) as { syncMs: number; heapBytesPerObject: number });
        }
      }
      const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const summary: Record<string, { syncMs: number; heapBytesPerObject: number }> = {};
      for (const impl of ['ours', 'client-node']) {
        summary[impl] = { syncMs: med(results[impl]!.map((x) => x.syncMs)), heapBytesPerObject: med(results[impl]!.map((x) => x.heapBytesPerObject)) };
        console.log(
          JSON.stringify({
            bench: 'informer-initial-sync',
            impl,
            pods: count,
            runs,
            medianSyncMs: Math.round(summary[impl].syncMs),
            medianHeapBytesPerObject: Math.round(summary[impl].heapBytesPerObject),
          }),
        );
      }
      console.log(
        JSON.stringify({
          bench: 'informer-ratio',
          pods: count,
          syncTimeOursOverPeer: +(summary.ours!.syncMs / summary['client-node']!.syncMs).toFixed(2),
          heapOursOverPeer: +(summary.ours!.heapBytesPerObject / summary['client-node']!.heapBytesPerObject).toFixed(2),
        }),
      );
    }
  } finally {
    await sandboxDown(dir);
  }
}

async function waitForServiceAccount(client: KubeClient, ns: string) {
  for (let i = 0; i < 100; i++) {
    if (
      await client.request({ path: `/api/v1/namespaces/${ns}/serviceaccounts/default` }).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function createPods(client: KubeClient, ns: string, count: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (next < count) {
        const i = next++;
        await client.request({
          method: 'POST',
          path: `/api/v1/namespaces/${ns}/pods`,
          body: {
            metadata: { name: `bench-${i}`, labels: { app: 'bench', shard: String(i % 10) } },
            spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1m', memory: '1Mi' } } }] },
          },
        });
      }
    }),
  );
}
