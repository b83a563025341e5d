// The reflector when the API server goes away: a private sandbox (so other test files are not disturbed)
// whose kube-apiserver is killed and restarted mid-watch, and whose etcd is changed and compacted behind
// the API server's back to force a 410 Gone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../../../src/core/client.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import { BUILTIN_RESOURCES } from '../../../src/core/resources.ts';
import type { KubeObject } from '../../../src/machinery/cache/list-watch.ts';
import { RecordingTracer } from '../../../src/machinery/trace.ts';
import { restartComponent, sandboxDown, sandboxUp } from '../../../src/sandbox/sandbox.ts';
import type { SandboxState } from '../../../src/sandbox/state.ts';
import { createTestNamespace, waitUntil } from '../../helpers/cluster.ts';
import { cacheState, factoryFor, recordingHandler, type Seen } from '../../helpers/informers.ts';

let state: SandboxState;
let client: KubeClient;
let ns: string;
const dir = mkdtempSync(join(tmpdir(), 'kube-lessons-disruption-'));

before(async () => {
  state = await sandboxUp({ dir, nodes: 1 });
  client = new KubeClient(await loadKubeconfig({ kubeconfig: state.kubeconfig }));
  ns = await createTestNamespace(client, 'disrupt');
});
after(async () => sandboxDown(dir));

const cmPath = () => `/api/v1/namespaces/${ns}/configmaps`;

async function freshState(): Promise<Map<string, string>> {
  const res = await client.request<{ items: KubeObject[] }>({ path: cmPath() });
  return cacheState(res.body.items);
}

function sameState(a: Map<string, string>, b: Map<string, string>): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/** etcd's JSON gateway: the API server's storage, reached directly. */
async function etcd(path: string, body: unknown): Promise<{ header?: { revision?: string } }> {
  const res = await fetch(`${state.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  assert.ok(res.ok, `etcd ${path}: ${res.status}`);
  return (await res.json()) as { header?: { revision?: string } };
}

describe('reflector under disruption', () => {
  it('resumes by itself after the API server is killed and restarted mid-watch, with no lost or phantom objects', async () => {
    const abort = new AbortController();
    const factory = factoryFor(client, { namespace: ns });
    const informer = factory.informerFor(BUILTIN_RESOURCES.configmaps);
    const seen: Seen[] = [];
    informer.addEventHandler(recordingHandler(seen));
    factory.start(abort.signal);
    let writing = true;
    let writes = 0;
    // A writer that keeps creating, updating and deleting while the server goes down and comes back.
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const name = `cm-${i % 40}`;
        try {
          const op = Math.floor(i / 40) % 3;
          if (op === 0) await client.request({ method: 'POST', path: cmPath(), body: { metadata: { name }, data: { i: String(i) } }, timeoutMs: 2000 });
          else if (op === 1)
            await client.request({
              method: 'PATCH',
              path: `${cmPath()}/${name}`,
              contentType: 'application/merge-patch+json',
              body: { data: { i: String(i) } },
              timeoutMs: 2000,
            });
          else await client.request({ method: 'DELETE', path: `${cmPath()}/${name}`, timeoutMs: 2000 });
          writes++;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    try {
      await factory.waitForCacheSync(abort.signal);
      await waitUntil('some writes before the restart', () => writes > 30, 20_000, 50);
      await restartComponent(dir, 'kube-apiserver', { downMs: 1500 });
      const after = writes;
      await waitUntil('writes after the restart', () => writes > after + 60, 30_000, 100);
      writing = false;
      await writer;
      await waitUntil('the cache equals a fresh list', async () => sameState(await freshState(), cacheState(informer.getIndexer().list())), 30_000, 300);
      // Per object, the notifications tell a consistent story: never two adds in a row, never an update
      // or delete of something not added.
      const present = new Map<string, boolean>();
      for (const s of seen) {
        const was = present.get(s.key) ?? false;
        if (s.type === 'add') assert.ok(!was, `${s.key}: added while present`);
        else assert.ok(was, `${s.key}: ${s.type} of something not present`);
        present.set(s.key, s.type !== 'delete');
      }
      const finalKeys = [...present]
        .filter(([, p]) => p)
        .map(([k]) => k)
        .sort();
      assert.deepEqual(finalKeys, [...(await freshState()).keys()].sort(), 'handlers end with exactly the listed objects');
    } finally {
      writing = false;
      abort.abort();
      await factory.shutdown();
    }
  });

  it('relists after a 410 Gone and delivers a deletion it missed as a tombstone', async () => {
    const abort = new AbortController();
    const tracer = new RecordingTracer();
    const factory = factoryFor(client, { namespace: ns, tracer });
    const informer = factory.informerFor(BUILTIN_RESOURCES.secrets);
    const seen: Seen[] = [];
    informer.addEventHandler(recordingHandler(seen));
    const secrets = `/api/v1/namespaces/${ns}/secrets`;
    for (const name of ['keep', 'vanish']) await client.request({ method: 'POST', path: secrets, body: { metadata: { name }, stringData: { k: 'v' } } });
    factory.start(abort.signal);
    try {
      await factory.waitForCacheSync(abort.signal);
      await waitUntil('both secrets cached', () => informer.getIndexer().listKeys().length === 2);
      await restartComponent(dir, 'kube-apiserver', {
        beforeStart: async () => {
          // While the API server is down: delete one object in storage and compact history past it, so
          // the watch cannot resume from the version the reflector holds.
          const key = Buffer.from(`/registry/secrets/${ns}/vanish`).toString('base64');
          const del = await etcd('/v3/kv/deleterange', { key });
          await etcd('/v3/kv/compaction', { revision: del.header!.revision, physical: true });
        },
      });
      await waitUntil('the deletion reaches the handler', () => seen.some((s) => s.type === 'delete'), 30_000, 100);
      const del = seen.find((s) => s.type === 'delete')!;
      assert.equal(del.key, `${ns}/vanish`);
      assert.equal(del.tombstone, true, 'a deletion seen only through a relist arrives as a DeletedFinalStateUnknown');
      assert.ok(
        tracer.events.some((e) => e.component === 'reflector' && e.action === 'expired-relist'),
        'the reflector reported the 410 and relisted',
      );
      assert.deepEqual(informer.getIndexer().listKeys(), [`${ns}/keep`]);
      assert.ok(
        sameState(
          await (async () => cacheState((await client.request<{ items: KubeObject[] }>({ path: secrets })).body.items))(),
          cacheState(informer.getIndexer().list()),
        ),
      );
    } finally {
      abort.abort();
      await factory.shutdown();
    }
  });
});
