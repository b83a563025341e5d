// Which protocol a client's requests go over: HTTP/1.1 while it sends one at a time, HTTP/2 for good from its
// first watch, overlapping request or preferHttp2. The rule on fake transports (every sequence, fast-check),
// then KubeClient against a loopback server that speaks both, as kube-apiserver does.
import http2 from 'node:http2';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { http1Transport, type Http1Transport } from '../../../src/core/http1-transport.ts';
import { switchingTransport, type Protocol } from '../../../src/core/switching-transport.ts';
import { ConnectionLostError, http2Transport, type Transport, type TransportRequest, type TransportResponse } from '../../../src/core/transport.ts';
import { clientFor, listen, serverTls, tls, viaUndici } from './tls-servers.ts';

/** Fake transports: each request stays under way until the test ends it; they record what went where. */
function fakes() {
  const sent: { protocol: Protocol; ended: boolean; end: () => void }[] = [];
  const closed: Protocol[] = [];
  const fake = (protocol: Protocol) => {
    let active = 0;
    return {
      get active() {
        return active;
      },
      async send(_req: TransportRequest): Promise<TransportResponse> {
        active++;
        // The answer's headers come at once; the exchange (its body) lasts until end().
        const entry = {
          protocol,
          ended: false,
          end() {
            if (entry.ended) return;
            entry.ended = true;
            active--;
          },
        };
        sent.push(entry);
        return { status: 200, statusText: 'OK', headers: { get: () => null }, body: (async function* () {})(), text: async () => '' };
      },
      async close() {
        closed.push(protocol);
      },
    } satisfies Http1Transport;
  };
  const made: Protocol[] = [];
  const prepared: Protocol[] = [];
  const transport = switchingTransport(
    () => (made.push('HTTP/1.1'), fake('HTTP/1.1')),
    (): Transport => (made.push('HTTP/2'), { ...fake('HTTP/2'), prepare: () => void prepared.push('HTTP/2') }),
  );
  return { transport, sent, closed, made, prepared };
}

const req = (stream = false): TransportRequest => ({ method: 'GET', url: new URL('https://h/x'), headers: {}, signal: new AbortController().signal, stream });

type Step = { kind: 'request' } | { kind: 'watch' } | { kind: 'prefer' } | { kind: 'prepare' } | { kind: 'end'; which: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'request' as const }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'watch' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'prefer' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'prepare' as const }), weight: 1 },
  { arbitrary: fc.nat(20).map((which) => ({ kind: 'end' as const, which })), weight: 4 },
);

describe('switchingTransport', () => {
  it('sends each request over HTTP/1.1 exactly while none is under way and nothing asked for HTTP/2; HTTP/2 for good after', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const { transport, sent, closed, made, prepared } = fakes();
        // The model: under way = sent and not ended, on HTTP/1.1; moved = once true, always true.
        let moved = false;
        const expected: Protocol[] = [];
        // Transports are made by the first request, or prepare(), that needs them: the protocol of that moment.
        const needed: Protocol[] = [];
        let preparedHttp2 = 0;
        for (const s of steps) {
          if (s.kind === 'prefer') {
            moved = true;
            transport.preferHttp2();
          } else if (s.kind === 'prepare') {
            needed.push(moved ? 'HTTP/2' : 'HTTP/1.1');
            if (moved) preparedHttp2++;
            transport.prepare();
          } else if (s.kind === 'end') {
            sent[s.which % Math.max(sent.length, 1)]?.end();
          } else {
            const underWay = sent.filter((x) => x.protocol === 'HTTP/1.1' && !x.ended).length;
            if (s.kind === 'watch' || underWay > 0) moved = true;
            expected.push(moved ? 'HTTP/2' : 'HTTP/1.1');
            needed.push(moved ? 'HTTP/2' : 'HTTP/1.1');
            await transport.send(req(s.kind === 'watch'));
          }
          assert.equal(transport.protocol, moved ? 'HTTP/2' : 'HTTP/1.1');
        }
        assert.deepEqual(
          sent.map((x) => x.protocol),
          expected,
        );
        // Each transport is made at most once, and only when a request or prepare() needs it; prepare() sends nothing.
        assert.deepEqual(made, [...new Set(needed)]);
        assert.equal(prepared.length, preparedHttp2);
        // The HTTP/1.1 transport is closed when the client moves.
        assert.equal(closed.includes('HTTP/1.1'), moved && made.includes('HTTP/1.1'));
      }),
    );
  });
});

/**
 * A server that speaks HTTP/2 and HTTP/1.1 (kube-apiserver does): answers with the protocol version it heard;
 * `/slow` holds its body until release(). Counts connections and which are still open.
 */
async function dualServer() {
  const held: (() => void)[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http2.createSecureServer({ ...serverTls, allowHTTP1: true }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    const body = JSON.stringify({ version: req.httpVersion });
    if (req.url === '/slow') {
      res.write(body.slice(0, 5));
      held.push(() => res.end(body.slice(5)));
    } else if (req.url?.includes('watch=1')) res.end(body + '\n');
    else res.end(body);
  });
  server.on('secureConnection', (s: import('node:net').Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const url = await listen(server);
  let connections = 0;
  server.on('secureConnection', () => connections++);
  return { url, held, connections: () => connections, open: () => sockets.size };
}

describe('KubeClient protocols', () => {
  const version = async (client: import('../../../src/core/client.ts').KubeClient, path = '/api/v1/nodes') =>
    (await client.request<{ version: string }>({ path })).body.version;

  it('sends requests in a row over HTTP/1.1, on one connection', async () => {
    const server = await dualServer();
    const { client } = await clientFor(server.url, undefined, 'HTTP/1.1');
    assert.deepEqual([await version(client), await version(client), await version(client)], ['1.1', '1.1', '1.1']);
    assert.equal(server.connections(), 1);
    await client.close();
  });

  it('moves to HTTP/2 for good at the first watch, and closes the HTTP/1.1 connection', async () => {
    const server = await dualServer();
    const { client } = await clientFor(server.url, undefined, 'HTTP/1.1');
    assert.equal(await version(client), '1.1');
    const lines: string[] = [];
    for await (const line of await client.stream({ path: '/api/v1/pods', query: { watch: 1 } })) lines.push(line);
    assert.deepEqual(lines, ['{"version":"2.0"}']);
    assert.equal(await version(client), '2.0');
    assert.equal(server.connections(), 2);
    // Only the HTTP/2 connection is left.
    while (server.open() > 1) await new Promise((r) => setImmediate(r));
    await client.close();
  });

  it('moves to HTTP/2 at a request sent while another is under way; the first ends on HTTP/1.1', async () => {
    const server = await dualServer();
    const { client } = await clientFor(server.url, undefined, 'HTTP/1.1');
    const slow = version(client, '/slow');
    // The slow answer's headers are in: its body is still under way.
    while (server.held.length === 0) await new Promise((r) => setImmediate(r));
    assert.equal(await version(client), '2.0');
    server.held[0]!();
    assert.equal(await slow, '1.1');
    assert.equal(await version(client), '2.0');
    await client.close();
  });

  it('sends nothing when prepared, then sends its first requests over HTTP/2, on one connection', async () => {
    const server = await dualServer();
    const { client } = await clientFor(server.url, undefined, 'HTTP/1.1');
    client.preferHttp2();
    client.prepare();
    client.prepare();
    assert.equal(client.requestsSent, 0);
    assert.deepEqual(await Promise.all([version(client), version(client)]), ['2.0', '2.0']);
    assert.equal(server.connections(), 1);
    await client.close();
  });

  it('speaks HTTP/2 from the first request once asked (informers, controllers), on one connection', async () => {
    const server = await dualServer();
    const { client } = await clientFor(server.url, undefined, 'HTTP/1.1');
    client.preferHttp2();
    assert.deepEqual(await Promise.all([version(client), version(client), version(client)]), ['2.0', '2.0', '2.0']);
    assert.equal(server.connections(), 1);
    await client.close();
  });
});

/**
 * A server that speaks HTTP/2 and HTTP/1.1 and answers with the path and protocol version, except the first
 * HTTP/1.1 request for /held: the test gets a hold on it (nth: which request on its connection it is) to break
 * the connection under it. Counts the connections still open.
 */
async function holdingServer() {
  const holds: { nth: number; breakIt: () => void }[] = [];
  const perSocket = new WeakMap<object, number>();
  const sockets = new Set<import('node:net').Socket>();
  const server = http2.createSecureServer({ ...serverTls, allowHTTP1: true }, (req, res) => {
    const nth = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, nth);
    if (req.httpVersion === '1.1' && req.url === '/held' && holds.length === 0) return void holds.push({ nth, breakIt: () => req.socket.destroy() });
    res.end(JSON.stringify({ path: req.url, version: req.httpVersion }));
  });
  server.on('secureConnection', (s: import('node:net').Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const url = await listen(server);
  const held = async (n: number) => {
    while (holds.length < n) await new Promise((r) => setImmediate(r));
    return holds[n - 1]!;
  };
  return { url, held, open: () => sockets.size };
}

/** The real transports behind a switching one, starting on HTTP/1.1; `http1()` is the HTTP/1.1 one once made. */
function realSwitching(url: URL) {
  let one: Http1Transport | undefined;
  const transport = switchingTransport(
    () => (one = http1Transport(url, tls)),
    () => http2Transport(url, tls, viaUndici),
  );
  const send = (path: string, signal = new AbortController().signal) =>
    transport
      .send({ method: 'GET', url: new URL(path, url), headers: {}, signal })
      .then(async (r) => JSON.parse(await r.text()) as { path: string; version: string });
  return { transport, send, http1: () => one! };
}

describe('switchingTransport over real connections', () => {
  it('lets a GET resent after a stale kept-alive connection finish on HTTP/1.1 when another request moves the client to HTTP/2', async () => {
    const server = await holdingServer();
    const { transport, send, http1 } = realSwitching(server.url);
    assert.deepEqual(await send('/first'), { path: '/first', version: '1.1' });
    const stale = send('/held');
    // The GET went out on the kept-alive connection; the next request finds it under way and moves.
    const { nth, breakIt } = await server.held(1);
    assert.equal(nth, 2);
    assert.deepEqual(await send('/other'), { path: '/other', version: '2.0' });
    // The server closes the reused connection without answering: the GET goes again on a new connection.
    breakIt();
    assert.deepEqual(await stale, { path: '/held', version: '1.1' });
    assert.equal(http1().active, 0);
    // Only the HTTP/2 connection is left.
    while (server.open() > 1) await new Promise((r) => setImmediate(r));
    await transport.close();
  });

  for (const outcome of ['aborted', 'cut off'] as const) {
    it(`moves to HTTP/2 cleanly when the HTTP/1.1 request under way is ${outcome}`, async () => {
      const server = await holdingServer();
      const { transport, send, http1 } = realSwitching(server.url);
      const abort = new AbortController();
      const held = send('/held', abort.signal);
      const { breakIt } = await server.held(1);
      assert.deepEqual(await send('/other'), { path: '/other', version: '2.0' });
      if (outcome === 'aborted') {
        abort.abort(new DOMException('gave up', 'AbortError'));
        await assert.rejects(held, (e: Error) => e.name === 'AbortError' && e.message === 'gave up');
      } else {
        // A new connection broke after the request went out: not resent.
        breakIt();
        await assert.rejects(held, ConnectionLostError);
      }
      assert.equal(http1().active, 0, 'nothing left in flight on HTTP/1.1');
      assert.equal(transport.protocol, 'HTTP/2');
      assert.deepEqual(await send('/after'), { path: '/after', version: '2.0' });
      while (server.open() > 1) await new Promise((r) => setImmediate(r));
      await transport.close();
    });
  }
});
