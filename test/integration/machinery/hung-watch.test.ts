// client-node users report informers that stop silently when a watch connection hangs (#364, #958, #2432).
// Here a loopback TCP proxy between the informer and the sandbox freezes the established watch connection
// (it stays open but carries nothing): the reflector's idle timeout must close it and resume from the last
// resource version, so a change made meanwhile still arrives.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../../../src/core/client.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import { BUILTIN_RESOURCES } from '../../../src/core/resources.ts';
import { RecordingTracer } from '../../../src/machinery/trace.ts';
import { createTestNamespace, deleteNamespace, sandboxState, testClient, waitUntil } from '../../helpers/cluster.ts';
import { factoryFor, recordingHandler, type Seen } from '../../helpers/informers.ts';
import { FIFO_KINDS } from '../../../src/machinery/cache/shared-informer.ts';

let admin: KubeClient;
let ns: string;
let proxy: Server;
const frozen = new Set<Socket>();
const live = new Set<Socket>();
const freezeNew = false;

before(async () => {
  admin = await testClient();
  const target = new URL(sandboxState().server);
  proxy = createServer((client) => {
    const upstream = connect(Number(target.port), '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const pair = [client, upstream];
    for (const s of pair) {
      live.add(s);
      s.on('error', () => pair.forEach((x) => x.destroy()));
      s.on('close', () => live.delete(s));
    }
    if (freezeNew) freeze(pair);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
});

after(async () => {
  for (const s of live) s.destroy();
  proxy.close();
});

/** Stops data flowing on these sockets without closing them: what a dead NAT entry or a stuck peer looks like. */
function freeze(sockets: Socket[]) {
  for (const s of sockets) {
    s.unpipe();
    s.pause();
    frozen.add(s);
  }
}

// Every test runs on both queues an informer can be built on.
for (const fifo of FIFO_KINDS) {
  describe(`a watch whose connection hangs [${fifo} FIFO]`, () => {
    // A namespace per queue: both runs create the same names.
    before(async () => {
      ns = await createTestNamespace(admin, `hung-${fifo}`);
    });
    after(async () => deleteNamespace(admin, ns));

    it('is closed after the idle timeout and resumed, so later changes still arrive', async () => {
      const port = (proxy.address() as { port: number }).port;
      const config = await loadKubeconfig({ kubeconfig: sandboxState().kubeconfig });
      // Same credentials and CA: the certificate names 127.0.0.1, which the proxy address still is.
      const viaProxy = new KubeClient({ ...config, server: `https://127.0.0.1:${port}` }, { timeoutMs: 5000 });
      const tracer = new RecordingTracer();
      const abort = new AbortController();
      const factory = factoryFor(viaProxy, { fifo, namespace: ns, tracer, reflector: { idleTimeoutMs: 3000 } });
      const informer = factory.informerFor(BUILTIN_RESOURCES.configmaps);
      const seen: Seen[] = [];
      informer.addEventHandler(recordingHandler(seen));
      factory.start(abort.signal);
      try {
        await factory.waitForCacheSync(abort.signal);
        await waitUntil('the watch is established', () => tracer.events.some((e) => e.action === 'watch-start'), 10_000, 50);
        freeze([...live]);
        await admin.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: { metadata: { name: 'after-the-hang' } } });
        await waitUntil('the change made during the hang arrives', () => seen.some((s) => s.key === `${ns}/after-the-hang`), 20_000, 100);
        const arrivedAt = performance.now();
        const idle = tracer.events.find((e) => e.component === 'reflector' && e.action === 'watch-idle-timeout');
        assert.ok(idle, 'the reflector noticed the silent watch');
        const delivered = tracer.events.find((e) => e.action === 'watch-event' && e.key === `${ns}/after-the-hang`);
        assert.ok(delivered && delivered.at > idle.at && delivered.at <= arrivedAt, 'the change came through the resumed watch, not the frozen one');
        assert.equal(seen.filter((s) => s.key === `${ns}/after-the-hang`).length, 1, 'delivered once');
      } finally {
        abort.abort();
        await factory.shutdown();
        for (const s of frozen) s.destroy();
      }
    });
  });
}
