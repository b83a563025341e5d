/**
 * The ListerWatcher the machinery's reflector uses against a real API server: list and watch of one
 * resource (optionally in one namespace) over KubeClient. List items get their apiVersion and kind filled
 * in (the API omits them inside lists).
 *
 * Wire format: by default, for the kinds of client-go's scheme (the built-in types our protobuf schema
 * knows), it asks for protobuf with JSON as the fallback (`application/vnd.kubernetes.protobuf,application/json`),
 * as client-go's typed clients do; for any other kind (custom resources, and built-in kinds outside
 * client-go's scheme such as CustomResourceDefinition) JSON, as client-go's dynamic client does. Each answer
 * is decoded by the media type it came in, into the same objects either way (src/core/protobuf), so the
 * reflector above sees no difference, Status errors and ERROR events included. `wire: 'json'` asks for JSON
 * only (what the watch lesson shows). A JSON watch arrives line by line, a protobuf one as length-delimited
 * frames; the trace's chunk hook sees each JSON line, or one line describing each protobuf frame.
 *
 * Requests are written as client-go writes them: ListOptions' omitempty fields left out when zero (limit 0,
 * allowWatchBookmarks false), watch=true, and for a kind of client-go's scheme the typed client's `timeout`
 * next to timeoutSeconds; KubeClient sorts and escapes the query as Go does.
 *
 * A watch stream ends (its iterator returns) when the body ends, also in the middle of an event, as
 * client-go's watch ends on an unexpected EOF; close() ends it the same way. It throws WatchDecodeError, where
 * client-go's watch ends with a decoding ERROR (500 InternalError), for bytes that are not an event: malformed
 * JSON or protobuf, a type other than ADDED, MODIFIED, DELETED, BOOKMARK and ERROR, an object missing or
 * naming no kind, a protobuf frame over 16 MiB; and for a connection closed because it stopped answering
 * pings (client-go: "http2: client connection lost"). A reset or otherwise broken connection is thrown as the
 * transport reports it, for the reflector to resume. ERROR events are passed on as they came.
 * Deliberate differences: a watch whose signal aborts throws the signal's reason (client-go's delivers an
 * ERROR 500 "context canceled", then closes; the caller stopped it, and the reflector tells so by its own
 * signal); a stream the server resets (RST_STREAM) mid-body is thrown as a broken connection, where
 * client-go's watch ends with an error (left unconfirmed: the API server does not reset a watch it serves);
 * a JSON watch is read line by line (the API server writes one event a line; client-go's framer would also
 * take one spread over lines), and text after the last newline that does not parse ends the watch cleanly
 * whether it was an event cut off or not JSON at all; an oversized protobuf frame is refused from its length
 * prefix, before its bytes arrive.
 *
 * The choice is made, and for protobuf the schema read and the kind's messages compiled, when the
 * lister-watcher is made, with the decoder loaded alongside this module: as client-go's codecs are
 * registered at init and its typed client built before the informer starts, the first list pays only for
 * the request and the decoding.
 */
import { WatchDecodeError } from '../machinery/cache/list-watch.ts';
import { PROTOBUF_MEDIA_TYPE } from './protobuf/media-type.ts';
// Loaded with this module: the decoder KubeClient.request imports on the first protobuf answer.
import './protobuf/object-stream.ts';
import { builtinSchema } from './protobuf/schema.ts';
import { formatDuration } from './protobuf/json-forms.ts';
import { decodeWatchEvent, lengthDelimitedFrames, TruncatedFrameError } from './protobuf/watch-frames.ts';
import type { KubeObject, ListerWatcher, ListOptions, ListResult, WatchEvent, WatchOptions, WatchStream } from '../machinery/cache/list-watch.ts';
import type { ByteStream, KubeClient } from './client.ts';
import { PingTimeoutError } from './transport.ts';
import { groupVersion, resourcePath, type ResourceRef } from './resources.ts';

/** Protobuf preferred, JSON accepted: what client-go's typed clients send. */
const PROTOBUF_OR_JSON = `${PROTOBUF_MEDIA_TYPE},application/json`;

export interface ListerWatcherOptions {
  namespace?: string | undefined;
  /** 'protobuf' (default): protobuf where the server offers it, else JSON. 'json': JSON only. */
  wire?: 'protobuf' | 'json' | undefined;
}

export function listerWatcherFor<T extends KubeObject = KubeObject>(client: KubeClient, ref: ResourceRef, scope: ListerWatcherOptions = {}): ListerWatcher<T> {
  // A list is followed by a watch: both go on the one HTTP/2 connection from the start.
  client.preferHttp2();
  const path = resourcePath(ref, { namespace: ref.namespaced ? scope.namespace : undefined });
  const apiVersion = groupVersion(ref);
  // A kind of client-go's scheme is what a typed client would list and watch; any other, its dynamic client.
  const typed = builtinSchema().forKind(apiVersion, ref.kind) !== undefined;
  const accept = scope.wire !== 'json' && typed ? PROTOBUF_OR_JSON : 'application/json';
  return {
    async list(opts: ListOptions): Promise<ListResult<T>> {
      const res = await client.request<{ items?: T[]; metadata?: ListResult['metadata'] }>({
        path,
        accept,
        signal: opts.signal,
        query: {
          resourceVersion: opts.resourceVersion,
          resourceVersionMatch: opts.resourceVersionMatch,
          // Left out when 0, as ListOptions' omitempty fields are.
          limit: opts.limit || undefined,
          continue: opts.continue,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
        },
      });
      const items = res.body.items ?? [];
      for (const item of items) {
        item.apiVersion ??= apiVersion;
        item.kind ??= ref.kind;
      }
      return { items, metadata: res.body.metadata ?? {} };
    },

    async watch(opts: WatchOptions): Promise<WatchStream<T>> {
      const request = {
        path,
        accept,
        signal: opts.signal,
        query: {
          watch: true,
          resourceVersion: opts.resourceVersion,
          resourceVersionMatch: opts.resourceVersionMatch,
          // false is left out (omitempty); sendInitialEvents=false is sent (a pointer in ListOptions).
          allowWatchBookmarks: opts.allowWatchBookmarks || undefined,
          sendInitialEvents: opts.sendInitialEvents,
          timeoutSeconds: opts.timeoutSeconds,
          // A typed client's Watch also sets the request's timeout, which the URL carries as a Go duration.
          timeout: typed && opts.timeoutSeconds ? formatDuration(BigInt(Math.trunc(opts.timeoutSeconds)) * 1_000_000_000n) : undefined,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
        },
      };
      const stream = await client.openStream(request);
      if (request.accept === PROTOBUF_OR_JSON && stream.mediaType === PROTOBUF_MEDIA_TYPE) return protobufEvents<T>(client, stream, path);
      return jsonEvents<T>(client, stream, path);
    },
  };
}

function jsonEvents<T extends KubeObject>(client: KubeClient, stream: ByteStream, path: string): WatchStream<T> {
  let tail: string | undefined;
  const lines = client.lines(stream, { onUnterminated: (text) => (tail = text) });
  const parse = (line: string): WatchEvent<T> => {
    try {
      return checkedEvent<T>(JSON.parse(line), path);
    } catch (err) {
      if (err instanceof WatchDecodeError) throw err;
      // Not the line itself: it may hold a Secret's data.
      throw new WatchDecodeError(`malformed watch event from ${path} (a line of ${line.length} characters that is not JSON)`);
    }
  };
  async function* events(): AsyncGenerator<WatchEvent<T>> {
    try {
      for await (const line of lines) yield parse(line);
    } catch (err) {
      throw readError(err, path);
    }
    if (tail === undefined) return;
    // The body ended without a newline. A whole event there still counts; the rest of one cut off is the
    // stream's end, as client-go's JSON framer reports an unexpected EOF, which its watch takes for a close.
    let value: unknown;
    try {
      value = JSON.parse(tail);
    } catch {
      return;
    }
    yield checkedEvent<T>(value, path);
  }
  const iterator = events();
  return { [Symbol.asyncIterator]: () => iterator, close: () => lines.close() };
}

function protobufEvents<T extends KubeObject>(client: KubeClient, stream: ByteStream, path: string): WatchStream<T> {
  async function* events(): AsyncGenerator<WatchEvent<T>> {
    try {
      for await (const frame of lengthDelimitedFrames(stream)) {
        const event = checkedEvent<T>(decodeWatchEvent(frame), path);
        client.hooks.chunk?.(describeFrame(event, frame.length));
        yield event;
      }
    } catch (err) {
      // A frame cut off by the end of the body ends the watch as a close would (client-go: unexpected EOF).
      if (err instanceof TruncatedFrameError) return;
      if (err instanceof Error && err.name === 'ProtobufDecodeError')
        throw new WatchDecodeError(`malformed protobuf watch stream from ${path}: ${err.message}`);
      throw readError(err, path);
    }
  }
  const iterator = events();
  return { [Symbol.asyncIterator]: () => iterator, close: () => stream.close() };
}

/**
 * What a failed read of the stream becomes. client-go's watch takes an EOF, a reset or a timeout for the
 * stream's end and any other failure for an undecodable event; of the ways our transports fail a stream, only
 * a connection closed for not answering its ping is of the second kind ("http2: client connection lost").
 */
function readError(err: unknown, path: string): unknown {
  return err instanceof PingTimeoutError ? new WatchDecodeError(`watch stream from ${path} lost: ${err.message}`) : err;
}

/** The event types client-go's watch decoder accepts; any other ends its watch with a decode error. */
const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * A decoded event as client-go would take it: one of the five types, with an object that names its kind
 * (its decoders refuse an object without one). Anything else is a WatchDecodeError, which ends the watch.
 */
function checkedEvent<T extends KubeObject>(value: unknown, path: string): WatchEvent<T> {
  const event = value as { type?: unknown; object?: unknown } | null;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new WatchDecodeError(`watch event from ${path} is not an object`);
  if (typeof event.type !== 'string' || !EVENT_TYPES.has(event.type))
    throw new WatchDecodeError(`watch event from ${path} has an invalid type: ${JSON.stringify(event.type)?.slice(0, 40)}`);
  const object = event.object as { kind?: unknown } | null | undefined;
  if (typeof object !== 'object' || object === null || Array.isArray(object) || typeof object.kind !== 'string' || object.kind === '')
    throw new WatchDecodeError(`${event.type} watch event from ${path} has no object naming its kind`);
  return event as WatchEvent<T>;
}

/** The trace's line for a protobuf frame, which has no text of its own. */
function describeFrame(event: WatchEvent, bytes: number): string {
  const o = event.object;
  const name = o.metadata?.name ? ` ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}` : '';
  const rv = o.metadata?.resourceVersion ? ` resourceVersion=${o.metadata.resourceVersion}` : '';
  return `[protobuf frame, ${bytes} bytes] ${event.type} ${o.apiVersion ?? ''} ${o.kind ?? ''}${name}${rv}`;
}
