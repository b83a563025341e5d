/**
 * SharedInformerFactory: hands out one shared informer per resource, so every controller in a process
 * watching pods shares a single watch and a single cache. It knows nothing about HTTP: a function given
 * to it turns a resource into a ListerWatcher.
 */
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import { metaNamespaceIndexFunc, namespaceIndex } from './indexer.ts';
import type { KubeObject, ListerWatcher, ListOptions, WatchOptions } from './list-watch.ts';
import { Lister } from './lister.ts';
import { SharedIndexInformer } from './shared-informer.ts';
import type { SharedIndexInformerOptions } from './shared-informer.ts';
import { waitFor } from './done-checker.ts';

/** Which API resource an informer is for. */
export interface ResourceDescriptor {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name as in the URL: 'pods', 'deployments'. */
  resource: string;
  namespaced: boolean;
  /** The kind its objects carry: 'Pod'. */
  kind: string;
}

/** The resource as its API path reads: 'v1/pods', 'apps/v1/deployments'. Identifies informers in a factory. */
export function resourceId(r: Pick<ResourceDescriptor, 'group' | 'version' | 'resource'>): string {
  return r.group ? `${r.group}/${r.version}/${r.resource}` : `${r.version}/${r.resource}`;
}

/** What the factory tells the transport beyond the resource. Selectors are not here: the factory applies them. */
export interface ListerWatcherContext {
  /** Set only for namespaced resources when the factory is limited to one namespace. */
  namespace?: string;
}

/** Builds the transport for one resource (e.g. over @kubernetes/client-node). */
export type ListerWatcherFactory = (resource: ResourceDescriptor, context: ListerWatcherContext) => ListerWatcher<KubeObject>;

/** Adjusts every list and watch request (typically sets labelSelector / fieldSelector). Mutates its argument. */
export type TweakListOptions = (options: ListOptions | WatchOptions) => void;

/** Factory settings, applied to every informer it makes. */
export interface SharedInformerFactoryOptions {
  /** Watch one namespace only (namespaced resources). Default: all namespaces. */
  namespace?: string;
  tweakListOptions?: TweakListOptions;
  /** Resync period of informers without a custom one (ms). Default 0: no resync. */
  defaultResyncMs?: number;
  /** Resync periods by resourceId ('apps/v1/deployments'). */
  customResync?: Record<string, number>;
  /** Set on every informer before it starts. */
  transform?: (obj: KubeObject) => KubeObject;
  clock?: Clock;
  tracer?: Tracer;
  /** Passed to every informer's reflector (idle timeout, page size, backoff...). */
  reflector?: SharedIndexInformerOptions<KubeObject>['reflector'];
  /** The queue of every informer: 'real' (default, as client-go 1.36) or 'delta' (as the articles). */
  fifo?: SharedIndexInformerOptions<KubeObject>['fifo'];
  realFIFO?: SharedIndexInformerOptions<KubeObject>['realFIFO'];
}

/**
 * client-go's SharedInformerFactory.
 *
 * Guarantees:
 * - `informerFor` returns the same informer for the same group/version/resource however often asked;
 *   its cache has the namespace index;
 * - `start` does not block and starts only informers not started before (call it again after asking for
 *   more informers); after `shutdown` it does nothing;
 * - `waitForCacheSync` reports, per resourceId, whether each started informer synced before the signal; it
 *   waits on each informer's hasSyncedChecker() and so returns as soon as the last one synced (client-go
 *   v0.36 factory.go: WaitFor over HasSyncedChecker, no polling);
 * - `shutdown` stops every informer the factory started (whatever signal they were started with) and
 *   resolves once all have stopped.
 *
 * Deliberate difference: client-go's Shutdown stops nothing; it only makes Start a no-op and blocks until the
 * informers stop, which they do only when the contexts they were started with are cancelled (called
 * before those are cancelled, it waits for that). Ours stops them itself, so a caller may shut down on
 * any path, including an error before its own signal aborted (src/controllers/foo/main.ts and
 * src/examples/informer.ts do).
 */
export class SharedInformerFactory {
  private readonly newListerWatcher: ListerWatcherFactory;
  private readonly options: SharedInformerFactoryOptions;
  private readonly clock: Clock;
  private readonly informers = new Map<string, SharedIndexInformer<KubeObject>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly shutdownController = new AbortController();
  private shuttingDown = false;

  constructor(newListerWatcher: ListerWatcherFactory, options: SharedInformerFactoryOptions = {}) {
    this.newListerWatcher = newListerWatcher;
    this.options = options;
    this.clock = options.clock ?? realClock;
  }

  informerFor<T extends KubeObject = KubeObject>(resource: ResourceDescriptor): SharedIndexInformer<T> {
    const id = resourceId(resource);
    let informer = this.informers.get(id);
    if (!informer) {
      const context: ListerWatcherContext = {};
      if (resource.namespaced && this.options.namespace) context.namespace = this.options.namespace;
      let lw = this.newListerWatcher(resource, context);
      if (this.options.tweakListOptions) lw = withTweak(lw, this.options.tweakListOptions);
      const resync = this.options.customResync?.[id] ?? this.options.defaultResyncMs ?? 0;
      const informerOptions: SharedIndexInformerOptions<KubeObject> = {
        clock: this.clock,
        indexers: { [namespaceIndex]: metaNamespaceIndexFunc },
      };
      if (this.options.tracer) informerOptions.tracer = this.options.tracer;
      if (this.options.transform) informerOptions.transform = this.options.transform;
      if (this.options.fifo) informerOptions.fifo = this.options.fifo;
      if (this.options.realFIFO) informerOptions.realFIFO = this.options.realFIFO;
      // Watch events must carry the resource's group/version as well as its kind (client-go's expected GVK).
      const expectedApiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
      informerOptions.reflector = { expectedApiVersion, ...this.options.reflector, name: id };
      informer = new SharedIndexInformer<KubeObject>(lw, resource.kind, resync, informerOptions);
      this.informers.set(id, informer);
    }
    // One informer per resource whatever T the callers name; T only narrows what they see.
    return informer as unknown as SharedIndexInformer<T>;
  }

  /** A lister over the resource's shared informer cache (creating the informer if needed). */
  lister<T extends KubeObject = KubeObject>(resource: ResourceDescriptor): Lister<T> {
    return new Lister<T>(this.informerFor<T>(resource).getIndexer());
  }

  /** Starts every informer not yet started. Returns at once; they stop when `signal` aborts or on shutdown. */
  start(signal: AbortSignal): void {
    if (this.shuttingDown) return;
    const stop = AbortSignal.any([signal, this.shutdownController.signal]);
    for (const [id, informer] of this.informers) {
      if (this.running.has(id)) continue;
      safeEmit(this.options.tracer, { component: 'factory', action: 'start-informer', key: id, at: this.clock.now() });
      this.running.set(id, informer.run(stop));
    }
  }

  /** Waits until every started informer synced or the signal aborts; the result per resourceId. */
  async waitForCacheSync(signal: AbortSignal): Promise<Map<string, boolean>> {
    const ids = [...this.running.keys()];
    const informers = ids.map((id) => this.informers.get(id)!);
    await waitFor(signal, ...informers.map((i) => i.hasSyncedChecker()));
    return new Map(ids.map((id, i) => [id, informers[i]!.hasSyncedChecker().isDone()]));
  }

  /**
   * Stops every informer this factory started and waits for them; later `start` calls do nothing. Unlike
   * client-go's Shutdown, which only waits for the callers' contexts to stop them (see the class comment).
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.shutdownController.abort();
    await Promise.all(this.running.values());
  }
}

function withTweak<T extends KubeObject>(lw: ListerWatcher<T>, tweak: TweakListOptions): ListerWatcher<T> {
  const tweaked: ListerWatcher<T> = {
    list(options) {
      const copy = { ...options };
      tweak(copy);
      return lw.list(copy);
    },
    watch(options) {
      const copy = { ...options };
      tweak(copy);
      return lw.watch(copy);
    },
  };
  if (lw.isWatchListSemanticsUnsupported) tweaked.isWatchListSemanticsUnsupported = () => lw.isWatchListSemanticsUnsupported!();
  return tweaked;
}
