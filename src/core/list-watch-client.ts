/**
 * The ListerWatcher the machinery's reflector uses against a real API server: list and watch of one
 * resource (optionally in one namespace) over KubeClient. List items get their apiVersion and kind filled
 * in (the API omits them inside lists).
 *
 * Wire format: by default, for the kinds of client-go's scheme (the built-in types our protobuf schema
 * knows), it asks for protobuf with JSON as the fallback (`application/vnd.kubernetes.protobuf,
 * application/json`), as client-go's typed clients do; for any other kind (custom resources, and built-in
 * kinds outside client-go's scheme such as CustomResourceDefinition) JSON, as client-go's dynamic client
 * does. Each answer is decoded by the media type it came in, into the same objects either way
 * (src/core/protobuf), so the reflector above sees no difference, Status errors and ERROR events included. `wire: 'json'` asks for JSON only (what the watch
 * lesson shows). A JSON watch arrives line by line, a protobuf one as length-delimited frames; the trace's
 * chunk hook sees each JSON line, or one line describing each protobuf frame.
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
import { decodeWatchEvent, lengthDelimitedFrames } from './protobuf/watch-frames.ts';
import type { KubeObject, ListerWatcher, ListOptions, ListResult, WatchEvent, WatchOptions, WatchStream } from '../machinery/cache/list-watch.ts';
import type { ByteStream, KubeClient } from './client.ts';
import { groupVersion, resourcePath, type ResourceRef } from './resources.ts';

/** Protobuf preferred, JSON accepted: what client-go's typed clients send. */
const PROTOBUF_OR_JSON = `${PROTOBUF_MEDIA_TYPE}, application/json`;

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
  const accept = scope.wire !== 'json' && builtinSchema().forKind(apiVersion, ref.kind) !== undefined ? PROTOBUF_OR_JSON : 'application/json';
  return {
    async list(opts: ListOptions): Promise<ListResult<T>> {
      const res = await client.request<{ items?: T[]; metadata?: ListResult['metadata'] }>({
        path,
        accept,
        signal: opts.signal,
        query: {
          resourceVersion: opts.resourceVersion,
          resourceVersionMatch: opts.resourceVersionMatch,
          limit: opts.limit,
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
          watch: 1,
          resourceVersion: opts.resourceVersion,
          resourceVersionMatch: opts.resourceVersionMatch,
          allowWatchBookmarks: opts.allowWatchBookmarks,
          sendInitialEvents: opts.sendInitialEvents,
          timeoutSeconds: opts.timeoutSeconds,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
        },
      };
      if (request.accept !== PROTOBUF_OR_JSON) return jsonEvents<T>(await client.stream(request), path);
      const stream = await client.openStream(request);
      if (stream.mediaType === PROTOBUF_MEDIA_TYPE) return protobufEvents<T>(client, stream, path);
      return jsonEvents<T>(client.lines(stream), path);
    },
  };
}

function jsonEvents<T extends KubeObject>(lines: AsyncIterable<string> & { close(): void }, path: string): WatchStream<T> {
  async function* events(): AsyncGenerator<WatchEvent<T>> {
    for await (const line of lines) {
      let event: WatchEvent<T>;
      try {
        event = JSON.parse(line) as WatchEvent<T>;
      } catch {
        throw new WatchDecodeError(`malformed watch event from ${path}: ${line.slice(0, 120)}`);
      }
      yield event;
    }
  }
  const iterator = events();
  return { [Symbol.asyncIterator]: () => iterator, close: () => lines.close() };
}

function protobufEvents<T extends KubeObject>(client: KubeClient, stream: ByteStream, path: string): WatchStream<T> {
  async function* events(): AsyncGenerator<WatchEvent<T>> {
    try {
      for await (const frame of lengthDelimitedFrames(stream)) {
        const event = decodeWatchEvent(frame) as WatchEvent<T>;
        client.hooks.chunk?.(describeFrame(event, frame.length));
        yield event;
      }
    } catch (err) {
      if (err instanceof Error && err.name === 'ProtobufDecodeError')
        throw new WatchDecodeError(`malformed protobuf watch stream from ${path}: ${err.message}`);
      throw err;
    }
  }
  const iterator = events();
  return { [Symbol.asyncIterator]: () => iterator, close: () => stream.close() };
}

/** The trace's line for a protobuf frame, which has no text of its own. */
function describeFrame(event: WatchEvent, bytes: number): string {
  const o = event.object;
  const name = o.metadata?.name ? ` ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}` : '';
  const rv = o.metadata?.resourceVersion ? ` resourceVersion=${o.metadata.resourceVersion}` : '';
  return `[protobuf frame, ${bytes} bytes] ${event.type} ${o.apiVersion ?? ''} ${o.kind ?? ''}${name}${rv}`;
}
