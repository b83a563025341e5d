// Loopback TLS servers for the transport and client tests (a fixture certificate for 127.0.0.1), closed
// after the file's tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type https from 'node:https';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { realClock, type Clock } from '../../../src/machinery/clock.ts';
import { KubeClient } from '../../../src/core/client.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import { fetchTransport, type Transport } from '../../../src/core/transport.ts';
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

/** A KubeClient for a loopback test server, authenticating with a token. */
export async function clientFor(server: URL, clock = instantSleeps()) {
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
  return { client: new KubeClient(await loadKubeconfig({ kubeconfig: file }), { clock }), clock };
}
