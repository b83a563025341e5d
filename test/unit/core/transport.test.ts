// The transport against loopback TLS servers (a fixture certificate for 127.0.0.1): what HTTP/2 gives
// (one connection for many requests, bodies as they arrive) and the fallback for servers without h2.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fetchTransport, http2Transport, type Transport } from '../../../src/core/transport.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url), 'utf8');
const tls = { ca: fixture('localhost.crt'), rejectUnauthorized: true };
const serverTls = { key: fixture('localhost.key'), cert: fixture('localhost.crt') };
const closers: (() => void)[] = [];
after(() => closers.forEach((c) => c()));

async function listen(server: http2.Http2SecureServer | https.Server): Promise<URL> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

function viaUndici(): Transport {
  return fetchTransport((undici) => new undici.Agent({ connect: tls }));
}

const get = (t: Transport, url: URL, path: string, signal = new AbortController().signal) =>
  t.send({ method: 'GET', url: new URL(path, url), headers: { accept: 'application/json' }, signal });

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
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const server = http2.createSecureServer(serverTls, (req, res) => void answer(req, res));
    async function answer(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) {
      let body = '';
      for await (const c of req) body += String(c);
      res.writeHead(200, { 'content-type': 'application/json', 'x-seen': body });
      res.write('{"type":"ADDED"}\n');
      await released;
      res.end('{"type":"DELETED"}\n');
    }
    const url = await listen(server);
    const t = http2Transport(url, tls, viaUndici);
    const r = await t.send({ method: 'POST', url: new URL('/watch', url), headers: {}, body: '{"a":1}', signal: new AbortController().signal });
    assert.equal(r.headers.get('x-seen'), '{"a":1}');
    assert.equal(r.statusText, 'OK');
    const it = r.body[Symbol.asyncIterator]();
    assert.equal(Buffer.from((await it.next()).value).toString(), '{"type":"ADDED"}\n', 'the first line arrives before the server ends the body');
    release();
    assert.equal(Buffer.from((await it.next()).value).toString(), '{"type":"DELETED"}\n');
    assert.equal((await it.next()).done, true);
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
