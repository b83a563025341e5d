/** Wiring the machinery's informers to a real cluster for tests, and recording what handlers see. */
import type { KubeClient } from '../../src/core/client.ts';
import { listerWatcherFor } from '../../src/core/list-watch-client.ts';
import { SharedInformerFactory, type SharedInformerFactoryOptions } from '../../src/machinery/cache/informer-factory.ts';
import { DeletedFinalStateUnknown } from '../../src/machinery/cache/keys.ts';
import type { KubeObject } from '../../src/machinery/cache/list-watch.ts';

export function factoryFor(client: KubeClient, options: SharedInformerFactoryOptions = {}): SharedInformerFactory {
  return new SharedInformerFactory((resource, ctx) => listerWatcherFor(client, resource, ctx), options);
}

export interface Seen {
  type: 'add' | 'update' | 'delete';
  key: string;
  rv: string;
  oldRv?: string;
  tombstone?: boolean;
  labels?: Record<string, string>;
}

export function keyOf(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** A handler that appends every notification to `seen`, per object key. */
export function recordingHandler(seen: Seen[]) {
  return {
    onAdd: (o: KubeObject) => void seen.push({ type: 'add', key: keyOf(o), rv: o.metadata!.resourceVersion!, labels: o.metadata?.labels ?? {} }),
    onUpdate: (old: KubeObject, o: KubeObject) =>
      void seen.push({
        type: 'update',
        key: keyOf(o),
        rv: o.metadata!.resourceVersion!,
        oldRv: old.metadata!.resourceVersion!,
        labels: o.metadata?.labels ?? {},
      }),
    onDelete: (o: KubeObject | DeletedFinalStateUnknown<KubeObject>) => {
      if (o instanceof DeletedFinalStateUnknown) {
        const [ns, name] = o.key.includes('/') ? o.key.split('/') : ['', o.key];
        seen.push({ type: 'delete', key: `${ns}/${name}`, rv: o.obj?.metadata?.resourceVersion ?? '', tombstone: true });
      } else seen.push({ type: 'delete', key: keyOf(o), rv: o.metadata!.resourceVersion! });
    },
  };
}

/** Cache contents as key -> resourceVersion. */
export function cacheState(objects: KubeObject[]): Map<string, string> {
  return new Map(objects.map((o) => [keyOf(o), o.metadata!.resourceVersion!]));
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
