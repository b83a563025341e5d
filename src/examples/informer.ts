/**
 * Controllers III, "the informer": the article's example5 on the machinery of src/machinery/cache. A
 * SharedInformerFactory (its transport: listerWatcherFor over KubeClient) with a resync period gives an
 * informer for one resource; a handler reports ADD, MOD and DEL with the object's key; the program waits
 * for the cache to sync and runs until stopped. The informer runs on the RealFIFO (client-go 1.36) or, as
 * the article has it, on the DeltaFIFO. With `trace`, every event is followed through the pipeline by the
 * machinery's own tracer: reflector received -> delta queued -> delta popped -> indexer updated -> handler
 * called, each stage timed from the moment the event arrived. Gathering and logic only: the command
 * renders.
 */
import type { KubeClient } from '../core/client.ts';
import type { ResourceRef } from '../core/resources.ts';
import { realClock, type Clock } from '../machinery/clock.ts';
import type { TraceEvent, Tracer } from '../machinery/trace.ts';
import { SharedInformerFactory, type ListerWatcherFactory } from '../machinery/cache/informer-factory.ts';
import type { FifoKind } from '../machinery/cache/shared-informer.ts';
import { DeletedFinalStateUnknown, metaNamespaceKeyFunc, resourceVersionOf } from '../machinery/cache/keys.ts';
import type { KubeObject, ListerWatcher, WatchEvent, WatchStream } from '../machinery/cache/list-watch.ts';
import { INITIAL_EVENTS_END_ANNOTATION } from '../machinery/cache/list-watch.ts';
import type { Indexer } from '../machinery/cache/indexer.ts';
import type { ResourceStep } from './resolve-resource.ts';
import { stopControl, type SignalStop } from './run-until-stopped.ts';

/** Trace events the pipeline of each event is made of (when they name an object: whole-list entries are narrated). */
const PIPELINE_ACTIONS = new Set([
  'reflector watch-event',
  'deltafifo queued',
  'deltafifo popped',
  'realfifo queued',
  'realfifo popped',
  'informer added',
  'informer updated',
  'informer deleted',
]);

export type HandlerEvent = 'ADD' | 'MOD' | 'DEL';
export type CountedEvent = HandlerEvent | 'MOD (resync)';
export const COUNTED_EVENTS: CountedEvent[] = ['ADD', 'MOD', 'MOD (resync)', 'DEL'];

export const STAGES = ['reflector received', 'delta queued', 'delta popped', 'indexer updated', 'handler called'] as const;
export type Stage = (typeof STAGES)[number];

/** Where the change that a handler call reports came from. */
export type Origin = 'watch event' | 'watch-list' | 'list' | 'resync';

export interface PipelineTrace {
  origin: Origin;
  stages: { stage: Stage; /** ms since the event arrived (or the list / resync that carried it) */ atMs: number; detail: string }[];
}

export interface InformerOptions {
  /** The resource the informer is for. */
  ref: ResourceRef;
  /** Namespaced resources: only this namespace (undefined: all). */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  /** The factory's default resync period (ms); 0 disables resync. */
  resyncMs: number;
  /** The informer's queue; default 'real', as client-go 1.36. */
  fifo?: FifoKind | undefined;
  /** Add the handler only after the cache synced (it then gets an ADD for every cached object). */
  handlersAfterSync?: boolean;
  /** Follow each event through the pipeline. */
  trace?: boolean;
  /**
   * Sync with a streaming watch-list (client-go 1.35+ default) rather than a list; the reflector still falls
   * back to list + watch where the server refuses it. Default true.
   */
  watchList?: boolean;
  /** Ctrl-C. */
  signal: AbortSignal;
  /** Stop after this long (ms). */
  timeoutMs?: number | undefined;
  clock?: Clock;
}

export type InformerStep =
  | ResourceStep
  | { type: 'starting'; fifo: FifoKind; resyncMs: number; handlersAfterSync: boolean; labelSelector?: string }
  | { type: 'handler-added'; when: 'before start' | 'after sync'; cached: number }
  | { type: 'synced'; count: number; resourceVersion: string; /** How the initial state arrived. */ via: 'watch-list' | 'list' }
  | {
      type: 'event';
      event: HandlerEvent;
      /** An update that did not change the resourceVersion: a resync (or an unchanged object in a relist). */
      resync: boolean;
      key: string;
      resourceVersion: string;
      oldResourceVersion?: string;
      /** ADD of an object from the first list, or replayed from the cache to a handler added late. */
      initial?: boolean;
      /** ADD replayed from the cache to a handler added after the informer started (no watch event behind it). */
      replayed?: boolean;
      /** DEL of an object whose deletion was missed (a DeletedFinalStateUnknown from a relist). */
      tombstone?: boolean;
      trace?: PipelineTrace;
    }
  /** What the machinery reported about itself (always its failures; everything with `trace`). */
  | { type: 'machinery'; component: string; action: string; key?: string; data: Record<string, unknown>; problem: boolean }
  | { type: 'stopped'; reason: SignalStop | 'timeout'; counts: Record<CountedEvent, number>; durationMs: number; synced: boolean };

export interface InformerSummary {
  reason: SignalStop | 'timeout';
  counts: Record<CountedEvent, number>;
  synced: boolean;
  /** Why the cache never synced: the last list or watch error the reflector reported (it retries them all). */
  syncError?: Error;
}

/** Resolves the resource and runs the informer over the real API server until stopped. */
export async function informerExample(
  client: KubeClient,
  req: Omit<InformerOptions, 'ref' | 'namespace'> & { resource: string; namespace: string; allNamespaces?: boolean },
  emit: (s: InformerStep) => void,
): Promise<InformerSummary> {
  const [{ resolveTarget }, { listerWatcherFor }] = await Promise.all([import('./resolve-resource.ts'), import('../core/list-watch-client.ts')]);
  const { ref, namespace, step } = await resolveTarget(client, req.resource, req.namespace, req.allNamespaces);
  emit(step);
  const transport: ListerWatcherFactory = (resource, context) => listerWatcherFor(client, resource, context);
  return runInformer(transport, { ...req, ref, namespace }, emit);
}

/** Runs the article's informer over any transport (the real one, or a scripted one in tests). */
export async function runInformer(transport: ListerWatcherFactory, opts: InformerOptions, emit: (s: InformerStep) => void): Promise<InformerSummary> {
  const clock = opts.clock ?? realClock;
  const fifo = opts.fifo ?? 'real';
  const stop = stopControl<'timeout'>(opts.signal, opts.timeoutMs ? { ms: opts.timeoutMs, reason: 'timeout' } : undefined);

  const counts = Object.fromEntries(COUNTED_EVENTS.map((e) => [e, 0])) as Record<CountedEvent, number>;
  const pipeline = new PipelineTracker(clock);
  const tracer: Tracer = {
    emit: (e) => {
      pipeline.onTrace(e);
      const problem = e.action === 'error' || e.action === 'backoff' || e.action === 'expired-relist' || e.action === 'handler-error';
      // The per-object stages are shown with each event (PipelineTracker); the rest is narrated as it happens.
      const perObject = e.key !== undefined && PIPELINE_ACTIONS.has(`${e.component} ${e.action}`);
      if ((opts.trace && !perObject) || problem) {
        const { reflector: _r, informer: _i, ...data } = e.data ?? {};
        emit({ type: 'machinery', component: e.component, action: e.action, ...(e.key !== undefined ? { key: e.key } : {}), data, problem });
      }
    },
  };
  const factory = new SharedInformerFactory((resource, context) => pipeline.wrap(transport(resource, context)), {
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    ...(opts.labelSelector ? { tweakListOptions: (o) => void (o.labelSelector = opts.labelSelector) } : {}),
    ...(opts.resyncMs === undefined ? {} : { defaultResyncMs: opts.resyncMs }),
    fifo,
    clock,
    tracer,
    reflector: { useWatchList: opts.watchList ?? true },
  });
  const informer = factory.informerFor(opts.ref);
  pipeline.indexer = informer.getIndexer();
  let lastError: Error | undefined;
  informer.setWatchErrorHandler((err) => void (lastError = err instanceof Error ? err : new Error(String(err))));

  const report = (event: HandlerEvent, obj: unknown, extra: { resync?: boolean; oldObj?: unknown; initial?: boolean }) => {
    const tombstone = obj instanceof DeletedFinalStateUnknown;
    const shown = tombstone ? (obj as DeletedFinalStateUnknown<KubeObject>).obj : obj;
    let key: string;
    try {
      key = tombstone ? (obj as DeletedFinalStateUnknown).key : metaNamespaceKeyFunc(obj);
    } catch {
      key = '<no name>';
    }
    const resync = Boolean(extra.resync);
    counts[event === 'MOD' && resync ? 'MOD (resync)' : event]++;
    const step: Extract<InformerStep, { type: 'event' }> = { type: 'event', event, resync, key, resourceVersion: resourceVersionOf(shown) ?? '' };
    if (extra.oldObj !== undefined) step.oldResourceVersion = resourceVersionOf(extra.oldObj) ?? '';
    if (extra.initial) step.initial = true;
    if (tombstone) step.tombstone = true;
    // A late handler's ADDs come straight from the cache: no watch event, no delta behind them.
    const replayed = Boolean(extra.initial && handlerAddedLate);
    if (replayed) step.replayed = true;
    const trace = replayed ? pipeline.forget(obj) : pipeline.handled(obj);
    if (opts.trace && trace) step.trace = trace;
    emit(step);
  };
  const handler = {
    onAdd: (obj: KubeObject, isInInitialList: boolean) => report('ADD', obj, { initial: isInInitialList }),
    onUpdate: (oldObj: KubeObject, newObj: KubeObject) => {
      const oldRV = resourceVersionOf(oldObj);
      report('MOD', newObj, { oldObj, resync: oldRV !== undefined && oldRV === resourceVersionOf(newObj) });
    },
    onDelete: (obj: KubeObject | DeletedFinalStateUnknown<KubeObject>) => report('DEL', obj, {}),
  };

  const started = clock.now();
  let synced: boolean;
  let handlerAddedLate = false;
  try {
    emit({
      type: 'starting',
      fifo,
      resyncMs: opts.resyncMs,
      handlersAfterSync: Boolean(opts.handlersAfterSync),
      ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
    });
    if (!opts.handlersAfterSync) {
      informer.addEventHandler(handler);
      emit({ type: 'handler-added', when: 'before start', cached: 0 });
    }
    factory.start(stop.signal);
    const results = await factory.waitForCacheSync(stop.signal);
    synced = [...results.values()].every(Boolean) && results.size > 0;
    if (synced) {
      emit({ type: 'synced', count: informer.getIndexer().listKeys().length, resourceVersion: informer.lastSyncResourceVersion(), via: pipeline.syncedVia });
      if (opts.handlersAfterSync) {
        const cached = informer.getIndexer().listKeys().length;
        handlerAddedLate = true;
        informer.addEventHandler(handler);
        emit({ type: 'handler-added', when: 'after sync', cached });
      }
    }
    await stop.stopped();
  } finally {
    // Released only after the shutdown: until then it keeps the process alive for the informer's sockets.
    await factory.shutdown().finally(() => stop.dispose());
  }
  const r = stop.reason() ?? 'interrupted';
  emit({ type: 'stopped', reason: r, counts: { ...counts }, durationMs: clock.now() - started, synced });
  const syncError = lastError ?? pipeline.lastRequestError;
  return synced || syncError === undefined ? { reason: r, counts, synced } : { reason: r, counts, synced, syncError };
}

interface TracedChange {
  origin: Origin;
  t0: number;
  stages: PipelineTrace['stages'];
}

/**
 * Follows changes through the informer using the machinery's trace events. The transport wrapper stamps
 * the moment each watch event (or list) arrives and remembers its object; the queue's `queued` and
 * `popped` and the informer's `added`/`updated`/`deleted` events are matched by key, in order; the handler
 * call is matched by object identity, since the informer hands the handler the very object the watch
 * delivered. Both queues are followed: the DeltaFIFO pops a key with all its deltas at once; the RealFIFO
 * pops each entry on its own (in batches), and with atomic events carries a whole list in one ReplacedAll
 * entry and a whole resync in one SyncAll entry.
 */
class PipelineTracker {
  indexer: Indexer<KubeObject> | undefined;
  private readonly clock: Clock;
  private readonly byObject = new WeakMap<object, TracedChange>();
  /** Arrived, not yet queued, by key. */
  private readonly arrived = new Map<string, TracedChange[]>();
  /** Queued, by key. */
  private readonly queued = new Map<string, TracedChange[]>();
  /** Lists queued as one ReplacedAll entry each, oldest first, with the key of each change. */
  private readonly queuedLists: [string, TracedChange][][] = [];
  /** Popped, not yet applied to the indexer, by key. */
  private readonly popped = new Map<string, TracedChange[]>();
  private lastResyncAt: number | undefined;
  /** How the last sync arrived, from the reflector's own report. */
  syncedVia: 'watch-list' | 'list' = 'list';
  /** When the queued SyncAll entries (a resync in one entry) were queued. */
  private readonly syncAllQueuedAt: number[] = [];
  /** The SyncAll entry being handled: when it was queued and popped. */
  private syncAll: { queuedAt: number; poppedAt: number } | undefined;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** The transport, with arrival stamps on list items and watch events. */
  /**
   * The error the last list or watch request failed with, cleared when one succeeds. The reflector retries a
   * refused watch-list without calling the watch error handler (as client-go does), so this is how a run that
   * never synced still knows why.
   */
  lastRequestError: Error | undefined;

  private async request<R>(call: () => Promise<R>): Promise<R> {
    try {
      const r = await call();
      this.lastRequestError = undefined;
      return r;
    } catch (err) {
      this.lastRequestError = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  wrap<T extends KubeObject>(lw: ListerWatcher<T>): ListerWatcher<T> {
    const wrapped: ListerWatcher<T> = {
      list: async (options) => {
        const result = await this.request(() => lw.list(options));
        const t0 = this.clock.now();
        for (const item of result.items) this.arrive(item, 'list', t0, `in a list of ${result.items.length} object${result.items.length === 1 ? '' : 's'}`);
        return result;
      },
      watch: async (options) => {
        const stream = await this.request(() => lw.watch(options));
        // A watch-list's events up to the initial-events-end bookmark are the initial state, not changes.
        let initial = options.sendInitialEvents === true;
        const arrived = (event: WatchEvent<T>) => {
          const detail = initial
            ? `initial ${event.type} event of a watch-list, kept in a temporary store until the initial-events-end bookmark`
            : `watch event ${event.type}`;
          this.arrive(event.object, initial ? 'watch-list' : 'watch event', this.clock.now(), detail);
        };
        async function* events(): AsyncGenerator<WatchEvent<T>> {
          for await (const event of stream) {
            if (
              event.type === 'BOOKMARK' &&
              (event.object.metadata?.annotations as Record<string, string> | undefined)?.[INITIAL_EVENTS_END_ANNOTATION] === 'true'
            )
              initial = false;
            else if (event.type !== 'BOOKMARK' && event.type !== 'ERROR') arrived(event);
            yield event;
          }
        }
        const iterator = events();
        const wrappedStream: WatchStream<T> = { [Symbol.asyncIterator]: () => iterator, close: () => stream.close() };
        return wrappedStream;
      },
    };
    if (lw.isWatchListSemanticsUnsupported) wrapped.isWatchListSemanticsUnsupported = () => lw.isWatchListSemanticsUnsupported!();
    return wrapped;
  }

  /** Drops what is known about `obj` (its change reached the handler by another way). */
  forget(obj: unknown): undefined {
    if (typeof obj === 'object' && obj !== null) this.byObject.delete(obj);
    return undefined;
  }

  /** The pipeline of the change a handler was just told about, if it was followed. */
  handled(obj: unknown): PipelineTrace | undefined {
    if (typeof obj !== 'object' || obj === null) return undefined;
    const rec = this.byObject.get(obj);
    if (!rec || rec.stages.length < 4) return undefined;
    this.byObject.delete(obj);
    rec.stages.push({
      stage: 'handler called',
      atMs: this.clock.now() - rec.t0,
      detail: 'the handler ran (its own goroutine in client-go: here its own async loop)',
    });
    return { origin: rec.origin, stages: rec.stages };
  }

  onTrace(e: TraceEvent): void {
    const data = e.data ?? {};
    if (e.component === 'reflector') {
      if (e.action === 'resync') this.lastResyncAt = e.at;
      // A list (or a watch-list's initial state) is applied before it is reported, and a rejected event is
      // reported as an error: either way nothing that arrived is left to match. (`watch-event` is reported on
      // arrival, before the store.)
      if (e.action === 'listed' || e.action === 'watch-list-synced' || e.action === 'error') this.arrived.clear();
      if (e.action === 'listed') this.syncedVia = 'list';
      if (e.action === 'watch-list-synced') this.syncedVia = 'watch-list';
      return;
    }
    if (e.component === 'deltafifo' || e.component === 'realfifo') this.onQueue(e, data);
    else if (e.component === 'informer' && (e.action === 'added' || e.action === 'updated' || e.action === 'deleted') && e.key !== undefined)
      this.onIndexer(e, e.key, data);
  }

  private onQueue(e: TraceEvent, data: Record<string, unknown>): void {
    const key = e.key;
    const real = e.component === 'realfifo';
    if (e.action === 'queued' && key === undefined) {
      // RealFIFO entries that carry no single object.
      if (data.type === 'ReplacedAll') {
        const list: [string, TracedChange][] = [];
        for (const [k, recs] of this.arrived) {
          for (const rec of recs) {
            rec.stages.push({
              stage: 'delta queued',
              atMs: e.at - rec.t0,
              detail: `in one ReplacedAll entry carrying the whole list (${String(data.objects)} objects)`,
            });
            list.push([k, rec]);
          }
        }
        this.arrived.clear();
        this.queuedLists.push(list);
      } else if (data.type === 'SyncAll') this.syncAllQueuedAt.push(e.at);
      return;
    }
    if (e.action === 'popped' && key === undefined) {
      if (data.type === 'ReplacedAll') {
        for (const [k, rec] of this.queuedLists.shift() ?? []) {
          rec.stages.push({
            stage: 'delta popped',
            atMs: e.at - rec.t0,
            detail: 'the informer popped the ReplacedAll entry: deletions are told first, then the list in order',
          });
          push(this.popped, k, rec);
        }
      } else if (data.type === 'SyncAll') this.syncAll = { queuedAt: this.syncAllQueuedAt.shift() ?? e.at, poppedAt: e.at };
      return;
    }
    if (key === undefined) return;
    if (e.action === 'queued') {
      let rec = this.arrived.get(key)?.shift();
      if (!rec && data.type === 'Sync') rec = this.resyncOf(key, this.lastResyncAt ?? e.at);
      if (!rec) return;
      const detail = real
        ? `${String(data.type)} entry appended to the queue (${String(data.depth)} queued)`
        : `${String(data.type)} delta appended to the key's deltas (${String(data.pending)} pending)`;
      rec.stages.push({ stage: 'delta queued', atMs: e.at - rec.t0, detail });
      push(this.queued, key, rec);
      return;
    }
    if (e.action === 'popped') {
      // The DeltaFIFO hands over every delta of the key at once; the RealFIFO one entry at a time.
      const recs = real ? [this.queued.get(key)?.shift()].filter((r): r is TracedChange => r !== undefined) : (this.queued.get(key) ?? []);
      if (!real) this.queued.delete(key);
      const batch = Number(data.batch ?? 1);
      const detail = real
        ? `the informer popped the entry${batch > 1 ? ` in a batch of ${batch} (cache written for the whole batch, then the handlers told)` : ' on its own'}`
        : `the informer popped the key with its deltas [${Array.isArray(data.types) ? data.types.join(', ') : ''}]`;
      for (const rec of recs) {
        rec.stages.push({ stage: 'delta popped', atMs: e.at - rec.t0, detail });
        push(this.popped, key, rec);
      }
    }
  }

  private onIndexer(e: TraceEvent, key: string, data: Record<string, unknown>): void {
    let rec = this.popped.get(key)?.shift();
    if (!rec && data.type === 'SyncAll' && this.syncAll) {
      // One SyncAll entry re-delivers every cached object, as it is when the entry is popped.
      const { queuedAt, poppedAt } = this.syncAll;
      rec = this.resyncOf(key, this.lastResyncAt ?? queuedAt);
      rec?.stages.push(
        { stage: 'delta queued', atMs: queuedAt - rec.t0, detail: 'in one SyncAll entry for the whole cache' },
        { stage: 'delta popped', atMs: poppedAt - rec.t0, detail: 'the informer popped the SyncAll entry: each cached object is re-delivered' },
      );
    }
    if (!rec) return;
    const what =
      e.action === 'added'
        ? 'added to the indexer'
        : e.action === 'updated'
          ? data.type === 'SyncAll'
            ? 'left in the indexer as it was'
            : 'updated in the indexer'
          : 'deleted from the indexer';
    rec.stages.push({ stage: 'indexer updated', atMs: e.at - rec.t0, detail: `${what}, then the notification went to each handler's buffer` });
  }

  /** A change for a resync of the cached object under `key`, starting when the resync timer fired. */
  private resyncOf(key: string, t0: number): TracedChange | undefined {
    const cached = this.indexer?.getByKey(key);
    if (!cached) return undefined;
    const rec: TracedChange = {
      origin: 'resync',
      t0,
      stages: [{ stage: 'reflector received', atMs: 0, detail: 'the resync timer fired: every cached object is queued again' }],
    };
    this.byObject.set(cached, rec);
    return rec;
  }

  private arrive(obj: unknown, origin: Origin, t0: number, detail: string): void {
    if (typeof obj !== 'object' || obj === null) return;
    let key: string;
    try {
      key = metaNamespaceKeyFunc(obj);
    } catch {
      return;
    }
    const rec: TracedChange = { origin, t0, stages: [{ stage: 'reflector received', atMs: 0, detail }] };
    this.byObject.set(obj, rec);
    push(this.arrived, key, rec);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
