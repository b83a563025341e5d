// Loopback TLS servers for the transport and client tests (a fixture certificate for 127.0.0.1), closed
// after the file's tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type https from 'node:https';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { realClock, type Clock } from '../../../src/machinery/clock.ts';
import { KubeClient } from '../../../src/core/client.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import { fetchTransport, type Transport, type TransportResponse } from '../../../src/core/transport.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

export const fixture = (name: string) => readFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url), 'utf8');
export const tls = { ca: fixture('localhost.crt'), rejectUnauthorized: true };
export const serverTls = { key: fixture('localhost.key'), cert: fixture('localhost.crt') };
export const closers: (() => void)[] = [];
after(() => closers.forEach((c) => c()));

export async function listen(server: http2.Http2SecureServer | https.Server): Promise<URL> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

export function viaUndici(): Transport {
  return fetchTransport((undici) => new undici.Agent({ connect: tls }));
}

/**
 * An HTTP/2 test server: `handle` decides what each stream gets. It counts connections, and the requests it
 * processed (answered) per path, so a test sees whether anything ran twice.
 */
export async function h2Server(handle: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void) {
  const server = http2.createSecureServer(serverTls);
  const stats = { connections: 0, processed: new Map<string, number>() };
  server.on('secureConnection', () => stats.connections++);
  server.on('session', (session) => session.on('error', () => undefined));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    handle(stream, headers);
  });
  const url = await listen(server);
  return { server, url, stats };
}

/** Answers the stream with a JSON echo of its path, and counts it as processed. */
export function answer(stats: { processed: Map<string, number> }, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) {
  const path = String(headers[':path']);
  stats.processed.set(path, (stats.processed.get(path) ?? 0) + 1);
  stream.respond({ ':status': 200, 'content-type': 'application/json' });
  stream.end(JSON.stringify({ path }));
}

/** A clock whose sleeps return at once and are written down: the retry backoff without waiting it out. */
export function instantSleeps(): Clock & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => realClock.now(), setTimer: (fn, ms) => realClock.setTimer(fn, ms), sleep: async (ms) => void slept.push(ms) };
}

/**
 * A KubeClient for a loopback test server, authenticating with a token. By default it speaks HTTP/2 from the
 * first request (h2Server speaks nothing else); 'HTTP/1.1' leaves it to start on HTTP/1.1 as a CLI client does.
 */
export async function clientFor(server: URL, clock = instantSleeps(), start: 'HTTP/2' | 'HTTP/1.1' = 'HTTP/2') {
  const file = join(tempDir('kube-client-'), 'kubeconfig');
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
  const client = new KubeClient(await loadKubeconfig({ kubeconfig: file }), { clock });
  if (start === 'HTTP/2') client.preferHttp2();
  return { client, clock };
}

/**
 * A request handler (node:https's or node:http2's compatibility API) that echoes the request body in x-seen,
 * writes one watch line, and the second only after release().
 */
export function answerInTwoParts() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const handle = async (
    req: AsyncIterable<unknown>,
    res: { writeHead(status: number, headers: Record<string, string>): unknown; write(s: string): unknown; end(s: string): unknown },
  ) => {
    let body = '';
    for await (const c of req) body += String(c);
    res.writeHead(200, { 'content-type': 'application/json', 'x-seen': body });
    res.write('{"type":"ADDED"}\n');
    await released;
    res.end('{"type":"DELETED"}\n');
  };
  return { handle: (req: Parameters<typeof handle>[0], res: Parameters<typeof handle>[1]) => void handle(req, res), release };
}

/** Checks the answer of answerInTwoParts to a POST of '{"a":1}': the first line reaches the reader before the server ends the body. */
export async function assertBodyAsItArrives(r: TransportResponse, release: () => void) {
  assert.equal(r.headers.get('x-seen'), '{"a":1}');
  const it = r.body[Symbol.asyncIterator]();
  assert.equal(Buffer.from((await it.next()).value).toString(), '{"type":"ADDED"}\n', 'the first line arrives before the server ends the body');
  release();
  assert.equal(Buffer.from((await it.next()).value).toString(), '{"type":"DELETED"}\n');
  assert.equal((await it.next()).done, true);
}
