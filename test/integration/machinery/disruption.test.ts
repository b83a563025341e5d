// The reflector when the API server goes away: a private sandbox (so other test files are not disturbed)
// whose kube-apiserver is killed and restarted mid-watch, and whose etcd is changed and compacted behind
// the API server's back to force a 410 Gone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../../../src/core/client.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import { BUILTIN_RESOURCES } from '../../../src/core/resources.ts';
import type { KubeObject } from '../../../src/machinery/cache/list-watch.ts';
import { RecordingTracer } from '../../../src/machinery/trace.ts';
import { listerWatcherFor } from '../../../src/core/list-watch-client.ts';
import { INITIAL_EVENTS_END_ANNOTATION, type WatchEvent, type WatchStream } from '../../../src/machinery/cache/list-watch.ts';
import { restartComponent, sandboxDown, sandboxUp } from '../../../src/sandbox/sandbox.ts';
import type { SandboxState } from '../../../src/sandbox/state.ts';
import { createTestNamespace, etcdPost, waitUntil } from '../../helpers/cluster.ts';
import { SharedInformerFactory } from '../../../src/machinery/cache/informer-factory.ts';
import { cacheState, factoryFor, recordingHandler, type Seen } from '../../helpers/informers.ts';
import { FIFO_KINDS } from '../../../src/machinery/cache/shared-informer.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

let state: SandboxState;
let client: KubeClient;
let ns: string;
const dir = tempDir('kube-lessons-disruption-');

before(async () => {
  state = await sandboxUp({ dir, nodes: 1 });
  client = new KubeClient(await loadKubeconfig({ kubeconfig: state.kubeconfig }));
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
  const res = await etcdPost(state, path, body);
  assert.equal(res.status, 200, `etcd ${path}: ${res.status}`);
  return res.body;
}

// Every test runs on both queues an informer can be built on.
for (const fifo of FIFO_KINDS) {
  describe(`reflector under disruption [${fifo} FIFO]`, () => {
    // A namespace per queue: both runs create the same names.
    before(async () => {
      ns = await createTestNamespace(client, `disrupt-${fifo}`);
    });

    it('resumes by itself after the API server is killed and restarted mid-watch, with no lost or phantom objects', async () => {
      const abort = new AbortController();
      const factory = factoryFor(client, { fifo, namespace: ns });
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
            // The server is down: pace the retries (a writer's back-off, not a wait for anything).
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })();
      try {
        await factory.waitForCacheSync(abort.signal);
        await waitUntil('some writes before the restart', () => writes > 30, 20_000, 50);
        // Down for 1.5 s: the disruption under test (the writer's requests and the watch fail meanwhile).
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
      const factory = factoryFor(client, { fifo, namespace: ns, tracer });
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
        const reflector = tracer.events.filter((e) => e.component === 'reflector');
        const expired = reflector.findIndex((e) => e.action === 'expired-relist' && e.data?.phase === 'watch');
        assert.ok(expired >= 0, 'the reflector reported the 410 and relisted');
        // client-go v0.36: the relist asks for the last version seen (NotOlderThan, served by the watch cache), not "".
        const relist = reflector.slice(expired).find((e) => e.action === 'watch-list-start' || e.action === 'list-start');
        assert.equal(relist?.action, 'watch-list-start');
        assert.equal(relist.data?.resourceVersion, reflector[expired]!.data?.resourceVersion);
        assert.notEqual(relist.data?.resourceVersion, '');
        assert.ok(!reflector.some((e) => e.action === 'expired-relist' && e.data?.phase !== 'watch'), 'no sync answered 410: "" was never needed');
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

    it('an API server restart during the initial stream: the watch-list starts again and the cache ends exact, with no list', async () => {
      const COUNT = 100;
      const cms = `/api/v1/namespaces/${ns}/configmaps`;
      // 4 MB in all: more than the transport reads ahead of its consumer (1 MB), so the held stream is still
      // open, the rest of the initial state unsent, when the server restarts.
      await Promise.all(
        Array.from({ length: COUNT }, (_, i) =>
          client.request({ method: 'POST', path: cms, body: { metadata: { name: `big-${i}`, labels: { wl: 'restart' } }, data: { v: 'x'.repeat(40_000) } } }),
        ),
      );
      // A slow consumer: after the first few initial events the stream is held until the server has restarted.
      let hold: Promise<void> | undefined;
      let release!: () => void;
      let heldOnce = false;
      const tracer = new RecordingTracer();
      const factory = new SharedInformerFactory(
        (resource, context) => {
          const lw = listerWatcherFor(client, resource, context);
          return {
            list: (o) => lw.list(o),
            watch: async (o) => {
              const stream = await lw.watch(o);
              if (!o.sendInitialEvents || heldOnce) return stream;
              heldOnce = true;
              hold = new Promise<void>((r) => (release = r));
              const held = hold;
              async function* events(): AsyncGenerator<WatchEvent<KubeObject>> {
                let n = 0;
                for await (const e of stream) {
                  if (++n === 5) await held;
                  yield e;
                }
              }
              const it = events();
              const wrapped: WatchStream<KubeObject> = { [Symbol.asyncIterator]: () => it, close: () => stream.close() };
              return wrapped;
            },
          };
        },
        { fifo, namespace: ns, tracer, tweakListOptions: (o) => void (o.labelSelector = 'wl=restart') },
      );
      const informer = factory.informerFor(BUILTIN_RESOURCES.configmaps);
      const abort = new AbortController();
      factory.start(abort.signal);
      try {
        await waitUntil('the initial stream is held mid-way', () => hold !== undefined, 20_000, 50);
        assert.equal(informer.hasSynced(), false);
        await restartComponent(dir, 'kube-apiserver', { downMs: 500 });
        release();
        assert.deepEqual([...(await factory.waitForCacheSync(AbortSignal.timeout(60_000)))], [['v1/configmaps', true]]);
        const reflector = tracer.events.filter((e) => e.component === 'reflector').map((e) => e.action);
        assert.ok(reflector.filter((a) => a === 'watch-list-start').length >= 2, 'the watch-list was started again');
        assert.equal(reflector.filter((a) => a === 'watch-list-synced').length, 1, 'the store was replaced once, after the complete state');
        assert.ok(!reflector.includes('list-start'), 'no list request: watch-list served the sync');
        const fresh = await client.request<{ items: KubeObject[] }>({ path: cms, query: { labelSelector: 'wl=restart' } });
        assert.ok(sameState(cacheState(fresh.body.items), cacheState(informer.getIndexer().list())));
        assert.equal(informer.getIndexer().list().length, COUNT);
      } finally {
        release?.();
        abort.abort();
        await factory.shutdown();
      }
    });

    it('a server without watch-list falls back to list + watch; after the watch fails it relists at the last version, and asks for "" only when that list answers 410', async () => {
      // WatchList off: the server answers 422 to sendInitialEvents. The watch cache off for secrets: lists at a
      // version with a limit are read from etcd at exactly that revision, so a compacted one answers 410.
      const degraded = ['--feature-gates=WatchList=false', '--watch-cache-sizes=secrets#0'];
      await restartComponent(dir, 'kube-apiserver', { extraArgs: degraded });
      const secrets = `/api/v1/namespaces/${ns}/secrets`;
      for (const name of ['p-keep', 'p-also', 'p-vanish'])
        await client.request({ method: 'POST', path: secrets, body: { metadata: { name, labels: { wl: 'paged' } }, stringData: { k: 'v' } } });
      const tracer = new RecordingTracer();
      // Page size 1: a page size that is set pages every list (client-go's WatchListPageSize), the relists too.
      const factory = factoryFor(client, {
        fifo,
        namespace: ns,
        tracer,
        reflector: { pageSize: 1 },
        tweakListOptions: (o) => void (o.labelSelector = 'wl=paged'),
      });
      const informer = factory.informerFor(BUILTIN_RESOURCES.secrets);
      const seen: Seen[] = [];
      informer.addEventHandler(recordingHandler(seen));
      const abort = new AbortController();
      factory.start(abort.signal);
      try {
        await factory.waitForCacheSync(abort.signal);
        const events = () => tracer.events.filter((e) => e.component === 'reflector');
        assert.equal(events().find((e) => e.action === 'watch-list-fallback')?.data?.code, 422);
        assert.equal(informer.getIndexer().list().length, 3);
        await restartComponent(dir, 'kube-apiserver', {
          extraArgs: degraded,
          beforeStart: async () => {
            const key = Buffer.from(`/registry/secrets/${ns}/p-vanish`).toString('base64');
            const del = await etcd('/v3/kv/deleterange', { key });
            await etcd('/v3/kv/compaction', { revision: del.header!.revision, physical: true });
          },
        });
        await waitUntil('the deletion reaches the handler', () => seen.some((s) => s.type === 'delete'), 60_000, 100);
        assert.equal(seen.find((s) => s.type === 'delete')?.key, `${ns}/p-vanish`);
        const lists = events()
          .filter((e) => e.action === 'list-start')
          .map((e) => e.data?.resourceVersion as string);
        // The watch ends with 410, or earlier with the restarting server's refusal: either way the relist
        // asks for the last version seen first, and "" only because that list answered 410.
        const expiredLists = events()
          .filter((e) => e.action === 'expired-relist' && e.data?.phase === 'list')
          .map((e) => e.data?.resourceVersion);
        assert.equal(lists[0], '0');
        assert.notEqual(lists[1], '', 'the relist first asks for the last version seen');
        assert.equal(lists[2], '', 'that list answered 410: then a consistent read');
        assert.equal(expiredLists[0], lists[1], 'the list at the last version is the one that answered 410');
        assert.deepEqual(informer.getIndexer().listKeys().sort(), [`${ns}/p-also`, `${ns}/p-keep`]);
      } finally {
        abort.abort();
        await factory.shutdown();
        await restartComponent(dir, 'kube-apiserver');
      }
    });
  });
}

// The server side of the watch-list, on its own: no informer, so no queue.
describe('watch-list stream', () => {
  before(async () => {
    ns = await createTestNamespace(client, 'disrupt-stream');
  });

  it('streams the initial state as ADDED events, ended by the BOOKMARK annotated k8s.io/initial-events-end', async () => {
    const cms = `/api/v1/namespaces/${ns}/configmaps`;
    await Promise.all(
      ['wl-a', 'wl-b', 'wl-c'].map((name) => client.request({ method: 'POST', path: cms, body: { metadata: { name, labels: { wl: 'stream' } } } })),
    );
    const lw = listerWatcherFor<KubeObject>(client, BUILTIN_RESOURCES.configmaps, { namespace: ns });
    const ctrl = new AbortController();
    const stream = await lw.watch({
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
      labelSelector: 'wl=stream',
      signal: ctrl.signal,
    });
    const seen: WatchEvent<KubeObject>[] = [];
    try {
      for await (const event of stream) {
        seen.push(event);
        if (event.type === 'BOOKMARK' && (event.object.metadata?.annotations as Record<string, string> | undefined)?.[INITIAL_EVENTS_END_ANNOTATION] === 'true')
          break;
      }
    } finally {
      stream.close();
      ctrl.abort();
    }
    const end = seen.at(-1)!;
    assert.equal(end.type, 'BOOKMARK');
    assert.deepEqual(
      seen
        .slice(0, -1)
        .map((e) => `${e.type} ${e.object.metadata?.name}`)
        .sort(),
      ['ADDED wl-a', 'ADDED wl-b', 'ADDED wl-c'],
    );
    const listed = await client.request<{ metadata: { resourceVersion: string } }>({ path: cms, query: { labelSelector: 'wl=stream' } });
    assert.ok(BigInt(end.object.metadata!.resourceVersion!) <= BigInt(listed.body.metadata.resourceVersion), 'the bookmark names the version the state is at');
  });
});
