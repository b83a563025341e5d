// KubeClient's retries over the HTTP/2 transport and over HTTP/1.1, as client-go's rest client decides them: a
// GET whose connection broke before the answer is sent again 1 s later; a POST that may have reached the server
// is not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionLostError } from '../../../src/core/transport.ts';
import https from 'node:https';
import { answer, clientFor, h2Server, listen, serverTls } from './tls-servers.ts';

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
    assert.equal(client.requestsSent, 3, 'each try is counted');
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
    assert.equal(client.requestsSent, 1);
    await client.close();
  });
});

describe('KubeClient retries over HTTP/1.1 (a client sending one request at a time)', () => {
  /** An HTTP/1.1 server that breaks the connection under the first `breaks` requests, after reading them. */
  async function breakingH1Server(breaks: number) {
    let left = breaks;
    let seen = 0;
    const server = https.createServer(serverTls, (req, res) => {
      seen++;
      if (left-- > 0) return req.socket.destroy();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, version: req.httpVersion }));
    });
    return { url: await listen(server), seen: () => seen };
  }

  it('sends a GET again, 1 s later, when its connection broke before the answer', async () => {
    const { url, seen } = await breakingH1Server(2);
    const { client, clock } = await clientFor(url, undefined, 'HTTP/1.1');
    const r = await client.request<{ path: string; version: string }>({ path: '/api/v1/nodes' });
    assert.deepEqual(r.body, { path: '/api/v1/nodes', version: '1.1' });
    assert.equal(seen(), 3);
    assert.deepEqual(clock.slept, [1000, 1000]);
    await client.close();
  });

  it('does not send a POST again once it may have reached the server', async () => {
    const { url, seen } = await breakingH1Server(1);
    const { client, clock } = await clientFor(url, undefined, 'HTTP/1.1');
    await assert.rejects(client.request({ method: 'POST', path: '/api/v1/namespaces/default/pods', body: {} }), ConnectionLostError);
    assert.equal(seen(), 1);
    assert.deepEqual(clock.slept, []);
    await client.close();
  });
});
