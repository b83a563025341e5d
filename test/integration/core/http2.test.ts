// The client's one HTTP/2 connection under load against a real API server that says GOAWAY: a private sandbox
// (so other files are not disturbed) whose kube-apiserver runs with --goaway-chance=0.02, the most it allows:
// about one request in 50 closes its connection. Every request must still succeed once.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../../../src/core/client.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import { sandboxDown, sandboxUp } from '../../../src/sandbox/sandbox.ts';
import { createTestNamespace } from '../../helpers/cluster.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const COUNT = 500;
const dir = tempDir('kube-lessons-goaway-');
let client: KubeClient;
let ns: string;
/** TCP connections this process opened (the API server is its only peer here). */
let connections = 0;
const countConnection = () => connections++;

before(async () => {
  const state = await sandboxUp({ dir, nodes: 1, extraArgs: { 'kube-apiserver': ['--goaway-chance=0.02'] } });
  // 500 requests at once queue behind the server's 100 streams: on a loaded machine the last may take longer
  // than the default 30 s deadline, which is not what this file tests.
  client = new KubeClient(await loadKubeconfig({ kubeconfig: state.kubeconfig }), { timeoutMs: 120_000 });
  ns = await createTestNamespace(client, 'goaway');
  subscribe('net.client.socket', countConnection);
});
after(async () => {
  unsubscribe('net.client.socket', countConnection);
  await client?.close();
  await sandboxDown(dir);
});

describe('one HTTP/2 connection against an API server that says GOAWAY', () => {
  it(`creates, reads, updates and deletes ${COUNT} objects concurrently, each once, across reconnects`, async () => {
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const names = Array.from({ length: COUNT }, (_, i) => `cm-${i}`);
    // A POST sent twice would fail with 409 AlreadyExists; a DELETE sent twice with 404.
    await Promise.all(
      names.map((name) => client.request({ method: 'POST', path: base, body: { metadata: { name, labels: { test: 'goaway' } }, data: { v: '1' } } })),
    );
    const read = await Promise.all(names.map((name) => client.request<{ data: { v: string } }>({ path: `${base}/${name}` })));
    assert.ok(read.every((r) => r.body.data.v === '1'));
    await Promise.all(
      names.map((name) =>
        client.request({ method: 'PATCH', path: `${base}/${name}`, contentType: 'application/merge-patch+json', body: { data: { v: '2' } } }),
      ),
    );
    const query = { labelSelector: 'test=goaway' };
    const list = await client.request<{ items: { data: { v: string } }[] }>({ path: base, query });
    assert.equal(list.body.items.length, COUNT);
    assert.ok(list.body.items.every((cm) => cm.data.v === '2'));
    await Promise.all(names.map((name) => client.request({ method: 'DELETE', path: `${base}/${name}` })));
    assert.equal((await client.request<{ items: unknown[] }>({ path: base, query })).body.items.length, 0);
    // About 40 of the 2,000 requests were answered with GOAWAY: the client moved to new connections.
    assert.ok(connections > 1, `the API server's GOAWAYs made the client reconnect (${connections} connections)`);
  });
});
