// The HTTP/1.1 transport against loopback TLS servers (a fixture certificate for 127.0.0.1 and localhost):
// keep-alive reuse, bodies as they arrive, TLS settings, and what happens when the server closes a reused
// connection, breaks one mid-answer, or the caller gives up.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import https from 'node:https';
import net from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { http1Transport } from '../../../src/core/http1-transport.ts';
import { ConnectionLostError, type Transport, type TransportResponse } from '../../../src/core/transport.ts';
import { answerInTwoParts, assertBodyAsItArrives, closers, fixture, listen, serverTls, tls } from './tls-servers.ts';

const get = (t: Transport, url: URL, path: string, signal = new AbortController().signal) =>
  t.send({ method: 'GET', url: new URL(path, url), headers: { accept: 'application/json' }, signal });
/** The path an echo answer names. */
const pathOf = async (r: Promise<TransportResponse> | TransportResponse) => (JSON.parse(await (await r).text()) as { path: string }).path;
const post = (t: Transport, url: URL, path: string, body: string) =>
  t.send({ method: 'POST', url: new URL(path, url), headers: { 'content-type': 'application/json' }, body, signal: new AbortController().signal });

/** Sends `body` to a pod's path with `method`. */
const sendPod = (t: Transport, url: URL, method: string, body: string) =>
  t.send({ method, url: new URL('/api/v1/pods/p', url), headers: { 'content-type': 'application/json' }, body, signal: new AbortController().signal });

/**
 * An HTTP/1.1 test server: `handle` decides what each request gets, told how many requests its connection
 * carried so far. Counts connections, and the requests answered per path.
 */
async function h1Server(handle: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, nth: number) => void) {
  const stats = { connections: 0, processed: new Map<string, number>() };
  const perSocket = new WeakMap<object, number>();
  const server = https.createServer(serverTls, (req, res) => {
    const nth = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, nth);
    handle(req, res, nth);
  });
  server.on('secureConnection', () => stats.connections++);
  // Idle connections stay open until the client closes them: only the client decides when they go.
  server.keepAliveTimeout = 0;
  const url = await listen(server);
  return { url, stats };
}

/** Answers with a JSON echo of the path and the request body, and counts the request as processed. */
async function echo(stats: { processed: Map<string, number> }, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
  let body = '';
  for await (const c of req) body += String(c);
  stats.processed.set(req.url!, (stats.processed.get(req.url!) ?? 0) + 1);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url, version: req.httpVersion, body }));
}

describe('HTTP/1.1 transport', () => {
  it('sends requests in a row on one kept-alive connection, over HTTP/1.1', async () => {
    const { url, stats } = await h1Server((req, res) => void echo(stats, req, res));
    const t = http1Transport(url, tls);
    for (let i = 0; i < 3; i++) {
      const r = await get(t, url, `/api/v1/things/${i}?watch=0`);
      assert.equal(r.status, 200);
      assert.equal(r.statusText, 'OK');
      assert.equal(r.headers.get('Content-Type'), 'application/json');
      assert.deepEqual(JSON.parse(await r.text()), { path: `/api/v1/things/${i}?watch=0`, version: '1.1', body: '' });
    }
    assert.equal(stats.connections, 1);
    await t.close();
  });

  it('hands over body chunks as they arrive, and sends a request body', async () => {
    const { handle, release } = answerInTwoParts();
    const { url } = await h1Server(handle);
    const t = http1Transport(url, tls);
    const r = await post(t, url, '/watch', '{"a":1}');
    await assertBodyAsItArrives(r, release);
    await t.close();
  });

  it('sends a body with its Content-Length whatever the method, so the next request on the connection arrives intact', async () => {
    const { url, stats } = await h1Server((req, res) => void echo(stats, req, res));
    const t = http1Transport(url, tls);
    for (const method of ['DELETE', 'POST', 'PUT', 'PATCH']) {
      const body = '{"gracePeriodSeconds":0,"note":"é"}';
      const r = await sendPod(t, url, method, body);
      assert.equal((JSON.parse(await r.text()) as { body: string }).body, body, method);
      assert.equal(await pathOf(get(t, url, `/after-${method}`)), `/after-${method}`);
    }
    assert.equal(stats.connections, 1);
    await t.close();
  });

  it('rejects with the abort reason when the caller gives up before the answer, or during the body', async () => {
    const { url } = await h1Server((req, res) => {
      if (req.url === '/slow') return;
      res.writeHead(200);
      res.write('{"items":[');
    });
    const t = http1Transport(url, tls);
    const abort = new AbortController();
    const pending = get(t, url, '/slow', abort.signal);
    setImmediate(() => abort.abort(new DOMException('no answer', 'TimeoutError')));
    await assert.rejects(pending, (e: Error) => e.name === 'TimeoutError');
    const midBody = new AbortController();
    const r = await get(t, url, '/partial', midBody.signal);
    const text = r.text();
    midBody.abort(new DOMException('stop', 'AbortError'));
    await assert.rejects(text, (e: Error) => e.name === 'AbortError' && e.message === 'stop');
    await t.close();
  });

  it("keeps the server's reason phrase, and gives an answer without one the standard phrase", async () => {
    const server = createTlsServer(serverTls, (socket) => {
      socket.once('data', (head: Buffer) => {
        const phrase = head.toString().startsWith('GET /bare ') ? '' : 'Gone Fishing';
        socket.end(`HTTP/1.1 404 ${phrase}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = new URL(`https://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    const t = http1Transport(url, tls);
    assert.equal((await get(t, url, '/bare')).statusText, 'Not Found');
    assert.equal((await get(t, url, '/phrased')).statusText, 'Gone Fishing');
    await t.close();
    server.close();
  });

  it('refuses a server whose certificate the CA did not sign, with the TLS error as Node gives it', async () => {
    const { url } = await h1Server((_req, res) => res.end('{}'));
    const t = http1Transport(url, { rejectUnauthorized: true });
    await assert.rejects(get(t, url, '/'), (e: NodeJS.ErrnoException) => /SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code ?? ''));
    await t.close();
  });

  it('fails with the connect error when nothing listens (never ConnectionLostError: nothing was sent)', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    const url = new URL(`https://127.0.0.1:${port}`);
    const t = http1Transport(url, tls);
    await assert.rejects(get(t, url, '/version'), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED' && !(e instanceof ConnectionLostError));
    await t.close();
  });

  it('checks the certificate against tls-server-name when one is set, and presents the client certificate', async () => {
    const server = https.createServer({ ...serverTls, requestCert: true, rejectUnauthorized: true, ca: fixture('localhost.crt') }, (req, res) => {
      const socket = req.socket as TLSSocket;
      res.end(JSON.stringify({ subject: socket.getPeerCertificate().subject?.CN, sni: socket.servername }));
    });
    const url = await listen(server);
    const client = { cert: fixture('localhost.crt'), key: fixture('localhost.key') };
    const named = http1Transport(url, { ...tls, ...client, servername: 'localhost' });
    assert.deepEqual(JSON.parse(await (await get(named, url, '/')).text()), { subject: 'localhost', sni: 'localhost' });
    await named.close();
    // An IP host sends no server name (SNI forbids IPs) and is checked against the certificate's IP SAN.
    const byIp = http1Transport(url, { ...tls, ...client });
    assert.deepEqual(JSON.parse(await (await get(byIp, url, '/')).text()), { subject: 'localhost', sni: false });
    await byIp.close();
    const wrongName = http1Transport(url, { ...tls, ...client, servername: 'kubernetes.default.svc' });
    await assert.rejects(get(wrongName, url, '/'), (e: NodeJS.ErrnoException) => e.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
    await wrongName.close();
    const withoutCert = http1Transport(url, tls);
    // Under TLS 1.3 the server refuses the missing certificate with an alert after the client's handshake is
    // done, so the request had gone out: ConnectionLostError, caused by that alert (not a refused connection).
    await assert.rejects(
      async () => (await get(withoutCert, url, '/')).text(),
      (e: Error) => e instanceof ConnectionLostError && (e.cause as NodeJS.ErrnoException).code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    );
    await withoutCert.close();
  });
});

/**
 * A TLS server that answers each request with the bytes `answer` gives (`last`: then ends the connection),
 * and counts connections and requests.
 */
async function rawServer(answer: (request: string) => string | { last: string }) {
  const stats = { connections: 0, requests: [] as string[] };
  const sockets = new Set<TLSSocket>();
  const server = createTlsServer(serverTls, (socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (data: Buffer) => {
      buffered += data.toString('latin1');
      // Requests here carry their body's Content-Length, or none.
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(request.length);
        stats.requests.push(request);
        const bytes = answer(request);
        if (typeof bytes === 'string') socket.write(bytes, 'latin1');
        else socket.end(bytes.last, 'latin1');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { url: new URL(`https://127.0.0.1:${(server.address() as net.AddressInfo).port}`), stats, sockets };
}

describe('HTTP/1.1 transport framing', () => {
  it('reads a chunked body, and keeps the connection for the next request', async () => {
    const { url, stats } = await rawServer(
      () => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\n{"a\r\n3\r\n":1\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n',
    );
    const t = http1Transport(url, tls);
    for (let i = 0; i < 2; i++) assert.equal(await (await get(t, url, '/')).text(), '{"a":1}');
    assert.equal(stats.connections, 1);
    await t.close();
  });

  it('opens a new connection after an answer with Connection: close', async () => {
    const { url, stats } = await rawServer(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    const t = http1Transport(url, tls);
    for (let i = 0; i < 2; i++) assert.equal(await (await get(t, url, '/')).text(), '{}');
    assert.equal(stats.connections, 2);
    await t.close();
  });

  it('reads an answer without a length until the server closes the connection, then opens a new one', async () => {
    const { url, stats } = await rawServer(() => ({ last: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it' }));
    const t = http1Transport(url, tls);
    for (let i = 0; i < 2; i++) assert.equal(await (await get(t, url, '/')).text(), 'all of it');
    assert.equal(stats.connections, 2);
    await t.close();
  });

  it('sends DELETE and PATCH bodies with their Content-Length, and reads HEAD and 204 answers without a body', async () => {
    // Echoes each request whole, as latin1.
    const { url, stats } = await rawServer((request) =>
      request.startsWith('HEAD ')
        ? 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'
        : request.startsWith('GET /nothing')
          ? 'HTTP/1.1 204 No Content\r\n\r\n'
          : `HTTP/1.1 200 OK\r\nContent-Length: ${request.length}\r\n\r\n${request}`,
    );
    const t = http1Transport(url, tls);
    for (const method of ['DELETE', 'PATCH']) {
      const body = '{"note":"é"}';
      const r = await sendPod(t, url, method, body);
      const echoed = await r.text();
      assert.match(
        echoed,
        new RegExp(
          `^${method} /api/v1/pods/p HTTP/1.1\r\nHost: ${url.host}\r\ncontent-type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
        ),
      );
      assert.ok(echoed.endsWith(body), method);
    }
    const head = await t.send({ method: 'HEAD', url: new URL('/', url), headers: {}, signal: new AbortController().signal });
    assert.equal(head.headers.get('content-length'), '1000');
    assert.equal(await head.text(), '');
    const none = await get(t, url, '/nothing');
    assert.equal(none.status, 204);
    assert.equal(await none.text(), '');
    assert.match(await (await get(t, url, '/after')).text(), /^GET \/after HTTP\/1.1\r\n/);
    assert.equal(stats.connections, 1, 'every answer was framed: one connection carried them all');
    await t.close();
  });

  it('refuses a method, header name or value that could break out of its place, before anything is sent', async () => {
    const { url, stats } = await rawServer(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    const t = http1Transport(url, tls);
    const send = (method: string, headers: Record<string, string>) => t.send({ method, url: new URL('/', url), headers, signal: new AbortController().signal });
    // The head leaves as latin1, one byte a character: U+010D and U+010A would leave as CR and LF.
    await assert.rejects(
      send('GET', { authorization: 'Bearer abc\u010d\u010aX-Injected: yes' }),
      (e: Error) => e instanceof TypeError && /header "authorization" holds a character/.test(e.message) && !e.message.includes('abc'),
    );
    await assert.rejects(send('GET', { 'x-a': 'a\r\nx-b: b' }), TypeError);
    await assert.rejects(send('GET', { 'x-a': 'a\u0001' }), TypeError);
    await assert.rejects(send('GET', { 'x a': 'b' }), /header name "x a" is not an HTTP token/);
    await assert.rejects(send('GET /evil HTTP/1.1\r\nX: y\r\n\r\nGET', {}), /request method "GET \/evil/);
    assert.equal(stats.connections, 0, 'nothing was sent');
    // latin1's upper half is a header byte like any other.
    assert.equal((await send('GET', { 'x-note': 'café' })).status, 200);
    assert.match(stats.requests[0]!, /\r\nx-note: caf\xe9\r\n/);
    await t.close();
  });

  it("never completes a body framed by the connection's end when the caller gave up or the connection was reset", async () => {
    let tcp: net.Socket | undefined;
    const server = net.createServer((socket) => {
      tcp = socket;
      socket.on('error', () => undefined);
      const secure = new TLSSocket(socket, { isServer: true, ...serverTls });
      secure.on('error', () => undefined);
      secure.once('data', () => secure.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"items":['));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    const url = new URL(`https://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    const t = http1Transport(url, tls);
    const abort = new AbortController();
    const text = (await get(t, url, '/', abort.signal)).text();
    abort.abort(new DOMException('stop', 'AbortError'));
    await assert.rejects(text, (e: Error) => e.name === 'AbortError' && e.message === 'stop');
    const cut = (await get(t, url, '/')).text();
    tcp!.resetAndDestroy();
    await assert.rejects(cut, (e: Error) => e instanceof ConnectionLostError && /ECONNRESET/.test(e.message));
    await t.close();
  });

  it('drops an idle connection the server closed, and opens a new one for the next request', async () => {
    const { url, stats, sockets } = await rawServer(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
    const t = http1Transport(url, tls);
    assert.equal(await (await get(t, url, '/')).text(), '{}');
    const [serverSide] = [...sockets];
    // Closed on the server's side once the client answered its end with its own: the client has seen it.
    const closed = once(serverSide!, 'close');
    serverSide!.end();
    await closed;
    // A POST is never sent again: on the dead connection it would fail, so only a new one passes.
    assert.equal(await (await post(t, url, '/', '{}')).text(), '{}');
    assert.equal(stats.connections, 2);
    await t.close();
  });

  it('fails with a message naming what is wrong when the answer is not HTTP/1.1, and closes that connection', async () => {
    const { url, stats } = await rawServer((request) =>
      request.startsWith('GET /bad-body') ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' : 'SSH-2.0-OpenSSH_9\r\n\r\n',
    );
    const t = http1Transport(url, tls);
    await assert.rejects(get(t, url, '/'), /malformed HTTP\/1.1 answer: bad status line "SSH-2.0-OpenSSH_9"/);
    await assert.rejects((await get(t, url, '/bad-body')).text(), (e: Error) => e instanceof ConnectionLostError && /bad chunk size "zz"/.test(e.message));
    assert.equal(stats.connections, 2);
    await t.close();
  });
});

describe('HTTP/1.1 transport when the server closes or breaks the connection', () => {
  /** Answers the first request on each connection; closes the connection under any later one without answering. */
  const closesReused = () =>
    h1Server((req, res, nth) => {
      if (nth === 1) return void echo(stats, req, res);
      req.socket.destroy();
    }).then((s) => ((stats = s.stats), s));
  let stats: { connections: number; processed: Map<string, number> };

  it('sends a GET again on a new connection when the server closed the reused one without answering', async () => {
    const { url } = await closesReused();
    const t = http1Transport(url, tls);
    assert.equal(await pathOf(get(t, url, '/first')), '/first');
    const r = await get(t, url, '/second');
    assert.equal(await pathOf(r), '/second');
    assert.equal(stats.processed.get('/second'), 1);
    assert.equal(stats.connections, 2);
    await t.close();
  });

  it('does not send a POST again once its reused connection broke: ConnectionLostError', async () => {
    const { url } = await closesReused();
    const t = http1Transport(url, tls);
    assert.equal(await pathOf(post(t, url, '/first', '{}')), '/first');
    await assert.rejects(post(t, url, '/second', '{}'), ConnectionLostError);
    assert.equal(stats.connections, 1, 'not sent again');
    await t.close();
  });

  it('fails with ConnectionLostError, without resending, when a new connection breaks after the request went out', async () => {
    const { url, stats: s } = await h1Server((req) => req.socket.destroy());
    const t = http1Transport(url, tls);
    await assert.rejects(get(t, url, '/api/v1/pods'), ConnectionLostError);
    assert.equal(s.connections, 1);
    await t.close();
  });

  it('throws ConnectionLostError for a body cut off by the connection, never a short body', async () => {
    const { url } = await h1Server((req, res) => {
      // Declared longer than sent (the first path), or chunked without its last chunk (the second).
      if (req.url === '/sized') res.writeHead(200, { 'content-length': '100' });
      else res.writeHead(200);
      res.write('{"items":[', () => req.socket.destroy());
    });
    const t = http1Transport(url, tls);
    await assert.rejects((await get(t, url, '/sized')).text(), ConnectionLostError);
    await assert.rejects((await get(t, url, '/chunked')).text(), ConnectionLostError);
    await t.close();
  });
});

describe('HTTP/1.1 transport lifecycle', () => {
  /** Runs a module in a child process with the server's URL; resolves with its exit code once it exits (null: killed after 20 s). */
  async function exitCodeOf(script: string, url: URL): Promise<number> {
    const transport = new URL('../../../src/core/http1-transport.ts', import.meta.url).href;
    const source = `import { http1Transport } from '${transport}';
      const t = http1Transport(new URL('${url.href}'), { ca: process.env.CA, rejectUnauthorized: true });
      const r = await t.send({ method: 'GET', url: new URL('/x', '${url.href}'), headers: {}, signal: new AbortController().signal });
      await r.text();
      ${script}`;
    const child = execFile(process.execPath, ['--input-type=module', '-e', source], { env: { ...process.env, CA: tls.ca }, timeout: 20_000 });
    const [code] = (await once(child, 'exit')) as [number];
    return code;
  }

  it('lets the process exit once its requests are done, without close() (idle connections hold nothing)', async () => {
    const { url, stats } = await h1Server((req, res) => void echo(stats, req, res));
    assert.equal(await exitCodeOf('', url), 0);
  });

  it('close() waits for a request in flight, then closes its connection', async () => {
    let answerNow!: () => void;
    let arrived!: () => void;
    const heldArrived = new Promise<void>((r) => (arrived = r));
    let serverSocketClosed!: Promise<unknown>;
    const { url, stats } = await h1Server((req, res) => {
      serverSocketClosed = once(req.socket, 'close');
      answerNow = () => void echo(stats, req, res);
      arrived();
    });
    const t = http1Transport(url, tls);
    const held = get(t, url, '/held');
    await heldArrived;
    let closed = false;
    const closing = t.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(closed, false, 'close() waits for the request in flight');
    answerNow();
    assert.equal(await pathOf(held), '/held');
    await closing;
    await serverSocketClosed;
  });
});
