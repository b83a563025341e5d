/**
 * SharedIndexInformer: one list+watch of a resource, one indexed cache, any number of event handlers.
 * A Reflector fills a DeltaFIFO; the informer pops it, updates the cache, then tells the handlers.
 */
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import { Cache } from './cache.ts';
import type { DeltaFIFOOptions, Deltas } from './delta-fifo.ts';
import { DeltaFIFO } from './delta-fifo.ts';
import type { DoneChecker } from './done-checker.ts';
import { DoneSignal } from './done-checker.ts';
import type { Indexer, Indexers } from './indexer.ts';
import type { KeyFunc } from './keys.ts';
import { DeletedFinalStateUnknown, deletionHandlingMetaNamespaceKeyFunc, resourceVersionOf } from './keys.ts';
import type { KubeObject, ListerWatcher } from './list-watch.ts';
import type { Notification, ResourceEventHandler } from './processor-listener.ts';
import { ProcessorListener } from './processor-listener.ts';
import { Reflector } from './reflector.ts';
import type { ReflectorOptions } from './reflector.ts';
import { SharedProcessor } from './shared-processor.ts';
import type { Store } from './store.ts';

/** The smallest per-handler resync period accepted; smaller requests are raised to it. */
export const minimumResyncPeriodMs = 1000;

/** Informer settings; all optional. */
export interface SharedIndexInformerOptions<T> {
  clock?: Clock;
  tracer?: Tracer;
  /** Indices of the cache (e.g. { namespace: metaNamespaceIndexFunc }). */
  indexers?: Indexers<T>;
  /** Applied to each object before it is queued and cached (not to tombstones). */
  transform?: (obj: T) => T;
  /** Cache key function; must handle DeletedFinalStateUnknown. Default deletionHandlingMetaNamespaceKeyFunc. */
  keyFunc?: KeyFunc;
  /** Passed to the Reflector (pageSize, idleTimeoutMs, watchTimeoutRange, backoff, selectors...). */
  reflector?: Omit<ReflectorOptions, 'clock' | 'tracer' | 'resyncPeriodMs' | 'shouldResync' | 'watchErrorHandler' | 'expectedTypeName'>;
  /** Told when a handler throws or rejects (it is also traced). */
  onHandlerError?: (err: unknown, info: { listener: number; notification: string }) => void;
}

/** Per-handler settings. */
export interface AddEventHandlerOptions {
  /** How often this handler wants every cached object re-delivered as an update; 0 = never. Default: the informer's. */
  resyncPeriodMs?: number;
}

/** A handler's membership in an informer; pass it to removeEventHandler. */
export interface ResourceEventHandlerRegistration {
  /** Opaque, unique per registration. */
  readonly handle: number;
  /** True once the informer has synced and this handler has been given every initial-list add. */
  hasSynced(): boolean;
}

/**
 * client-go's SharedIndexInformer.
 *
 * Guarantees:
 * - the cache is updated before handlers are told, and handlers are told in the order changes were popped;
 * - for Added/Updated/Replaced/Sync deltas: an object already cached -> cache update + onUpdate(old, new)
 *   with the previously cached object as `old`; otherwise cache add + onAdd(obj, isInInitialList);
 *   Deleted -> cache delete + onDelete(obj or tombstone);
 * - updates that leave the resourceVersion unchanged (resyncs, unchanged objects in a relist) go only to
 *   handlers whose resync is due;
 * - every handler has its own unbounded buffer and delivery loop: a slow or failing handler delays or
 *   breaks nobody else, and never the informer;
 * - a handler added after start first receives onAdd(obj, true) for every cached object;
 * - setTransform, setWatchErrorHandler and addIndexers throw once started; addEventHandler throws once stopped;
 * - `run(signal)` runs once; it resolves after the signal aborted and the reflector, the delta loop and
 *   every handler loop have stopped.
 */
export class SharedIndexInformer<T extends KubeObject = KubeObject> {
  private readonly lw: ListerWatcher<T>;
  readonly exampleTypeName: string;
  private readonly clock: Clock;
  private readonly tracer: Tracer | undefined;
  private readonly keyFunc: KeyFunc;
  private readonly indexer: Cache<T>;
  private readonly processor = new SharedProcessor<T>();
  private readonly reflectorOptions: SharedIndexInformerOptions<T>['reflector'];
  private readonly onHandlerError: SharedIndexInformerOptions<T>['onHandlerError'];
  private readonly defaultEventHandlerResyncPeriodMs: number;
  private readonly registrations = new Map<number, ProcessorListener<T>>();
  private resyncCheckPeriodMs: number;
  private transform: ((obj: T) => T) | undefined;
  private watchErrorHandler: ((err: unknown) => void) | undefined;
  private fifo: DeltaFIFO<T> | undefined;
  private reflector: Reflector<T> | undefined;
  /** Finished once the queue has synced (client-go's s.synced, closed when the controller's checker is done). */
  private readonly synced: DoneSignal;
  private started = false;
  private stopped = false;
  private nextHandle = 1;

  constructor(lw: ListerWatcher<T>, exampleTypeName: string, defaultResyncPeriodMs: number, options: SharedIndexInformerOptions<T> = {}) {
    this.lw = lw;
    this.exampleTypeName = exampleTypeName;
    this.clock = options.clock ?? realClock;
    this.tracer = options.tracer;
    this.keyFunc = options.keyFunc ?? deletionHandlingMetaNamespaceKeyFunc;
    this.indexer = new Cache<T>(this.keyFunc, options.indexers ?? {});
    this.transform = options.transform;
    this.reflectorOptions = options.reflector;
    this.onHandlerError = options.onHandlerError;
    this.defaultEventHandlerResyncPeriodMs = defaultResyncPeriodMs;
    this.resyncCheckPeriodMs = defaultResyncPeriodMs;
    this.synced = new DoneSignal(`SharedIndexInformer ${exampleTypeName}`);
  }

  addEventHandler(handler: ResourceEventHandler<T>, options: AddEventHandlerOptions = {}): ResourceEventHandlerRegistration {
    if (this.stopped) throw new Error(`handler was not added to the ${this.exampleTypeName} informer because it has stopped`);
    let requested = options.resyncPeriodMs ?? this.defaultEventHandlerResyncPeriodMs;
    if (requested > 0) {
      requested = Math.max(requested, minimumResyncPeriodMs);
      if (requested < this.resyncCheckPeriodMs) {
        if (this.started) {
          // The reflector's resync timer already runs at the check period; it cannot tick faster now.
          requested = this.resyncCheckPeriodMs;
        } else {
          this.resyncCheckPeriodMs = requested;
          this.processor.resyncCheckPeriodChanged(requested, determineResyncPeriod);
        }
      }
    }
    const handle = this.nextHandle++;
    const listener = new ProcessorListener<T>(handler, requested, determineResyncPeriod(requested, this.resyncCheckPeriodMs), {
      clock: this.clock,
      tracer: this.tracer,
      id: handle,
      upstreamHasSynced: () => this.hasSynced(),
      onError: this.onHandlerError,
    });
    this.registrations.set(handle, listener);
    this.processor.addListener(listener);
    if (this.started) {
      // Deltas are handled synchronously, so nothing can slip in between this snapshot and later events.
      for (const obj of this.indexer.list()) listener.add({ type: 'add', obj, isInInitialList: true });
    }
    this.emit('handler-added', { listener: handle, resyncPeriodMs: listener.resyncPeriod });
    return { handle, hasSynced: () => listener.hasSynced() };
  }

  /** Stops delivery to the handler at once (pending notifications are dropped). Unknown registrations are ignored. */
  removeEventHandler(registration: ResourceEventHandlerRegistration): void {
    const listener = this.registrations.get(registration.handle);
    if (!listener) return;
    this.registrations.delete(registration.handle);
    this.processor.removeListener(listener);
    this.emit('handler-removed', { listener: registration.handle });
  }

  /** True once the items of the first list have all been popped into the cache. */
  hasSynced(): boolean {
    return this.fifo?.hasSynced() ?? false;
  }

  /** Done once the informer has synced: what the factory's waitForCacheSync and waitFor wait on, without polling. */
  hasSyncedChecker(): DoneChecker {
    return this.synced;
  }

  lastSyncResourceVersion(): string {
    return this.reflector?.lastSyncResourceVersion() ?? '';
  }

  hasStarted(): boolean {
    return this.started;
  }

  isStopped(): boolean {
    return this.stopped;
  }

  getStore(): Store<T> {
    return this.indexer;
  }

  getIndexer(): Indexer<T> {
    return this.indexer;
  }

  setWatchErrorHandler(handler: (err: unknown) => void): void {
    if (this.started) throw new Error('informer has already started');
    this.watchErrorHandler = handler;
  }

  setTransform(transform: (obj: T) => T): void {
    if (this.started) throw new Error('informer has already started');
    this.transform = transform;
  }

  addIndexers(indexers: Indexers<T>): void {
    if (this.started) throw new Error('informer has already started');
    this.indexer.addIndexers(indexers);
  }

  /** Runs until `signal` aborts; resolves once everything has stopped. A second call returns at once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) {
      this.emit('error', { error: 'run called more than once; ignored' });
      return;
    }
    const fifoOptions: DeltaFIFOOptions<T> = {
      knownObjects: this.indexer,
      emitDeltaTypeReplaced: true,
      keyFunc: this.keyFunc,
      clock: this.clock,
    };
    if (this.tracer) fifoOptions.tracer = this.tracer;
    if (this.transform) fifoOptions.transform = this.transform;
    const fifo = new DeltaFIFO<T>(fifoOptions);
    const reflectorOptions: ReflectorOptions = {
      ...this.reflectorOptions,
      clock: this.clock,
      name: this.reflectorOptions?.name ?? this.exampleTypeName,
      expectedTypeName: this.exampleTypeName,
      resyncPeriodMs: this.resyncCheckPeriodMs,
      shouldResync: () => this.processor.shouldResync(this.clock.now()),
    };
    if (this.tracer) reflectorOptions.tracer = this.tracer;
    if (this.watchErrorHandler) reflectorOptions.watchErrorHandler = this.watchErrorHandler;
    this.fifo = fifo;
    void fifo
      .hasSyncedChecker()
      .done()
      .then(() => this.synced.finish());
    this.reflector = new Reflector<T>(this.lw, fifo, reflectorOptions);
    this.started = true;
    this.emit('started', { resyncCheckPeriodMs: this.resyncCheckPeriodMs });

    this.processor.run();
    const processing = this.processLoop(fifo, signal);
    await this.reflector.run(signal);
    fifo.close();
    await processing;
    this.stopped = true;
    await this.processor.stop();
    this.emit('stopped', {});
  }

  private async processLoop(fifo: DeltaFIFO<T>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const popped = await fifo.pop((key, deltas, isInInitialList) => this.handleDeltas(key, deltas, isInInitialList));
        if (!popped) return;
      } catch (err) {
        this.emit('error', { phase: 'process', error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  /** Applies one key's deltas to the cache and notifies. Synchronous, so no event interleaves with it. */
  private handleDeltas(key: string, deltas: Deltas<T>, isInInitialList: boolean): void {
    for (const delta of deltas) {
      const obj = delta.object;
      if (delta.type === 'Deleted') {
        this.indexer.delete(obj);
        this.emit('deleted', { type: delta.type }, key);
        this.distribute({ type: 'delete', obj }, false);
        continue;
      }
      if (obj instanceof DeletedFinalStateUnknown) continue; // only Deleted deltas carry tombstones
      const old = this.indexer.get(obj);
      if (old !== undefined) {
        this.indexer.update(obj);
        const oldRV = resourceVersionOf(old);
        // As in client-go: a resync, or a relist that brought back an unchanged object. A real update that
        // happens to keep its resourceVersion still goes to every handler.
        const isSync = delta.type === 'Sync' || (delta.type === 'Replaced' && oldRV !== undefined && oldRV === resourceVersionOf(obj));
        this.emit('updated', { type: delta.type, sync: isSync }, key);
        this.distribute({ type: 'update', oldObj: old, newObj: obj }, isSync);
      } else {
        this.indexer.add(obj);
        this.emit('added', { type: delta.type, isInInitialList }, key);
        this.distribute({ type: 'add', obj, isInInitialList }, false);
      }
    }
  }

  private distribute(notification: Notification<T>, isSync: boolean): void {
    this.processor.distribute(notification, isSync);
  }

  private emit(action: string, data: Record<string, unknown>, key?: string): void {
    const event = { component: 'informer', action, data: { informer: this.exampleTypeName, ...data }, at: this.clock.now() };
    safeEmit(this.tracer, key === undefined ? event : { ...event, key });
  }
}

/** A handler's effective resync period: none if it wants none or the informer never resyncs, else at least the check period. */
export function determineResyncPeriod(desiredMs: number, checkMs: number): number {
  if (desiredMs === 0) return 0;
  if (checkMs === 0) return 0;
  return Math.max(desiredMs, checkMs);
}
