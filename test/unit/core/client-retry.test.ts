// KubeClient's retries over the HTTP/2 transport and over HTTP/1.1, as client-go's rest client decides them: a
// GET whose connection broke before the answer is sent again 1 s later; a POST that may have reached the server
// is not; any request answered 429 or 5xx with a Retry-After is sent again after it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionLostError } from '../../../src/core/transport.ts';
import { ApiStatusError } from '../../../src/machinery/errors.ts';
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

describe('KubeClient retries what the server asks to have retried (429 or 5xx with Retry-After)', () => {
  /** Answers the first `refusals` requests with `status` (and Retry-After when given), then as answer() does. */
  async function refusingServer(refusals: number, status: number, retryAfter?: string) {
    let left = refusals;
    const s = await h2Server((stream, headers) => {
      s.stats.processed.set('seen', (s.stats.processed.get('seen') ?? 0) + 1);
      if (left-- <= 0) return answer(s.stats, stream, headers);
      stream.respond({ ':status': status, 'content-type': 'application/json', ...(retryAfter !== undefined ? { 'retry-after': retryAfter } : {}) });
      stream.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: status, reason: 'TooManyRequests', message: 'slow down' }));
    });
    return s;
  }

  it('sends any request again after the seconds a 429 asks for, a POST too', async () => {
    const { url, stats } = await refusingServer(2, 429, '3');
    const { client, clock } = await clientFor(url);
    const r = await client.request<{ path: string }>({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: {} });
    assert.equal(r.body.path, '/api/v1/namespaces/default/configmaps');
    assert.equal(stats.processed.get('seen'), 3);
    assert.deepEqual(clock.slept, [3000, 3000]);
    assert.equal(client.requestsSent, 3);
    await client.close();
  });

  it('retries a 5xx with Retry-After, a 0 at once, and not a 5xx or 429 without one', async () => {
    const five = await refusingServer(1, 503, '0');
    const a = await clientFor(five.url);
    await a.client.request({ path: '/api/v1/nodes' });
    assert.deepEqual([five.stats.processed.get('seen'), a.clock.slept], [2, [0]]);
    await a.client.close();
    for (const status of [500, 429]) {
      const bare = await refusingServer(1, status);
      const b = await clientFor(bare.url);
      await assert.rejects(b.client.request({ path: '/api/v1/nodes' }), (e) => e instanceof ApiStatusError && e.code === status);
      assert.deepEqual([bare.stats.processed.get('seen'), b.clock.slept], [1, []]);
      await b.client.close();
    }
  });

  it("reports the server's 429 at once when its Retry-After would outlast the request's deadline", async () => {
    const { url, stats } = await refusingServer(Infinity, 429, '5');
    const { client, clock } = await clientFor(url);
    await assert.rejects(client.request({ path: '/api/v1/pods', timeoutMs: 1500 }), (e) => e instanceof ApiStatusError && e.code === 429);
    assert.deepEqual([stats.processed.get('seen'), clock.slept], [1, []]);
    await client.close();
  });

  it('gives up after 10 retries and reports the last answer', async () => {
    const { url, stats } = await refusingServer(Infinity, 429, '1');
    const { client } = await clientFor(url);
    await assert.rejects(client.request({ path: '/api/v1/pods' }), (e) => e instanceof ApiStatusError && e.code === 429);
    assert.equal(stats.processed.get('seen'), 11);
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

  it('sends a request answered 429 with Retry-After again over the same connection, its answer read', async () => {
    let seen = 0;
    const sockets = new Set<unknown>();
    const server = https.createServer(serverTls, (req, res) => {
      sockets.add(req.socket);
      res.setHeader('content-type', 'application/json');
      if (seen++ === 0) {
        res.writeHead(429, { 'retry-after': '1' });
        return res.end(JSON.stringify({ kind: 'Status', code: 429, message: 'slow down' }));
      }
      res.end(JSON.stringify({ path: req.url }));
    });
    const url = await listen(server);
    const { client, clock } = await clientFor(url, undefined, 'HTTP/1.1');
    const r = await client.request<{ path: string }>({ method: 'PUT', path: '/api/v1/namespaces/default/configmaps/x', body: {} });
    assert.deepEqual(r.body, { path: '/api/v1/namespaces/default/configmaps/x' });
    assert.deepEqual([seen, sockets.size, clock.slept], [2, 1, [1000]]);
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
