/**
 * The HTTP/1.1 transport: its own client over a pool of TLS connections (tls.connect), for a client that
 * sends one request at a time (switching-transport.ts decides when). It exists for wall time: on one request,
 * loading node:http2 and setting up an HTTP/2 session (SETTINGS, window updates) cost more than multiplexing
 * saves; and node:https (with node:http's server, agent and parser modules) plus its ClientRequest and
 * IncomingMessage cost a one-request command ~6 ms more than writing the request head by hand and reading
 * the answer with http1-response-parser.ts. Measured on list-nodes, alternating with kubectl (see the commits
 * that routed list-nodes here and that replaced node:https).
 *
 * Guarantees (the Transport contract of transport.ts), following Go's net/http transport as client-go uses
 * it for HTTP/1.1:
 * - One request at a time per connection; the idle connection used last is reused by the next request
 *   (Go's idle list is LIFO too), concurrent requests open more (no limit, as in client-go). Idle
 *   connections do not keep the process alive. A connection goes when the answer says so (Connection:
 *   close, a body read to the connection's end, Content-Length beside chunked) or the server closes it.
 * - A replayable request (GET, HEAD, OPTIONS) that failed on a reused connection before any byte of its
 *   answer is sent again at once on another connection, up to MAX_UNPROCESSED_RETRIES times: the server
 *   closed the idle connection as it was being reused (as Go does). Any other request whose connection broke
 *   after it connected fails with ConnectionLostError (the caller decides); one that never connected fails
 *   with the connect or TLS error as Node gives it (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE,
 *   ERR_TLS_CERT_ALTNAME_INVALID...). A malformed answer closes its connection: before its head is whole the
 *   request fails with Http1ParseError, after it the body's reader throws ConnectionLostError naming it.
 * - The request head carries Host, the caller's headers, and Content-Length whenever there is a body,
 *   whatever the method; a method or header name that is not an HTTP token, or a header value with a character
 *   outside tab, space, visible ASCII and latin1's upper half, is refused before anything is sent.
 * - A body is either complete (as its framing says) or its reader throws ConnectionLostError; it is read as
 *   it arrives, ahead of its reader by at most readBody's read-ahead (the socket pauses beyond it). Aborting
 *   the signal cancels the request or its body with the signal's reason, and closes the connection.
 * - close() waits for the requests in flight (each until its body closed, retries included), then destroys
 *   every connection: no socket or timer is left.
 *
 * Deliberate differences from Go: Go also resends a non-replayable request when it knows no byte of it was
 * written; a TLS socket does not say whether its write reached the server, so such a request fails with
 * ConnectionLostError instead. TCP keep-alive probes start after 1 s idle (Node's agent's default), not Go's 30 s.
 */
import { Readable } from 'node:stream';
import tls, { type TLSSocket } from 'node:tls';
import { Http1ParseError, Http1ResponseParser, isHttpToken, type ResponseEvent, type ResponseHead } from './http1-response-parser.ts';
import {
  connectionLost,
  ConnectionLostError,
  headersOf,
  MAX_UNPROCESSED_RETRIES,
  readBody,
  secureContextFor,
  tlsNames,
  UnprocessedError,
  type TlsSettings,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport.ts';
import { statusText } from './status-text.ts';

/** Methods Go's transport counts as replayable (net/http's isReplayable, without an Idempotency-Key). */
const REPLAYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Node's agent's keep-alive delay. */
const TCP_KEEPALIVE_MS = 1000;
/**
 * What a header value may hold (Node's rule): tab, visible ASCII, space and latin1's upper half. Anything else
 * is refused, not just CR, LF and NUL: the head is written as latin1, one byte a character, so U+010D would
 * leave as a CR.
 */
const UNSAFE_IN_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export interface Http1Transport extends Transport {
  /** Requests under way: from the send() call until the answer's body closed or the request failed, retries included. */
  readonly active: number;
}

/** One TLS connection, and the exchange it carries now (none while idle). */
interface Connection {
  socket: TLSSocket;
  /** The TLS handshake completed: a failure from here on may come after the request went out. */
  secure: boolean;
  /** What the socket reports to the exchange under way. */
  onData: ((chunk: Buffer) => void) | undefined;
  onGone: ((err: Error | undefined) => void) | undefined;
  error: Error | undefined;
}

export function http1Transport(origin: URL, settings: TlsSettings): Http1Transport {
  const host = origin.host;
  const port = Number(origin.port || 443);
  const { hostname, servername } = tlsNames(origin, settings);
  const secureContext = secureContextFor(settings);
  /** Idle connections, the last one freed at the end. */
  const idle: Connection[] = [];
  /** Every connection not yet closed, idle or busy. */
  const open = new Set<Connection>();
  /**
   * Settles when each send() under way has ended, answered (body closed) or failed. Counted per send(), not
   * per attempt: a retry after a stale connection is still in flight, so close() does not destroy its socket.
   */
  const inFlight = new Set<Promise<void>>();
  /** The server's last TLS session ticket: a new connection resumes it (a shorter handshake), as Node's agent did. */
  let session: Buffer | undefined;

  function dial(): Connection {
    const socket = tls.connect({
      host: hostname,
      port,
      secureContext,
      rejectUnauthorized: settings.rejectUnauthorized,
      ...(servername ? { servername } : {}),
      ...(session ? { session } : {}),
    });
    const conn: Connection = { socket, secure: false, onData: undefined, onGone: undefined, error: undefined };
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    socket.once('secureConnect', () => (conn.secure = true));
    socket.on('session', (ticket: Buffer) => (session = ticket));
    socket.on('data', (chunk: Buffer) => {
      if (conn.onData) conn.onData(chunk);
      // Nothing was asked on an idle connection: whatever comes makes it unusable.
      else socket.destroy();
    });
    socket.on('error', (err: Error) => {
      conn.error ??= err;
      // A handshake that failed may have failed on the resumed session: the next connection starts afresh.
      if (!conn.secure) session = undefined;
    });
    socket.once('close', () => {
      open.delete(conn);
      const at = idle.indexOf(conn);
      if (at >= 0) idle.splice(at, 1);
      conn.onGone?.(conn.error);
    });
    open.add(conn);
    return conn;
  }

  /** An idle connection still open (the last freed), or undefined. */
  function reuse(): Connection | undefined {
    for (let conn = idle.pop(); conn; conn = idle.pop()) if (!conn.socket.destroyed && conn.socket.writable) return conn;
    return undefined;
  }

  function release(conn: Connection, reusable: boolean): void {
    conn.onData = conn.onGone = undefined;
    if (!reusable || conn.socket.destroyed) return void conn.socket.destroy();
    // Paused by a body's read-ahead maybe: an idle connection must still hear the server close it.
    conn.socket.resume();
    conn.socket.unref();
    idle.push(conn);
  }

  /** The request's head; throws, before anything is sent, on a method, header name or value that could break out of its place. */
  function requestHead(req: TransportRequest, body: Buffer | undefined): string {
    // Node's codes for the same refusals: the error funnel (errors.ts) knows them.
    if (!isHttpToken(req.method))
      throw Object.assign(new TypeError(`the request method ${JSON.stringify(req.method.slice(0, 40))} is not an HTTP token`), {
        code: 'ERR_INVALID_HTTP_TOKEN',
      });
    // The URL's serialisation percent-encodes anything else a path or query could not hold.
    let head = `${req.method} ${req.url.pathname}${req.url.search} HTTP/1.1\r\nHost: ${host}\r\n`;
    for (const [name, value] of Object.entries(req.headers)) {
      // The value is never shown: it may be a credential.
      if (!isHttpToken(name))
        throw Object.assign(new TypeError(`the request header name ${JSON.stringify(name.slice(0, 40))} is not an HTTP token`), {
          code: 'ERR_INVALID_HTTP_TOKEN',
        });
      if (UNSAFE_IN_HEADER_VALUE.test(value))
        throw Object.assign(new TypeError(`the request header ${JSON.stringify(name)} holds a character a header may not`), { code: 'ERR_INVALID_CHAR' });
      head += `${name}: ${value}\r\n`;
    }
    if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
    return `${head}\r\n`;
  }

  /** One try; `answered` runs when the answer's body closes. Throws UnprocessedError when trying again on another connection is safe. */
  function attempt(req: TransportRequest, answered: () => void): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const body = req.body === undefined ? undefined : Buffer.from(req.body);
      const head = requestHead(req, body);
      const reused = reuse();
      const conn = reused ?? dial();
      const { socket } = conn;
      socket.ref();
      const parser = new Http1ResponseParser(req.method);
      let heard = false;
      /** The whole request left: only then may the connection carry another (an early answer may leave part of it unsent). */
      let written = false;
      /** The answer's body, once its head came. */
      let stream: Readable | undefined;

      // Before the answer's end the connection goes with the request; after it, it may carry another.
      const onAbort = () => (parser.complete ? stream?.destroy(req.signal.reason as Error) : socket.destroy());
      req.signal.addEventListener('abort', onAbort, { once: true });
      const over = () => req.signal.removeEventListener('abort', onAbort);

      const respond = (h: ResponseHead) => {
        stream = new Readable({ read: () => void (parser.complete || socket.resume()) });
        stream.once('close', () => {
          over();
          answered();
        });
        const res = readBody(stream, req.signal, host, () => false);
        resolve({
          status: h.status,
          statusText: h.reason || statusText(h.status),
          headers: headersOf(h.headers),
          body: res.chunks,
          text: () => res.text(),
        });
      };
      const deliver = (events: ResponseEvent[]) => {
        for (const e of events) {
          if (e.type === 'head') respond(e.head);
          // Read-ahead is readBody's: past the stream's own buffer, the socket waits.
          else if (e.type === 'body') {
            if (!stream!.push(e.chunk)) socket.pause();
          } else if (e.type === 'end') {
            release(conn, parser.reusable && written);
            stream!.push(null);
          } else {
            // A malformed answer: the connection's bytes cannot be trusted further.
            conn.error ??= e.error;
            socket.destroy();
          }
        }
      };
      conn.onData = (chunk) => {
        heard = true;
        deliver(parser.push(chunk));
      };
      conn.onGone = (err) => {
        // Only the server's own end completes a body read until then: not an error, nor our abort's destroy().
        if (!err && !req.signal.aborted) deliver(parser.eof());
        if (parser.complete) return;
        over();
        if (stream) stream.destroy(req.signal.aborted ? (req.signal.reason as Error) : connectionLost(host, 'the end of the answer', err));
        else if (req.signal.aborted) reject(req.signal.reason as Error);
        else if (err instanceof Http1ParseError) reject(err);
        else if (reused && !heard && REPLAYABLE.has(req.method))
          reject(new UnprocessedError(`the reused connection to ${host} closed before the answer`, { cause: err }));
        else if (conn.secure || !err) reject(connectionLost(host, 'the answer', err));
        else reject(err);
      };
      if (req.signal.aborted) return onAbort();
      // One write, so head and body leave in one TLS record when they fit. Header bytes are latin1, as Node writes them.
      socket.write(body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]), () => (written = true));
    });
  }

  return {
    get active() {
      return inFlight.size;
    },
    async send(req) {
      // Counted synchronously, before the first await: a request sent next sees this one under way.
      let ended!: () => void;
      const done = new Promise<void>((r) => (ended = r));
      inFlight.add(done);
      const finish = () => {
        inFlight.delete(done);
        ended();
      };
      try {
        for (let retry = 0; ; retry++) {
          if (req.signal.aborted) throw req.signal.reason;
          try {
            return await attempt(req, finish);
          } catch (err) {
            if (!(err instanceof UnprocessedError)) throw err;
            if (retry >= MAX_UNPROCESSED_RETRIES) throw new ConnectionLostError(`${err.message}, ${retry + 1} times`, { cause: err });
          }
        }
      } catch (err) {
        finish();
        throw err;
      }
    },
    async close() {
      await Promise.all(inFlight);
      for (const conn of open) conn.socket.destroy();
    },
  };
}
