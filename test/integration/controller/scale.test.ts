// 200 Foos at once: every one converges, and the test prints what it cost (one JSON line on stdout).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../src/core/client.ts';
import { waitUntil } from '../../helpers/cluster.ts';
import { converged, createFoo, listDeployments, listFoos, startController, useFooNamespace } from './helpers.ts';

const FOOS = 200;

describe('the sample controller under load', () => {
  let client: KubeClient;
  let ns = '';
  useFooNamespace('ctl-scale', (c, n) => {
    client = c;
    ns = n;
  });

  it(`${FOOS} Foos created at once all converge (owned Deployments, status.availableReplicas = replicas)`, async () => {
    let creates = 0;
    let allCreatedAt = 0;
    const controller = await startController(ns, {
      onLog: (l) => {
        if (l.message === 'creating deployment' && ++creates === FOOS) allCreatedAt = performance.now();
      },
    });
    const peak = { rss: 0, heapUsed: 0 };
    const sample = () => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    };
    sample();
    const before = { ...peak };
    const sampler = setInterval(sample, 100);
    const started = performance.now();
    let seconds: number;
    try {
      // Created together, a few dozen requests in flight at a time, as a burst of kubectl applies would be.
      const specs = Array.from({ length: FOOS }, (_, i) => ({
        name: `foo-${String(i).padStart(3, '0')}`,
        spec: { deploymentName: `dep-${i}`, replicas: 1 + (i % 2) },
      }));
      for (let i = 0; i < specs.length; i += 50) await Promise.all(specs.slice(i, i + 50).map((s) => createFoo(client, ns, s.name, s.spec)));
      await waitUntil(
        `all ${FOOS} Foos to converge`,
        async () => {
          const [foos, deployments] = await Promise.all([listFoos(client, ns), listDeployments(client, ns)]);
          const byName = new Map(deployments.map((d) => [d.metadata.name, d] as const));
          return foos.length === FOOS && foos.every((f) => converged(f, byName));
        },
        300_000,
        500,
      );
      seconds = (performance.now() - started) / 1000;
    } finally {
      clearInterval(sampler);
    }
    sample();
    // With --expose-gc, also what stays after a collection: the caches and queues, not the garbage.
    const gc = (globalThis as { gc?: () => void }).gc;
    let retainedHeap: number | null = null;
    if (gc) {
      gc();
      retainedHeap = process.memoryUsage().heapUsed;
    }
    const stats = await controller.stop();
    const deployments = await listDeployments(client, ns);
    assert.equal(deployments.length, FOOS);

    const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
    const events = controller.running.recorder.stats();
    const report = {
      metric: 'sample-controller-200-foos',
      foos: FOOS,
      replicas: FOOS * 1.5,
      seconds: Math.round(seconds * 10) / 10,
      allDeploymentsCreatedAfterSeconds: allCreatedAt ? Math.round(((allCreatedAt - started) / 1000) * 10) / 10 : null,
      apiRequests: {
        total: stats.wire,
        writes: stats.requests,
        events: { created: events.created, patched: events.patched, failed: events.failed },
        listsAndWatches: stats.wire - stats.totalRequests,
      },
      syncs: stats.syncs,
      syncErrors: stats.syncErrors,
      peakMemoryMB: {
        rss: mb(peak.rss),
        heapUsed: mb(peak.heapUsed),
        rssAtStart: mb(before.rss),
        heapUsedAtStart: mb(before.heapUsed),
        heapUsedAfterGc: retainedHeap === null ? null : mb(retainedHeap),
      },
    };
    console.log(JSON.stringify(report));
    assert.ok(stats.syncErrors < stats.syncs);
  });
});
