// KubeClient's retries over the HTTP/2 transport, as client-go's rest client decides them: a GET whose
// connection broke before the answer is sent again 1 s later; a POST that may have reached the server is not.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../../../src/core/client.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import { ConnectionLostError } from '../../../src/core/transport.ts';
import { answer, fixture, h2Server, instantSleeps } from './tls-servers.ts';

async function clientFor(server: URL, clock = instantSleeps()) {
  const file = join(mkdtempSync(join(tmpdir(), 'client-retry-')), 'kubeconfig');
  const ca = Buffer.from(fixture('localhost.crt')).toString('base64');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server.origin}", certificate-authority-data: ${ca} } }]
users: [{ name: u, user: { token: t0k3n } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
  );
  return { client: new KubeClient(await loadKubeconfig({ kubeconfig: file }), { clock }), clock };
}

/** A server that breaks the connection under the first `breaks` requests, after reading them. */
async function breakingServer(breaks: number) {
  let left = breaks;
  const s = await h2Server((stream, headers) => {
    s.stats.processed.set('seen', (s.stats.processed.get('seen') ?? 0) + 1);
    if (left-- > 0) stream.session!.socket.destroy();
    else answer(s.stats, stream, headers);
  });
  return s;
}

describe('KubeClient retries', () => {
  it('sends a GET again, 1 s later, when its connection broke before the answer', async () => {
    const { url, stats } = await breakingServer(2);
    const { client, clock } = await clientFor(url);
    const r = await client.request<{ path: string }>({ path: '/api/v1/namespaces/default/pods' });
    assert.equal(r.body.path, '/api/v1/namespaces/default/pods');
    assert.equal(stats.processed.get('seen'), 3);
    assert.deepEqual(clock.slept, [1000, 1000]);
    await client.close();
  });

  it('gives a GET up after 10 retries', async () => {
    const { url, stats } = await breakingServer(Infinity);
    const { client } = await clientFor(url);
    await assert.rejects(client.request({ path: '/api/v1/pods' }), ConnectionLostError);
    assert.equal(stats.processed.get('seen'), 11);
    await client.close();
  });

  it('does not send a POST again once it may have reached the server', async () => {
    const { url, stats } = await breakingServer(1);
    const { client, clock } = await clientFor(url);
    await assert.rejects(client.request({ method: 'POST', path: '/api/v1/namespaces/default/pods', body: {} }), ConnectionLostError);
    assert.equal(stats.processed.get('seen'), 1);
    assert.deepEqual(clock.slept, []);
    await client.close();
  });
});
