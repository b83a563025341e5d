/**
 * How requests reach the API server. A client that watches or sends requests at once uses Node's own HTTP/2
 * client: one TLS connection per client, every request a stream on it, as client-go's HTTP/2 transport does
 * (kube-apiserver offers h2 on every TLS port). One that sends one request at a time uses HTTP/1.1
 * (http1-transport.ts; switching-transport.ts decides). Node's built-in clients cost a fraction of what
 * loading undici does at start-up. When the server does not negotiate h2 (a proxy in front, plain http), or
 * the kubeconfig routes through proxy-url, requests go through undici's fetch instead.
 *
 * Guarantees of the HTTP/2 transport, following golang.org/x/net/http2 as client-go configures it:
 * - A request the server never processed is sent again on a fresh connection, whatever its method: a stream
 *   the server refused (REFUSED_STREAM), one above the last stream id of the server's GOAWAY (kube-apiserver
 *   sends one after 90 s idle, and with --goaway-chance), one the connection lost before it went out. Up to
 *   6 retries, the first at once, then 1, 2, 4... s apart (Go's schedule), cut short by the request's signal.
 * - A request that may have reached the server is never sent again here: when the connection breaks first,
 *   it fails with ConnectionLostError and the caller decides (KubeClient retries GETs, as client-go does).
 * - A body is either complete or its reader throws: a connection that breaks mid-body raises
 *   ConnectionLostError, never a short body; a body that arrived whole before anyone read it is kept.
 * - Health, as client-go's ReadIdleTimeout 30 s / PingTimeout 15 s: a connection that received nothing for
 *   30 s is pinged, and so is one whose request was cancelled before its answer. It is closed, failing its
 *   streams with ConnectionLostError, only if neither the reply nor any other byte arrived within 15 s,
 *   judged after the bytes already waiting on the socket are read (a busy process is not a dead server).
 *   Meanwhile, once the ping has gone 1 s without a reply or any other byte, new requests go to a new
 *   connection and the silent one takes no more.
 * - Lifecycle: a connection keeps the process alive only while it has streams open; one that got GOAWAY
 *   takes no new streams and closes when its last one ends; close() waits for streams in flight, then
 *   leaves no socket or timer behind.
 *
 * Deliberate differences from Go's transport: Go retries a stream reset with PROTOCOL_ERROR only when the
 * server sent it (its answer to a client over the stream limit, golang/go#42777); Node does not say who sent
 * a reset, so one before any answer is taken as the server's. Go reuses a connection per host across clients;
 * here each KubeClient has its own. Go pings exactly 30 s after the last frame; this checks every 30 s
 * whether any byte arrived, so the first ping of a silent connection goes out 30 to 60 s after its last byte.
 * Go keeps sending new requests to a connection with a ping in flight until the ping times out (it only counts
 * cancelled streams against the stream limit meanwhile); here a connection silent for 1 s after its ping
 * takes none, so a hung connection delays the next request by at most a second, not 15.
 */
import type http2 from 'node:http2';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import type { Dispatcher } from 'undici';
import { realClock, type Clock } from '../machinery/clock.ts';
import { untilAborted } from '../machinery/until-aborted.ts';
import { statusText } from './status-text.ts';

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
  /** The answer is a stream that may stay open for as long as the caller reads it (a watch). */
  stream?: boolean | undefined;
}

export interface Transport {
  send(req: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
  /** Loads now what the first connection would load (the HTTP/2 transport: node:http2); connects nothing. */
  prepare?(): void;
}

export interface TlsSettings {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  rejectUnauthorized: boolean;
  servername?: string | undefined;
  /** Trust and client certificate loaded into OpenSSL (secureContextFor): built once per client, at its first connection (client.ts), and shared by every connection. */
  secureContext?: tls.SecureContext | undefined;
}

/** The host to connect to (an IPv6 address without brackets), and the name to send as SNI and check the certificate against. */
export function tlsNames(origin: URL, settings: TlsSettings): { hostname: string; servername: string | undefined } {
  const hostname = origin.hostname.replace(/^\[|\]$/g, '');
  // SNI forbids IP addresses: an IP host is checked against the certificate's IP SANs instead.
  return { hostname, servername: settings.servername ?? (isIP(hostname) ? undefined : hostname) };
}

/** Looks up an answer's headers (Node's HTTP/2 ones, or http1-response-parser.ts's) by name, in any case; repeated ones joined. */
export function headersOf(headers: Record<string, string | string[] | number | undefined>): ResponseHeaders {
  return {
    get(name) {
      const v = headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
    },
  };
}

/** The OpenSSL context for `settings`: a process's first costs ~5-10 ms, so a client builds one, at its first connection. */
export function secureContextFor(settings: TlsSettings): tls.SecureContext {
  return settings.secureContext ?? tls.createSecureContext({ ca: settings.ca, cert: settings.cert, key: settings.key });
}

/** The connection broke before the answer was complete; the server may have processed the request. */
export class ConnectionLostError extends Error {
  readonly code = 'ERR_HTTP2_CONNECTION_LOST';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConnectionLostError';
  }
}

/**
 * The connection went silent: no ping reply nor any other byte within PING_TIMEOUT_MS. Go's transport fails
 * its streams with "http2: client connection lost", which client-go's watch, unlike a reset or an EOF, reports
 * as an error (list-watch-client.ts does the same with this one).
 */
export class PingTimeoutError extends ConnectionLostError {}

/** The connection to `host` broke before `what` ("the answer", "the end of the answer"), for the reason `cause` gives when there is one. */
export function connectionLost(host: string, what: string, cause: Error | undefined): ConnectionLostError {
  return new ConnectionLostError(`the connection to ${host} broke before ${what}${cause ? ` (${cause.message})` : ''}`, { cause });
}

/** The connection broke before the answer, on either transport (for undici: reset, or closed by the server). */
export function isConnectionLost(err: unknown): boolean {
  for (let cur = err, depth = 0; cur && depth < 3; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (cur instanceof ConnectionLostError || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** The server never processed the request: sending it again is safe for any method. */
export class UnprocessedError extends Error {}

/** No byte from the server for this long: ping it (client-go's ReadIdleTimeout). */
export const READ_IDLE_MS = 30_000;
/** No ping reply and no other byte for this long after a ping: the connection is lost (client-go's PingTimeout). */
export const PING_TIMEOUT_MS = 15_000;
/** A ping unanswered this long with no other byte heard: new requests go to a new connection meanwhile. */
const SILENT_PING_MS = 1000;
/** HTTP/2 error codes (RFC 9113, section 7), known before node:http2 is loaded. */
const HTTP2_NO_ERROR = 0x0;
const HTTP2_PROTOCOL_ERROR = 0x1;
const HTTP2_REFUSED_STREAM = 0x7;
/** Retries of a request the server never processed (Go's http2 transport allows 6). */
export const MAX_UNPROCESSED_RETRIES = 6;
/** Per-stream and connection receive windows: large lists arrive without waiting on window updates (Go uses 4 MB / 1 GB). */
const STREAM_WINDOW = 4 << 20;
const CONNECTION_WINDOW = 64 << 20;
/** A body read ahead of its consumer beyond this pauses the stream (flow control then holds the server). */
const BODY_READ_AHEAD = 1 << 20;

/** One TLS connection and what the transport knows about it. */
interface Connection {
  session: http2.ClientHttp2Session;
  socket: tls.TLSSocket;
  /** Streams sent on it and not yet closed. */
  streams: Set<http2.ClientHttp2Stream>;
  /** The server's GOAWAY: streams above this id were never processed. */
  goawayLastStreamId: number | undefined;
  /** The socket ended or broke. */
  gone: boolean;
  /** Streams still open when the socket went: whatever they received is incomplete. */
  cut: WeakSet<http2.ClientHttp2Stream>;
  /** When the ping in flight went out (clock time), and the socket's byte count then; undefined when none is. */
  pingSentAt: number | undefined;
  bytesAtPing: number;
  /** Takes no new streams; closes once its last stream ends. */
  retired: boolean;
}

export interface Http2TransportOptions {
  /** Times the health check and the retry backoff. */
  clock?: Clock;
}

/** HTTP/2 over TLS when the server agrees to it (ALPN), else `fallback()` for this and every later request. */
export function http2Transport(origin: URL, settings: TlsSettings, fallback: () => Transport, options: Http2TransportOptions = {}): Transport {
  // Loaded by the first connection (see dial), or prepare(), not imported: one-request commands on HTTP/1.1 never load it.
  let loadedHttp2: typeof http2 | undefined;
  const http2Module = () => (loadedHttp2 ??= process.getBuiltinModule('node:http2'));
  const clock = options.clock ?? realClock;
  const host = origin.host;
  // Built once, with the transport: every connection it dials presents the same trust and certificate.
  const secureContext = secureContextFor(settings);
  /** The connection new streams go to. */
  let current: Connection | undefined;
  let dialing: Promise<Connection | undefined> | undefined;
  /** Every connection not yet closed, draining ones included. */
  const open = new Set<Connection>();
  let other: Transport | undefined;
  /** close() is under way: connections stay referenced until closed, or an awaited close() would let the process exit under it. */
  let closing = false;

  const useFallback = () => (other ??= fallback());
  /** A ping unanswered for a second with nothing else heard: likely dead, so no new request waits on it. */
  const silent = (c: Connection) => c.pingSentAt !== undefined && clock.now() - c.pingSentAt >= SILENT_PING_MS && c.socket.bytesRead === c.bytesAtPing;
  const usable = (c: Connection) => !c.gone && !c.retired && !c.session.closed && !c.session.destroyed && c.goawayLastStreamId === undefined && !silent(c);

  /** New streams go elsewhere; this one closes (gracefully) when its streams are done. */
  function retire(conn: Connection): void {
    conn.retired = true;
    if (conn.streams.size === 0 && !conn.session.closed) conn.session.close();
  }

  async function dial(): Promise<Connection | undefined> {
    const port = Number(origin.port || 443);
    const { hostname, servername } = tlsNames(origin, settings);
    const socket = tls.connect({
      host: hostname,
      port,
      ALPNProtocols: ['h2', 'http/1.1'],
      secureContext,
      rejectUnauthorized: settings.rejectUnauthorized,
      ...(servername ? { servername } : {}),
    });
    const secured = new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    // Node's http2 takes tens of ms to load, once per process: loaded once TCP is connected and the TLS
    // ClientHello is out, so the server's side of the handshake, and the network's, go on meanwhile.
    await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), secured]);
    const h2 = http2Module();
    await secured;
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy();
      return undefined;
    }
    const conn: Connection = {
      session: undefined as unknown as http2.ClientHttp2Session,
      socket,
      streams: new Set(),
      goawayLastStreamId: undefined,
      gone: false,
      cut: new WeakSet(),
      pingSentAt: undefined,
      bytesAtPing: 0,
      retired: false,
    };
    // Registered before the session's own listeners, which destroy the streams: which of them had not
    // received their end yet is only known now.
    const onGone = () => {
      if (conn.gone) return;
      conn.gone = true;
      for (const stream of conn.streams) if (!stream.closed) conn.cut.add(stream);
    };
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
    const session = h2.connect(origin, { createConnection: () => socket, settings: { initialWindowSize: STREAM_WINDOW } });
    conn.session = session;
    session.setLocalWindowSize(CONNECTION_WINDOW);
    session.on('error', () => undefined);
    session.on('goaway', (_code: number, lastStreamId: number) => {
      conn.goawayLastStreamId = Math.min(lastStreamId, conn.goawayLastStreamId ?? lastStreamId);
      if (current === conn) current = undefined;
    });
    // The health check: a connection that received nothing since the last look is pinged.
    let seen = socket.bytesRead;
    const check = () => {
      if (session.destroyed) return;
      if (socket.bytesRead === seen) probe(conn);
      seen = socket.bytesRead;
      health = clock.setTimer(check, READ_IDLE_MS);
    };
    let health = clock.setTimer(check, READ_IDLE_MS);
    session.once('close', () => {
      onGone();
      health.cancel();
      open.delete(conn);
      if (current === conn) current = undefined;
    });
    session.unref();
    open.add(conn);
    return conn;
  }

  /**
   * Pings the connection. It is lost if neither the reply nor any other byte arrived by the deadline; the
   * deadline is judged after one turn of the event loop, so a reply already waiting on the socket counts.
   */
  function probe(conn: Connection): void {
    const { session, socket } = conn;
    if (conn.pingSentAt !== undefined || session.destroyed || session.closed) return;
    conn.pingSentAt = clock.now();
    const before = (conn.bytesAtPing = socket.bytesRead);
    const done = () => {
      conn.pingSentAt = undefined;
      deadline.cancel();
    };
    const deadline = clock.setTimer(
      () =>
        setImmediate(() => {
          if (conn.pingSentAt === undefined || session.destroyed) return;
          done();
          if (socket.bytesRead !== before) return;
          session.destroy(new PingTimeoutError(`the connection to ${host} stopped answering (no HTTP/2 ping reply in ${PING_TIMEOUT_MS / 1000} s)`));
        }),
      PING_TIMEOUT_MS,
    );
    if (!session.ping(done)) done();
  }

  async function connection(signal: AbortSignal): Promise<Connection | undefined> {
    if (current && usable(current)) return current;
    if (current) retire(current);
    current = undefined;
    dialing ??= dial()
      .then((c) => (current = c))
      .finally(() => {
        dialing = undefined;
      });
    return untilAborted(dialing, signal);
  }

  /** One try on one connection. Throws UnprocessedError when trying again is safe. */
  async function attempt(conn: Connection, req: TransportRequest): Promise<TransportResponse> {
    const { session } = conn;
    // A flat name/value list: node:http2 copies a headers object first.
    const head = [':method', req.method, ':path', req.url.pathname + req.url.search];
    for (const name in req.headers) head.push(name, req.headers[name]!);
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(head, { endStream: req.body === undefined, signal: req.signal });
    } catch (err) {
      // A session that is closing takes no new stream (Node 22 throws here; 24 fails the stream): nothing went
      // out. Any other error (a header Node refuses) would fail again on every try.
      const code = (err as { code?: unknown }).code;
      if (code !== 'ERR_HTTP2_INVALID_SESSION' && code !== 'ERR_HTTP2_GOAWAY_SESSION') throw err;
      throw new UnprocessedError(`the connection to ${host} was closing`, { cause: err });
    }
    if (conn.streams.size === 0) session.ref();
    conn.streams.add(stream);
    let failure: Error | undefined;
    stream.on('error', (err: Error) => {
      failure ??= err;
    });
    // A request cancelled before its answer may be stuck on a dead connection: check it.
    const onAbort = () => probe(conn);
    req.signal.addEventListener('abort', onAbort, { once: true });
    let answered = false;
    const { headers, body } = await new Promise<{ headers: http2.IncomingHttpHeaders; body: Body }>((resolve, reject) => {
      stream.once('response', (headers) => {
        answered = true;
        req.signal.removeEventListener('abort', onAbort);
        // Read from the first byte on: Node drops a body that ended before anyone read it.
        const cutShort = () => conn.cut.has(stream) || (stream.rstCode ?? HTTP2_NO_ERROR) !== HTTP2_NO_ERROR;
        resolve({ headers, body: readBody(stream, req.signal, host, cutShort) });
      });
      stream.once('close', () => {
        conn.streams.delete(stream);
        if (!answered) {
          req.signal.removeEventListener('abort', onAbort);
          reject(req.signal.aborted ? req.signal.reason : unanswered(conn, stream, failure));
        }
        if (conn.streams.size > 0 || closing) return;
        session.unref();
        if (conn.retired && !session.closed) session.close();
      });
      if (req.body !== undefined) stream.end(req.body);
    });
    const status = Number(headers[':status']);
    return { status, statusText: statusText(status), headers: headersOf(headers), body: body.chunks, text: () => body.text() };
  }

  /** Why a stream closed before its answer, and whether it may be sent again. */
  function unanswered(conn: Connection, stream: http2.ClientHttp2Stream, err: Error | undefined): Error {
    const id = stream.id;
    const code = stream.rstCode;
    if (id === undefined) return new UnprocessedError(`the connection to ${host} closed before the request went out`, { cause: err });
    if (code === HTTP2_REFUSED_STREAM) return new UnprocessedError(`${host} refused the stream (REFUSED_STREAM)`, { cause: err });
    if (conn.goawayLastStreamId !== undefined && id > conn.goawayLastStreamId)
      return new UnprocessedError(`${host} is closing the connection (GOAWAY) and did not process the request`, { cause: err });
    if (code === HTTP2_PROTOCOL_ERROR && !conn.gone) return new UnprocessedError(`${host} reset the stream before answering (PROTOCOL_ERROR)`, { cause: err });
    if (err instanceof ConnectionLostError) return err;
    if (conn.gone || conn.session.destroyed) return connectionLost(host, 'the answer', err);
    return err ?? new Error(`${host} closed the stream without answering (HTTP/2 code ${code ?? '?'})`);
  }

  return {
    prepare() {
      http2Module();
    },
    async send(req) {
      for (let retry = 0; ; retry++) {
        if (other) return other.send(req);
        if (req.signal.aborted) throw req.signal.reason;
        const conn = await connection(req.signal);
        if (!conn) return useFallback().send(req);
        try {
          return await attempt(conn, req);
        } catch (err) {
          if (!(err instanceof UnprocessedError)) throw err;
          if (retry >= MAX_UNPROCESSED_RETRIES) throw new Error(`${err.message}, ${retry + 1} times`, { cause: err });
          // The first retry goes at once; later ones back off as Go's transport does, with 10% jitter.
          if (retry > 0) await clock.sleep(1000 * 2 ** (retry - 1) * (1 + Math.random() / 10), req.signal);
        }
      }
    },
    async close() {
      closing = true;
      await dialing?.catch(() => undefined);
      current = undefined;
      const closed = [...open].map(
        ({ session }) =>
          new Promise<void>((resolve) => {
            if (session.destroyed) return resolve();
            session.once('close', () => resolve());
            session.ref();
            session.close();
          }),
      );
      await Promise.all([...closed, other?.close()]);
      closing = false;
    },
  };
}

interface Body {
  chunks: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
}

/**
 * Reads a response body as it arrives, ahead of its consumer by up to BODY_READ_AHEAD. Ends only on the
 * server's end of stream; a stream cut off by its connection throws ConnectionLostError.
 */
export function readBody(stream: Readable, signal: AbortSignal, host: string, cutShort: () => boolean): Body {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    // Cleared before the call: text()'s waiter sets itself again when the body is not over yet.
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const lost = (err?: Error) => new ConnectionLostError(`the connection to ${host} broke before the end of the answer`, { cause: err });
  stream.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued > BODY_READ_AHEAD) stream.pause();
    notify();
  });
  stream.on('end', () => {
    ended = true;
    if (cutShort()) failure ??= lost();
    notify();
  });
  stream.on('error', (err: Error) => {
    failure ??= signal.aborted ? (signal.reason as Error) : err instanceof ConnectionLostError ? err : lost(err);
    notify();
  });
  stream.on('close', () => {
    if (!ended) failure ??= signal.aborted ? signal.reason : lost();
    notify();
  });
  let taken = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (taken) throw new Error('the body was already read');
    taken = true;
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        queued -= chunk.length;
        if (stream.isPaused() && queued <= BODY_READ_AHEAD / 2) stream.resume();
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return {
    chunks: { [Symbol.asyncIterator]: () => chunks() },
    // Each chunk is decoded as it arrives and dropped, so a large list never holds its raw bytes, their
    // concatenation and the decoded text at once (tens of MB at thousands of objects). Decoded in the
    // stream's own events, not through chunks(): no promise and no generator step per chunk.
    text() {
      if (taken) return Promise.reject(new Error('the body was already read'));
      taken = true;
      const decoder = new TextDecoder();
      const parts: string[] = [];
      return new Promise((resolve, reject) => {
        const drain = () => {
          for (let chunk = queue.shift(); chunk; chunk = queue.shift()) parts.push(decoder.decode(chunk, { stream: true }));
          queued = 0;
          if (stream.isPaused()) stream.resume();
          if (failure) reject(failure);
          else if (ended) resolve(parts.join('') + decoder.decode());
          else wake = drain;
        };
        drain();
      });
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
