// The shared informer against the real sandbox: every change delivered once and in order per object, the
// right old object on update, a slow handler that delays nobody, and a cache equal to a fresh list.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../src/core/client.ts';
import { BUILTIN_RESOURCES } from '../../../src/core/resources.ts';
import type { KubeObject } from '../../../src/machinery/cache/list-watch.ts';
import { createTestNamespace, deleteNamespace, testClient, waitUntil } from '../../helpers/cluster.ts';
import { cacheState, factoryFor, inParallel, recordingHandler, type Seen } from '../../helpers/informers.ts';
import { FIFO_KINDS } from '../../../src/machinery/cache/shared-informer.ts';

const PODS = 500;
let client: KubeClient;
let ns: string;

before(async () => {
  client = await testClient();
});

function pod(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'informer-test' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 0 },
  };
}

async function listState(path: string): Promise<Map<string, string>> {
  const res = await client.request<{ items: KubeObject[] }>({ path });
  return cacheState(res.body.items.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata?.namespace ?? ns } })));
}

// Every test runs on both queues an informer can be built on.
for (const fifo of FIFO_KINDS) {
  describe(`shared informer on a real API server [${fifo} FIFO]`, () => {
    // A namespace per queue: both runs create the same names.
    before(async () => {
      ns = await createTestNamespace(client, `informer-${fifo}`);
    });
    after(async () => deleteNamespace(client, ns));

    it(`delivers every add, update and delete of ${PODS} pods once, in order per pod, with the right old object`, async () => {
      const abort = new AbortController();
      const factory = factoryFor(client, { fifo, namespace: ns });
      const informer = factory.informerFor(BUILTIN_RESOURCES.pods);
      const seen: Seen[] = [];
      informer.addEventHandler(recordingHandler(seen));
      factory.start(abort.signal);
      try {
        assert.deepEqual([...(await factory.waitForCacheSync(abort.signal)).values()], [true]);
        const names = Array.from({ length: PODS }, (_, i) => `p-${String(i).padStart(3, '0')}`);
        const base = `/api/v1/namespaces/${ns}/pods`;
        await inParallel(names, 16, (n) => client.request({ method: 'POST', path: base, body: pod(n) }));
        await inParallel(names, 16, (n) =>
          client.request({
            method: 'PATCH',
            path: `${base}/${n}`,
            contentType: 'application/merge-patch+json',
            body: { metadata: { labels: { step: 'updated' } } },
          }),
        );
        const deleted = names.filter((_, i) => i % 2 === 0);
        await inParallel(deleted, 16, (n) => client.request({ method: 'DELETE', path: `${base}/${n}`, body: { gracePeriodSeconds: 0 } }));

        // The cache converges to exactly what a fresh list returns.
        const indexer = informer.getIndexer();
        await waitUntil(
          'informer cache equal to a fresh list',
          async () => {
            const fresh = await listState(base);
            const cached = cacheState(indexer.list());
            return fresh.size === PODS / 2 && JSON.stringify([...fresh].sort()) === JSON.stringify([...cached].sort());
          },
          60_000,
          500,
        );

        const byKey = new Map<string, Seen[]>();
        for (const s of seen) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
        assert.equal(byKey.size, PODS, 'every pod was seen');
        for (const [key, events] of byKey) {
          assert.equal(events[0]!.type, 'add', `${key} starts with an add`);
          assert.equal(events.filter((e) => e.type === 'add').length, 1, `${key} is added once`);
          for (let i = 1; i < events.length; i++) {
            const e = events[i]!;
            if (e.type === 'update') assert.equal(e.oldRv, events[i - 1]!.rv, `${key}: update ${i} gets the previous object as old`);
            assert.ok(Number(e.rv) >= Number(events[i - 1]!.rv), `${key}: resource versions never go back`);
          }
          assert.ok(
            events.some((e) => e.type === 'update' && e.labels?.step === 'updated'),
            `${key}: our update was delivered`,
          );
          const deletes = events.filter((e) => e.type === 'delete');
          const shouldBeDeleted = deleted.includes(key.split('/')[1]!);
          assert.equal(deletes.length, shouldBeDeleted ? 1 : 0, `${key}: deleted ${shouldBeDeleted ? 'once' : 'never'}`);
          if (shouldBeDeleted) assert.equal(events.at(-1)!.type, 'delete', `${key}: nothing after the delete`);
          assert.ok(!deletes.some((d) => d.tombstone), `${key}: no tombstones when the watch never broke`);
        }
      } finally {
        abort.abort();
        await factory.shutdown();
      }
    });

    it('lets a fast handler receive everything while a slow one is still working', async () => {
      const abort = new AbortController();
      const factory = factoryFor(client, { fifo, namespace: ns });
      const informer = factory.informerFor(BUILTIN_RESOURCES.configmaps);
      const fast: string[] = [];
      const slow: string[] = [];
      // The slow handler is held on its first event until the test lets it go: however the events are spread
      // in time, the fast one has to get all of them while the slow one is still busy.
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      informer.addEventHandler({ onAdd: (o) => void fast.push(o.metadata!.name!) });
      informer.addEventHandler({
        onAdd: async (o) => {
          await held;
          slow.push(o.metadata!.name!);
        },
      });
      factory.start(abort.signal);
      try {
        await factory.waitForCacheSync(abort.signal);
        const names = Array.from({ length: 20 }, (_, i) => `slow-fast-${i}`);
        // All at once, so the events arrive in a burst however slow each request is.
        await inParallel(names, names.length, (name) =>
          client.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: { metadata: { name } } }),
        );
        await waitUntil('the fast handler saw all 20', () => names.every((n) => fast.includes(n)), 10_000, 20);
        assert.equal(slow.length, 0, 'the slow handler is still on its first event');
        release();
        await waitUntil('the slow handler saw all 20 too', () => names.every((n) => slow.includes(n)), 20_000, 100);
        assert.deepEqual(
          slow.filter((n) => n.startsWith('slow-fast-')),
          fast.filter((n) => n.startsWith('slow-fast-')),
          'the slow handler got them in the same order as the fast one',
        );
      } finally {
        release();
        abort.abort();
        await factory.shutdown();
      }
    });
  });
}
