/**
 * How requests reach the API server. The usual transport is Node's own HTTP/2 client: one TLS connection per
 * client, every request a stream on it, as client-go's HTTP/2 transport does (kube-apiserver offers h2 on
 * every TLS port). Node's built-in http2 costs a fraction of what loading undici does at start-up, which is
 * most of a one-request command's time. When the server does not negotiate h2 (a proxy in front, plain
 * http), or the kubeconfig routes through proxy-url, requests go through undici's fetch instead.
 *
 * Health, as client-go's http2 health check: a connection is pinged when a request on it times out or is
 * cancelled, and every 30 s while streams are open; no answer within 10 s closes it, failing its streams so
 * their callers retry on a fresh one. Idle connections do not keep the process alive.
 */
import http2 from 'node:http2';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { Dispatcher } from 'undici';

export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface TransportResponse {
  status: number;
  statusText: string;
  headers: ResponseHeaders;
  /** The body as it arrives; ends when the server ends it, throws if the connection breaks. */
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
}

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborting cancels the request, or the body's stream once it flows. */
  signal: AbortSignal;
}

export interface Transport {
  send(req: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

export interface TlsSettings {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  rejectUnauthorized: boolean;
  servername?: string | undefined;
}

// Not `import ... from 'node:http'`: an ESM import of it reads every export, and one getter loads Node's
// internal undici (~100 ms of a one-request command).
const { STATUS_CODES } = process.getBuiltinModule('node:http');

const PING_EVERY_MS = 30_000;
const PING_TIMEOUT_MS = 10_000;
/** Per-stream and connection receive windows: large lists arrive without waiting on window updates (Go uses 4 MB / 1 GB). */
const STREAM_WINDOW = 4 << 20;
const CONNECTION_WINDOW = 64 << 20;

/** HTTP/2 over TLS when the server agrees to it (ALPN), else `fallback()` for this and every later request. */
export function http2Transport(origin: URL, settings: TlsSettings, fallback: () => Transport): Transport {
  let session: http2.ClientHttp2Session | undefined;
  let connecting: Promise<http2.ClientHttp2Session | undefined> | undefined;
  let other: Transport | undefined;
  let active = 0;
  let pingTimer: NodeJS.Timeout | undefined;
  let pinging = false;

  const useFallback = () => (other ??= fallback());

  function forget(s: http2.ClientHttp2Session) {
    if (session === s) session = undefined;
    if (pingTimer && !session) {
      clearInterval(pingTimer);
      pingTimer = undefined;
    }
  }

  /** Pings the connection; no answer in time closes it. */
  function checkHealth(s: http2.ClientHttp2Session) {
    if (pinging || s.destroyed || s.closed) return;
    pinging = true;
    const deadline = setTimeout(
      () => s.destroy(new Error(`the connection to ${origin.host} stopped answering (no HTTP/2 ping reply in ${PING_TIMEOUT_MS / 1000} s)`)),
      PING_TIMEOUT_MS,
    );
    deadline.unref();
    const sent = s.ping((err) => {
      pinging = false;
      clearTimeout(deadline);
      if (err && !s.destroyed) s.destroy(err);
    });
    if (!sent) {
      pinging = false;
      clearTimeout(deadline);
    }
  }

  async function connect(signal: AbortSignal): Promise<http2.ClientHttp2Session | undefined> {
    const port = Number(origin.port || 443);
    const host = origin.hostname.replace(/^\[|\]$/g, '');
    const servername = settings.servername ?? (isIP(host) ? undefined : host);
    const socket = tls.connect({
      host,
      port,
      ALPNProtocols: ['h2', 'http/1.1'],
      ca: settings.ca,
      cert: settings.cert,
      key: settings.key,
      rejectUnauthorized: settings.rejectUnauthorized,
      ...(servername ? { servername } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        socket.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('secureConnect', () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      socket.once('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      });
    });
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy();
      return undefined;
    }
    const s = http2.connect(origin, { createConnection: () => socket, settings: { initialWindowSize: STREAM_WINDOW } });
    s.setLocalWindowSize(CONNECTION_WINDOW);
    s.on('error', () => forget(s));
    s.on('close', () => forget(s));
    s.on('goaway', () => forget(s));
    s.unref();
    pingTimer ??= setInterval(() => {
      if (session && active > 0) checkHealth(session);
    }, PING_EVERY_MS);
    pingTimer.unref();
    return s;
  }

  async function sessionFor(signal: AbortSignal): Promise<http2.ClientHttp2Session | undefined> {
    if (session && !session.closed && !session.destroyed) return session;
    connecting ??= connect(signal).finally(() => {
      connecting = undefined;
    });
    const s = await connecting;
    if (s) session = s;
    return s;
  }

  return {
    async send(req) {
      if (other) return other.send(req);
      if (req.signal.aborted) throw req.signal.reason;
      const s = await sessionFor(req.signal);
      if (!s) return useFallback().send(req);
      const stream = s.request(
        { ':method': req.method, ':path': req.url.pathname + req.url.search, ...req.headers },
        { endStream: req.body === undefined, signal: req.signal },
      );
      if (active++ === 0) s.ref();
      stream.once('close', () => {
        if (--active === 0) s.unref();
      });
      const onAbort = () => checkHealth(s);
      req.signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => req.signal.removeEventListener('abort', onAbort));
      // Errors after the answer surface through the body's iterator.
      stream.on('error', () => undefined);
      if (req.body !== undefined) stream.end(req.body);
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        stream.once('response', resolve);
        stream.once('error', (err) => reject(req.signal.aborted ? req.signal.reason : err));
        stream.once('close', () =>
          reject(req.signal.aborted ? req.signal.reason : new Error(`the server closed the stream without answering (HTTP/2 code ${stream.rstCode})`)),
        );
      });
      const status = Number(headers[':status']);
      const get = (name: string) => {
        const v = headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
      };
      let consumed = false;
      return {
        status,
        statusText: STATUS_CODES[status] ?? '',
        headers: { get },
        body: {
          [Symbol.asyncIterator]() {
            consumed = true;
            return stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
          },
        },
        async text() {
          if (consumed) throw new Error('the body was already read');
          consumed = true;
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks).toString('utf8');
        },
      };
    },
    async close() {
      if (pingTimer) clearInterval(pingTimer);
      pingTimer = undefined;
      const s = session;
      session = undefined;
      const closed = s && !s.destroyed ? new Promise<void>((resolve) => s.once('close', () => resolve()).close()) : undefined;
      await Promise.all([closed, other?.close()]);
    },
  };
}

/**
 * undici's fetch, loaded on first use: for proxy-url, plain http, servers that do not speak h2, and the
 * dispatcher client-node builds for auth providers. `dispatcher` is made once, on the first request.
 */
export function fetchTransport(dispatcher: (undici: typeof import('./undici.ts')) => Dispatcher | undefined): Transport {
  let made: { dispatcher: Dispatcher | undefined } | undefined;
  return {
    async send(req) {
      const undici = await import('./undici.ts');
      made ??= { dispatcher: dispatcher(undici) };
      const response = await undici.fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        signal: req.signal,
        ...(made.dispatcher ? { dispatcher: made.dispatcher } : {}),
      });
      const body = response.body;
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: body ?? (async function* () {})(),
        text: () => response.text(),
      };
    },
    async close() {
      await made?.dispatcher?.close();
    },
  };
}
