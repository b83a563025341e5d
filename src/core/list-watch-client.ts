/**
 * The ListerWatcher the machinery's reflector uses against a real API server: list and watch of one
 * resource (optionally in one namespace) over KubeClient. Watch events arrive line by line as the server
 * streams them; list items get their apiVersion and kind filled in (the API omits them inside lists).
 */
import { WatchDecodeError } from '../machinery/cache/list-watch.ts';
import type { KubeObject, ListerWatcher, ListOptions, ListResult, WatchEvent, WatchOptions, WatchStream } from '../machinery/cache/list-watch.ts';
import type { KubeClient } from './client.ts';
import { groupVersion, resourcePath, type ResourceRef } from './resources.ts';

export function listerWatcherFor<T extends KubeObject = KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  scope: { namespace?: string | undefined } = {},
): ListerWatcher<T> {
  const path = resourcePath(ref, { namespace: ref.namespaced ? scope.namespace : undefined });
  const apiVersion = groupVersion(ref);
  return {
    async list(opts: ListOptions): Promise<ListResult<T>> {
      const res = await client.request<{ items?: T[]; metadata?: ListResult['metadata'] }>({
        path,
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
      const lines = await client.stream({
        path,
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
      });
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
    },
  };
}
