/**
 * The HTTP/1.1 transport: Node's https client over keep-alive connections, for a client that sends one
 * request at a time (switching-transport.ts decides when). It exists for wall time: on one request, loading
 * node:http2 and setting up an HTTP/2 session (SETTINGS, window updates) cost more than multiplexing saves.
 * Measured on list-nodes, alternating with kubectl (see the commit that routed list-nodes here).
 *
 * Guarantees (the Transport contract of transport.ts), following Go's net/http transport as client-go uses
 * it for HTTP/1.1:
 * - One request at a time per connection; an idle connection is reused by the next request, concurrent
 *   requests open more (no limit, as in client-go). Idle connections do not keep the process alive.
 * - A replayable request (GET, HEAD, OPTIONS) that failed on a reused connection before any byte of its
 *   answer is sent again at once on another connection, up to MAX_UNPROCESSED_RETRIES times: the server
 *   closed the idle connection as it was being reused. Any other request whose connection broke after it
 *   connected fails with ConnectionLostError (the caller decides); one that never connected fails with the
 *   connect or TLS error as Node gives it (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE...).
 * - A request body always goes with its Content-Length, whatever the method (Node leaves it off a DELETE's).
 * - A body is either complete (Content-Length or chunked, as Node's parser judges) or its reader throws
 *   ConnectionLostError; aborting the signal cancels the request or its body with the signal's reason.
 * - close() waits for the requests in flight (each until its body closed, retries included), then destroys
 *   every connection: no socket or timer is left.
 *
 * Deliberate difference from Go: Go also resends a non-replayable request when it knows no byte of it was
 * written; Node does not say whether a reused socket's write reached the server, so such a request fails
 * with ConnectionLostError instead.
 */
import type { IncomingMessage } from 'node:http';
import type { Agent } from 'node:https';
import {
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

export interface Http1Transport extends Transport {
  /** Requests under way: from the send() call until the answer's body closed or the request failed, retries included. */
  readonly active: number;
}

export function http1Transport(origin: URL, settings: TlsSettings): Http1Transport {
  // Loaded here, not imported: the HTTP/2 transport's clients never need it.
  const https = process.getBuiltinModule('node:https');
  const host = origin.host;
  const { hostname, servername } = tlsNames(origin, settings);
  const agent: Agent = new https.Agent({
    keepAlive: true,
    secureContext: secureContextFor(settings),
    rejectUnauthorized: settings.rejectUnauthorized,
    ...(servername ? { servername } : {}),
  });
  /**
   * Settles when each send() under way has ended, answered (body closed) or failed. Counted per send(), not
   * per attempt: a retry after a stale connection is still in flight, so close() does not destroy its socket.
   */
  const inFlight = new Set<Promise<void>>();

  /** One try; `answered` runs when the answer's body closes. Throws UnprocessedError when trying again on another connection is safe. */
  function attempt(req: TransportRequest, answered: () => void): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const request = https.request({
        agent,
        method: req.method,
        host: hostname,
        port: Number(origin.port || 443),
        path: req.url.pathname + req.url.search,
        // Node frames a DELETE's body with no Content-Length (it uses chunked encoding by default only for
        // methods other than GET, HEAD, DELETE, OPTIONS, TRACE and CONNECT): the server would read the body as the next request.
        headers: req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
        ...(servername ? { servername } : {}),
      });
      // Aborting destroys the request, or the answer's body once it flows.
      const onAbort = () => request.destroy();
      req.signal.addEventListener('abort', onAbort, { once: true });
      if (req.signal.aborted) onAbort();
      const over = () => req.signal.removeEventListener('abort', onAbort);
      let connected = false;
      let responded = false;
      request.on('socket', (socket) => {
        if (request.reusedSocket) connected = true;
        else socket.once('secureConnect', () => (connected = true));
      });
      request.on('response', (res: IncomingMessage) => {
        responded = true;
        res.once('close', () => {
          over();
          answered();
        });
        const status = res.statusCode ?? 0;
        const body = readBody(res, req.signal, host, () => !res.complete);
        resolve({
          status,
          statusText: res.statusMessage || statusText(status),
          headers: headersOf(res.headers),
          body: body.chunks,
          text: () => body.text(),
        });
      });
      const unanswered = (err: Error | undefined) => {
        // After the answer began, a failure is the body's, which its reader reports.
        if (responded) return;
        over();
        if (req.signal.aborted) reject(req.signal.reason as Error);
        else if (request.reusedSocket && REPLAYABLE.has(req.method))
          reject(new UnprocessedError(`the reused connection to ${host} closed before the answer`, { cause: err }));
        else if (connected || !err)
          reject(new ConnectionLostError(`the connection to ${host} broke before the answer${err ? ` (${err.message})` : ''}`, { cause: err }));
        else reject(err);
      };
      request.on('error', unanswered);
      request.once('close', () => unanswered(undefined));
      request.end(req.body);
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
      agent.destroy();
    },
  };
}
