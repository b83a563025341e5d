// The transport against loopback TLS servers (a fixture certificate for 127.0.0.1): what HTTP/2 gives
// (one connection for many requests, bodies as they arrive), the fallback for servers without h2, and what
// happens when the server refuses streams, says GOAWAY, breaks the connection or stops answering.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/machinery/clock.ts';
import { ConnectionLostError, http2Transport, MAX_UNPROCESSED_RETRIES, PING_TIMEOUT_MS, READ_IDLE_MS, type Transport } from '../../../src/core/transport.ts';
import {
  answer,
  answerInTwoParts,
  assertBodyAsItArrives,
  closers,
  fixture,
  h2Server,
  instantSleeps,
  listen,
  serverTls,
  tls,
  viaUndici,
} from './tls-servers.ts';

const get = (t: Transport, url: URL, path: string, signal = new AbortController().signal) =>
  t.send({ method: 'GET', url: new URL(path, url), headers: { accept: 'application/json' }, signal });
const post = (t: Transport, url: URL, path: string, body: string) =>
  t.send({ method: 'POST', url: new URL(path, url), headers: { 'content-type': 'application/json' }, body, signal: new AbortController().signal });

describe('HTTP/2 transport', () => {
  it('sends concurrent requests as streams on one connection', async () => {
    let connections = 0;
    const server = http2.createSecureServer(serverTls, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, version: req.httpVersion }));
    });
    server.on('secureConnection', () => connections++);
    const url = await listen(server);
    const t = http2Transport(url, tls, viaUndici);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        get(t, url, `/api/v1/things/${i}`).then(async (r) => ({ status: r.status, ...(JSON.parse(await r.text()) as { path: string; version: string }) })),
      ),
    );
    assert.deepEqual(answers[7], { status: 200, path: '/api/v1/things/7', version: '2.0' });
    assert.equal(new Set(answers.map((a) => a.path)).size, 50);
    assert.equal(connections, 1);
    await t.close();
  });

  it('hands over body chunks as they arrive, and sends a request body', async () => {
    const { handle, release } = answerInTwoParts();
    const server = http2.createSecureServer(serverTls, handle);
    const url = await listen(server);
    const t = http2Transport(url, tls, viaUndici);
    const r = await t.send({ method: 'POST', url: new URL('/watch', url), headers: {}, body: '{"a":1}', signal: new AbortController().signal });
    assert.equal(r.statusText, 'OK');
    await assertBodyAsItArrives(r, release);
    await t.close();
  });

  it('rejects with the abort reason when the caller gives up before the answer', async () => {
    const server = http2.createSecureServer(serverTls, () => undefined);
    const url = await listen(server);
    const t = http2Transport(url, tls, viaUndici);
    const abort = new AbortController();
    const pending = get(t, url, '/slow', abort.signal);
    setImmediate(() => abort.abort(new DOMException('no answer', 'TimeoutError')));
    await assert.rejects(pending, (e: Error) => e.name === 'TimeoutError');
    await t.close();
  });

  it('falls back to HTTP/1.1 through undici when the server does not offer h2', async () => {
    const server = https.createServer(serverTls, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ version: req.httpVersion }));
    });
    const url = await listen(server);
    let fallbacks = 0;
    const t = http2Transport(url, tls, () => {
      fallbacks++;
      return viaUndici();
    });
    for (let i = 0; i < 3; i++) assert.deepEqual(JSON.parse(await (await get(t, url, '/version')).text()), { version: '1.1' });
    assert.equal(fallbacks, 1, 'the answer is remembered');
    await t.close();
  });

  it('refuses a server whose certificate the CA did not sign', async () => {
    const server = http2.createSecureServer(serverTls, (_req, res) => res.end('{}'));
    const url = await listen(server);
    const t = http2Transport(url, { rejectUnauthorized: true }, viaUndici);
    await assert.rejects(get(t, url, '/'), (e: NodeJS.ErrnoException) => /SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code ?? ''));
  });

  it('presents the client certificate to a server that requires one', async () => {
    const server = http2.createSecureServer({ ...serverTls, requestCert: true, rejectUnauthorized: true, ca: fixture('localhost.crt') }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.end(JSON.stringify({ subject: peer.subject?.CN }));
    });
    const url = await listen(server);
    const withCert = http2Transport(url, { ...tls, cert: fixture('localhost.crt'), key: fixture('localhost.key') }, viaUndici);
    assert.deepEqual(JSON.parse(await (await get(withCert, url, '/')).text()), { subject: 'localhost' });
    await withCert.close();
    const without = http2Transport(url, tls, viaUndici);
    await assert.rejects(async () => (await get(without, url, '/')).text());
    await without.close();
  });
});

describe('HTTP/2 transport when the server refuses, goes away or breaks the connection', () => {
  it('sends a refused stream (REFUSED_STREAM) again, whatever its method, and the server processes it once', async () => {
    let refusals = 2;
    const { url, stats } = await h2Server((stream, headers) => {
      if (refusals-- > 0) stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      else answer(stats, stream, headers);
    });
    const clock = instantSleeps();
    const t = http2Transport(url, tls, viaUndici, { clock });
    const r = await post(t, url, '/api/v1/namespaces/default/pods', '{}');
    assert.deepEqual(JSON.parse(await r.text()), { path: '/api/v1/namespaces/default/pods' });
    assert.equal(stats.processed.get('/api/v1/namespaces/default/pods'), 1);
    assert.deepEqual(clock.slept.length, 1, 'the first retry goes at once, the second after a backoff');
    await t.close();
  });

  it('fails at once, without sending it again, a request whose header Node refuses', async () => {
    const { url, stats } = await h2Server((stream, headers) => answer(stats, stream, headers));
    const clock = instantSleeps();
    const t = http2Transport(url, tls, viaUndici, { clock });
    const req = { method: 'GET', url: new URL('/x', url), headers: { 'bad name': 'v' }, signal: new AbortController().signal };
    await assert.rejects(t.send(req), (err: Error) => !/times|closing/.test(err.message));
    assert.deepEqual(clock.slept, []);
    assert.equal(stats.processed.get('/x'), undefined);
    await t.close();
  });

  it('gives up after a bounded number of retries, backing off as Go does', async () => {
    const { url } = await h2Server((stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM));
    const clock = instantSleeps();
    const t = http2Transport(url, tls, viaUndici, { clock });
    await assert.rejects(post(t, url, '/x', '{}'), new RegExp(`REFUSED_STREAM.*${MAX_UNPROCESSED_RETRIES + 1} times`));
    // 1, 2, 4, 8, 16 s, each with up to 10% jitter.
    assert.equal(clock.slept.length, MAX_UNPROCESSED_RETRIES - 1);
    clock.slept.forEach((ms, i) => assert.ok(ms >= 1000 * 2 ** i && ms <= 1100 * 2 ** i, `backoff ${i}: ${ms} ms`));
    await t.close();
  });

  it("sends again a request that crossed the server's GOAWAY (the idle close), on a new connection", async () => {
    // The server says GOAWAY (last stream 1) as stream 3 arrives: what kube-apiserver does when its 90 s idle
    // timeout fires while the client sends its next request.
    const { url, stats } = await h2Server((stream, headers) => {
      if (stream.id === 3) stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
      else answer(stats, stream, headers);
    });
    const t = http2Transport(url, tls, viaUndici);
    assert.equal((await post(t, url, '/first', '{}')).status, 200);
    const r = await post(t, url, '/second', '{}');
    assert.deepEqual(JSON.parse(await r.text()), { path: '/second' });
    assert.deepEqual(Object.fromEntries(stats.processed), { '/first': 1, '/second': 1 });
    assert.equal(stats.connections, 2);
    await t.close();
  });

  it('answers the streams a GOAWAY covers on the old connection and resends the others on a new one', async () => {
    const held: [http2.ServerHttp2Stream, http2.IncomingHttpHeaders][] = [];
    const { url, stats } = await h2Server((stream, headers) => {
      if (stats.connections > 1) return answer(stats, stream, headers);
      held.push([stream, headers]);
      if (held.length < 4) return;
      // Streams 1 and 3 are processed; 5 and 7 are above the GOAWAY's last stream id.
      stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, 3);
      for (const [s, h] of held) {
        if (s.id! <= 3) answer(stats, s, h);
        else s.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      }
    });
    const t = http2Transport(url, tls, viaUndici);
    const answers = await Promise.all(['/a', '/b', '/c', '/d'].map(async (p) => JSON.parse(await (await post(t, url, p, '{}')).text()) as { path: string }));
    assert.deepEqual(
      answers.map((a) => a.path),
      ['/a', '/b', '/c', '/d'],
    );
    assert.deepEqual([...stats.processed.values()], [1, 1, 1, 1], 'each POST processed once');
    assert.equal(stats.connections, 2);
    await t.close();
  });

  it('does not resend a POST whose connection broke after the server got it: ConnectionLostError', async () => {
    const { url, stats } = await h2Server((stream, headers) => {
      stats.processed.set(String(headers[':path']), 1);
      stream.session!.socket.destroy();
    });
    const t = http2Transport(url, tls, viaUndici);
    await assert.rejects(post(t, url, '/pods', '{}'), ConnectionLostError);
    assert.equal(stats.connections, 1, 'not sent again');
    await t.close();
  });

  it('throws ConnectionLostError for a body cut off by the connection, never a short body', async () => {
    const { url } = await h2Server((stream) => {
      stream.respond({ ':status': 200 });
      stream.write('{"items":[', () => stream.session!.socket.destroy());
    });
    const t = http2Transport(url, tls, viaUndici);
    const r = await get(t, url, '/api/v1/pods');
    await assert.rejects(r.text(), ConnectionLostError);
    await t.close();
  });

  it('keeps a body that arrived whole before anyone read it', async () => {
    // Node's own stream iterator reports such a body as ERR_STREAM_PREMATURE_CLOSE: the flake under load.
    const { url, stats } = await h2Server((stream, headers) => answer(stats, stream, headers));
    const t = http2Transport(url, tls, viaUndici);
    const early = await get(t, url, '/early');
    // The later answer comes after the early one's end on the same connection.
    assert.deepEqual(JSON.parse(await (await get(t, url, '/later')).text()), { path: '/later' });
    assert.deepEqual(JSON.parse(await early.text()), { path: '/early' });
    await t.close();
  });

  it('answers 500 concurrent requests once each while the server refuses streams and says GOAWAY every 250', async () => {
    const { url, stats } = await h2Server((stream, headers) => {
      const session = stream.session!;
      const seen = ((session as { seen?: number }).seen = ((session as { seen?: number }).seen ?? 0) + 1);
      if ((session as { goneAway?: boolean }).goneAway) return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      if (seen === 250) {
        // The client closes the connection once its streams below the last stream id are answered.
        (session as { goneAway?: boolean }).goneAway = true;
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id! - 2);
        return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      }
      if (seen % 10 === 0) return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      answer(stats, stream, headers);
    });
    const t = http2Transport(url, tls, viaUndici, { clock: instantSleeps() });
    const paths = Array.from({ length: 500 }, (_, i) => `/api/v1/namespaces/default/pods/p-${i}`);
    const answers = await Promise.all(paths.map(async (p) => JSON.parse(await (await post(t, url, p, '{}')).text()) as { path: string }));
    assert.deepEqual(
      answers.map((a) => a.path),
      paths,
    );
    assert.equal(stats.processed.size, 500);
    assert.ok(
      [...stats.processed.values()].every((n) => n === 1),
      'no request processed twice',
    );
    assert.ok(stats.connections >= 2, `GOAWAY every 250 streams: ${stats.connections} connections`);
    await t.close();
  });
});

describe('HTTP/2 transport connection lifecycle', () => {
  it('opens a new connection after the server closed an idle one', async () => {
    let closedIdle!: () => void;
    const idleClosed = new Promise<void>((r) => (closedIdle = r));
    const { url, stats } = await h2Server((stream, headers) => {
      const session = stream.session!;
      answer(stats, stream, headers);
      // Go's server on its idle timeout: GOAWAY with the last stream it processed, then close.
      if (stats.connections === 1)
        stream.once('close', () => {
          session.once('close', closedIdle);
          session.close();
        });
    });
    const t = http2Transport(url, tls, viaUndici);
    assert.equal((await get(t, url, '/before')).status, 200);
    await idleClosed;
    assert.deepEqual(JSON.parse(await (await get(t, url, '/after')).text()), { path: '/after' });
    assert.equal(stats.connections, 2);
    await t.close();
  });

  /** Runs a module in a child process with the server's URL; resolves with its exit code once it exits. */
  async function exitCodeOf(script: string, url: URL): Promise<number> {
    const transport = new URL('../../../src/core/transport.ts', import.meta.url).href;
    const source = `import { http2Transport, fetchTransport } from '${transport}';
      const t = http2Transport(new URL('${url.href}'), { ca: process.env.CA, rejectUnauthorized: true }, () => fetchTransport(() => undefined));
      const r = await t.send({ method: 'GET', url: new URL('/x', '${url.href}'), headers: {}, signal: new AbortController().signal });
      await r.text();
      ${script}`;
    const child = execFile(process.execPath, ['--input-type=module', '-e', source], { env: { ...process.env, CA: tls.ca } });
    const [code] = (await once(child, 'exit')) as [number];
    return code;
  }

  it('lets the process exit once its requests are done, without close()', async () => {
    const { url, stats } = await h2Server((stream, headers) => answer(stats, stream, headers));
    assert.equal(await exitCodeOf('', url), 0);
  });

  it('close() settles and the process exits (an awaited close never leaves the process without work)', async () => {
    const { url, stats } = await h2Server((stream, headers) => answer(stats, stream, headers));
    // Exit code 13 would mean the awaited close() never settled.
    assert.equal(await exitCodeOf('await t.close();', url), 0);
  });
});

describe('HTTP/2 transport health check', () => {
  /** A TCP relay to `target` whose connections so far can stop passing the server's bytes on, as a dead network path does. */
  async function relay(target: URL) {
    const sockets: net.Socket[] = [];
    const dead = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      sockets.push(client, upstream);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => dead.has(client) || client.write(d));
      for (const s of [client, upstream]) s.on('error', () => undefined);
    });
    const url = await listen(server as unknown as https.Server);
    closers.push(() => sockets.forEach((s) => s.destroy()));
    return { url, cut: () => sockets.forEach((s) => dead.add(s)), connections: () => sockets.length / 2 };
  }

  /** Moves the clock on until the transport has pinged (the ping's deadline is then pending too). */
  async function untilPinged(clock: FakeClock): Promise<void> {
    const before = clock.pendingTimers();
    while (clock.pendingTimers() === before) await clock.advance(READ_IDLE_MS);
  }

  it('closes a connection that stopped answering, failing its requests with ConnectionLostError', async () => {
    let arrived!: () => void;
    const streamArrived = new Promise<void>((r) => (arrived = r));
    const { url: target } = await h2Server(() => arrived());
    const path = await relay(target);
    const clock = new FakeClock();
    const t = http2Transport(path.url, tls, viaUndici, { clock });
    const failed = assert.rejects(get(t, path.url, '/api/v1/pods'), (e: Error) => e instanceof ConnectionLostError && /ping/.test(e.message));
    await streamArrived;
    path.cut();
    await untilPinged(clock);
    await clock.advance(PING_TIMEOUT_MS);
    await failed;
    await t.close();
  });

  it('sends new requests to a new connection while a ping goes unanswered', async () => {
    let arrived!: () => void;
    const streamArrived = new Promise<void>((r) => (arrived = r));
    const { url: target, stats } = await h2Server((stream, headers) => {
      if (headers[':path'] === '/hangs') arrived();
      else answer(stats, stream, headers);
    });
    const path = await relay(target);
    const clock = new FakeClock();
    const t = http2Transport(path.url, tls, viaUndici, { clock });
    const abort = new AbortController();
    const hung = assert.rejects(get(t, path.url, '/hangs', abort.signal));
    await streamArrived;
    path.cut();
    abort.abort(); // a request given up on: the connection is pinged
    await hung;
    await clock.advance(1000); // a second without a reply or any other byte
    assert.deepEqual(JSON.parse(await (await get(t, path.url, '/next')).text()), { path: '/next' });
    assert.equal(path.connections(), 2);
    await t.close();
  });

  it('keeps a connection whose ping reply was waiting on the socket when the deadline fired (a busy process)', async () => {
    // The server runs in a worker thread, so it replies while this thread is blocked, as on a loaded machine.
    const shared = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const http2 = require('node:http2');
       const { workerData, parentPort } = require('node:worker_threads');
       const server = http2.createSecureServer(workerData.tls);
       const replied = () => { Atomics.store(workerData.shared, 0, 1); Atomics.notify(workerData.shared, 0); };
       // Signalled once the reply has been written out (nghttp2 writes it on a later turn).
       server.on('session', (s) => s.on('ping', () => {
         const before = s.socket.bytesWritten;
         const wait = () => (s.socket.bytesWritten > before ? replied() : setImmediate(wait));
         wait();
       }));
       server.on('stream', (stream) => {
         stream.on('error', () => {});
         parentPort.postMessage('stream');
         parentPort.once('message', () => { stream.respond({ ':status': 200 }); stream.end('{}'); });
       });
       server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
      { eval: true, workerData: { tls: serverTls, shared } },
    );
    closers.push(() => void worker.terminate());
    const [port] = (await once(worker, 'message')) as [number];
    const url = new URL(`https://127.0.0.1:${port}`);
    const clock = new FakeClock();
    const t = http2Transport(url, tls, viaUndici, { clock });
    const pending = get(t, url, '/api/v1/pods?watch=1');
    await once(worker, 'message');
    await untilPinged(clock);
    await new Promise((r) => setImmediate(r)); // the ping goes out
    // This thread blocks until the server has replied ('not-equal': it already had); it reads nothing meanwhile.
    assert.notEqual(Atomics.wait(shared, 0, 0, 10_000), 'timed-out', 'the server replied');
    await clock.advance(PING_TIMEOUT_MS); // the deadline fires before this thread has read the reply
    worker.postMessage('answer');
    assert.equal(await (await pending).text(), '{}');
    await t.close();
  });
});
