/**
 * Which protocol a client's requests go over. A client starts on HTTP/1.1 (http1-transport.ts) and moves to
 * HTTP/2 (transport.ts) for good at the first request that opens a stream (a watch), at the first request
 * sent while another is still under way (its answer's body included), or when its owner says it will do
 * either (preferHttp2: informers, controllers, discovery). A command that sends one request, or a few in a
 * row, so never loads node:http2 nor sets up an HTTP/2 session: measured on `list-nodes`, that is most of
 * what separated it from `kubectl get nodes` in wall time. Everything long-lived or concurrent still shares
 * one HTTP/2 connection.
 *
 * Guarantees: a request is sent over exactly one of the two transports, chosen when it is sent; once moved,
 * every later request goes over HTTP/2 and the HTTP/1.1 connections close when their last request ends (a
 * request under way there finishes undisturbed); close() closes both.
 *
 * Deliberate difference from client-go (and kubectl), which speak HTTP/2 from the first request on: for one
 * request, HTTP/2's connection set-up and Node's http2 module cost more than multiplexing saves.
 */
import type { Http1Transport } from './http1-transport.ts';
import type { Transport } from './transport.ts';

export type Protocol = 'HTTP/1.1' | 'HTTP/2';

export interface SwitchingTransport extends Transport {
  /** The protocol the next request goes over. */
  readonly protocol: Protocol;
  /** Moves to HTTP/2 for every later request: the owner will watch or send requests at once. */
  preferHttp2(): void;
  /** Builds the transport the next request goes over, and lets it load its protocol's module; connects nothing. */
  prepare(): void;
}

/** Made on first use, each: a client that stays on HTTP/1.1 never builds the HTTP/2 transport, nor the reverse. */
export function switchingTransport(http1: () => Http1Transport, http2: () => Transport, start: Protocol = 'HTTP/1.1'): SwitchingTransport {
  let protocol = start;
  let one: Http1Transport | undefined;
  let two: Transport | undefined;

  const move = () => {
    if (protocol === 'HTTP/2') return;
    protocol = 'HTTP/2';
    // Requests under way there finish first.
    void one?.close().catch(() => undefined);
  };

  return {
    get protocol() {
      return protocol;
    },
    preferHttp2: move,
    prepare() {
      if (protocol === 'HTTP/2') (two ??= http2()).prepare?.();
      else one ??= http1();
    },
    async send(req) {
      // The HTTP/1.1 transport counts a request from its send() call until its body closed, retries included.
      if (req.stream || (one?.active ?? 0) > 0) move();
      if (protocol === 'HTTP/2') return (two ??= http2()).send(req);
      return (one ??= http1()).send(req);
    },
    async close() {
      await Promise.all([one?.close(), two?.close()]);
    },
  };
}
