/**
 * SharedIndexInformer: one list+watch of a resource, one indexed cache, any number of event handlers.
 * A Reflector fills a queue (a RealFIFO by default, as client-go 1.36; a DeltaFIFO on request, as the
 * articles describe); the informer pops it, updates the cache, then tells the handlers.
 */
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import { Cache } from './cache.ts';
import type { Delta, DeltaFIFOOptions } from './delta-fifo.ts';
import { DeltaFIFO } from './delta-fifo.ts';
import type { DoneChecker } from './done-checker.ts';
import { DoneSignal } from './done-checker.ts';
import type { Indexer, Indexers } from './indexer.ts';
import type { KeyFunc } from './keys.ts';
import { DeletedFinalStateUnknown, deletionHandlingMetaNamespaceKeyFunc, resourceVersionOf } from './keys.ts';
import type { KubeObject, ListerWatcher } from './list-watch.ts';
import type { Notification, ResourceEventHandler } from './processor-listener.ts';
import { ProcessorListener } from './processor-listener.ts';
import type { RealFIFOItem, RealFIFOOptions, ReplacedAllInfo } from './real-fifo.ts';
import { RealFIFO, reconcileReplacement } from './real-fifo.ts';
import { Reflector } from './reflector.ts';
import type { ReflectorOptions } from './reflector.ts';
import { SharedProcessor } from './shared-processor.ts';
import type { Store } from './store.ts';

/** The smallest per-handler resync period accepted; smaller requests are raised to it. */
export const minimumResyncPeriodMs = 1000;

/** Which queue sits between the reflector and the cache. */
export type FifoKind = 'real' | 'delta';
export const FIFO_KINDS: readonly FifoKind[] = ['real', 'delta'];

/** Informer settings; all optional. */
export interface SharedIndexInformerOptions<T> {
  /**
   * 'real' (default): client-go 1.36's RealFIFO, every change delivered in order (InOrderInformers);
   * 'delta': the DeltaFIFO the articles describe, changes merged per key.
   */
  fifo?: FifoKind;
  /** RealFIFO only; both default to on, as client-go 1.36's feature gates. */
  realFIFO?: {
    /** One entry per relist and per resync (AtomicFIFO). */
    atomicEvents?: boolean;
    /** Pop runs of distinct keys as one batch (InOrderInformersBatchProcess). */
    batch?: boolean;
  };
  clock?: Clock;
  tracer?: Tracer;
  /** Indices of the cache (e.g. { namespace: metaNamespaceIndexFunc }). */
  indexers?: Indexers<T>;
  /** Applied to each object before it is queued and cached (not to tombstones). */
  transform?: (obj: T) => T;
  /** Cache key function; must handle DeletedFinalStateUnknown. Default deletionHandlingMetaNamespaceKeyFunc. */
  keyFunc?: KeyFunc;
  /** Passed to the Reflector (pageSize, idleTimeoutMs, minWatchTimeoutMs, backoff, selectors...). */
  reflector?: Omit<ReflectorOptions, 'clock' | 'tracer' | 'resyncPeriodMs' | 'shouldResync' | 'watchErrorHandler' | 'expectedTypeName'>;
  /** Told when a handler throws or rejects (it is also traced). */
  onHandlerError?: (err: unknown, info: { listener: number; notification: string }) => void;
}

/** Per-handler settings. */
export interface AddEventHandlerOptions {
  /** How often this handler wants every cached object re-delivered as an update; 0 = never. Default: the informer's. */
  resyncPeriodMs?: number;
}

/**
 * A handler's membership in one informer; pass this same object to that informer's removeEventHandler.
 * Removal matches the object itself, so a registration never removes anything from another informer.
 */
export interface ResourceEventHandlerRegistration {
  /** Names the handler in this informer's traces (numbered per informer); not used to find it. */
  readonly handle: number;
  /**
   * True once the informer has synced while this handler was registered and every initial-list add given
   * to it has returned from the handler; then true for good. False for good when the handler was removed,
   * or the informer stopped, before that (client-go's SingleFileTracker).
   */
  hasSynced(): boolean;
  /** Done when hasSynced() turns true: wait on it instead of polling. */
  hasSyncedChecker(): DoneChecker;
}

/**
 * client-go's SharedIndexInformer (shared_informer.go, with controller.go's processDeltas,
 * processDeltasInBatch and processReplacedAllInfo).
 *
 * Guarantees:
 * - the cache is updated before handlers are told, and handlers are told in the order changes were popped;
 * - for Added/Updated/Replaced/Sync deltas: an object already cached -> cache update + onUpdate(old, new)
 *   with the previously cached object as `old`; otherwise cache add + onAdd(obj, isInInitialList);
 *   Deleted -> cache delete + onDelete(obj or tombstone), even when the cache did not hold it;
 * - on the RealFIFO (default), changes reach handlers in the order the watch delivered them, and after a
 *   relist the tombstones come first, then the listed objects in list order; with atomic events the cache
 *   is replaced as a whole before those handlers are told, and a resync re-delivers each cached object as it
 *   is at that point of the stream; a batch is applied to the cache as a whole, then its handlers are told,
 *   and an object the cache refused is not told about;
 * - on the DeltaFIFO, a key's changes travel together and keys are handled in first-queued order (so after a
 *   relist the listed objects come first, then the tombstones);
 * - an update whose resourceVersion equals the cached one (a resync, an unchanged object in a relist, or any
 *   update that kept it) goes only to handlers whose resync is due, as client-go's OnUpdate decides;
 * - every handler has its own unbounded buffer and delivery loop: a slow or failing handler delays or
 *   breaks nobody else, and never the informer;
 * - a handler added after start first receives onAdd(obj, true) for every cached object;
 * - removeEventHandler removes only a registration this informer returned (matched by identity); anything
 *   else, or a second removal, does nothing and does not throw;
 * - setTransform and setWatchErrorHandler throw once started; addIndexers works while running (indexing
 *   what is cached) and, like addEventHandler, throws once stopped, with client-go's wording ('... because it
 *   has stopped already');
 * - `run(signal)` runs once; it resolves after the signal aborted and the reflector, the delta loop and
 *   every handler loop have stopped.
 *
 * Deliberate differences: a Bookmark entry is only traced (the cache does not track client-go's
 * LastStoreSyncResourceVersion); a custom keyFunc keys the queue as well as the cache; a handler's resync
 * is due up to the clock's timerSlackMs early (5 ms on the real clock, whose timers may fire that early; exact
 * on a fake clock); an initial add whose handler throws still counts towards its registration's sync (see
 * ProcessorListener).
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
  private readonly fifoKind: FifoKind;
  private readonly atomicEvents: boolean;
  private readonly batch: boolean;
  private readonly registrations = new Map<ResourceEventHandlerRegistration, ProcessorListener<T>>();
  private resyncCheckPeriodMs: number;
  private transform: ((obj: T) => T) | undefined;
  private watchErrorHandler: ((err: unknown) => void) | undefined;
  private fifo: DeltaFIFO<T> | RealFIFO<T> | undefined;
  private reflector: Reflector<T> | undefined;
  /** Finished once the queue has synced (client-go's s.synced, closed when the controller's checker is done). */
  private readonly synced: DoneSignal;
  /** What handlers wait on: done as soon as hasSynced() is, woken by `synced`. */
  private readonly upstreamSynced: DoneChecker;
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
    this.upstreamSynced = { name: this.synced.name, isDone: () => this.hasSynced(), done: () => this.synced.done() };
    this.fifoKind = options.fifo ?? 'real';
    this.atomicEvents = options.realFIFO?.atomicEvents ?? true;
    this.batch = options.realFIFO?.batch ?? true;
  }

  /** The queue this informer runs on. */
  fifoType(): FifoKind {
    return this.fifoKind;
  }

  addEventHandler(handler: ResourceEventHandler<T>, options: AddEventHandlerOptions = {}): ResourceEventHandlerRegistration {
    // Worded as client-go's error, whose tail callers match ('stopped already').
    if (this.stopped) throw new Error(`${this.exampleTypeName} handler was not added to shared informer because it has stopped already`);
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
      upstreamSynced: this.upstreamSynced,
      resyncSlackMs: this.clock.timerSlackMs ?? 0,
      onError: this.onHandlerError,
    });
    const registration: ResourceEventHandlerRegistration = Object.freeze({
      handle,
      hasSynced: () => listener.hasSynced(),
      hasSyncedChecker: () => listener.hasSyncedChecker(),
    });
    this.registrations.set(registration, listener);
    this.processor.addListener(listener);
    if (this.started) {
      // Deltas are handled synchronously, so nothing can slip in between this snapshot and later events.
      for (const obj of this.indexer.list()) listener.add({ type: 'add', obj, isInInitialList: true });
    }
    this.emit('handler-added', { listener: handle, resyncPeriodMs: listener.resyncPeriod });
    return registration;
  }

  /**
   * Stops delivery to the handler at once (pending notifications are dropped; a call in flight finishes).
   * Only the very object addEventHandler returned counts: another informer's registration, or anything
   * else, is ignored.
   */
  removeEventHandler(registration: ResourceEventHandlerRegistration): void {
    const listener = this.registrations.get(registration);
    if (!listener) return;
    this.registrations.delete(registration);
    if (this.processor.removeListener(listener)) this.emit('handler-removed', { listener: listener.id });
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

  /** Also while running: the new indices cover what is already cached. Throws once stopped, or on a name clash. */
  addIndexers(indexers: Indexers<T>): void {
    if (this.stopped) throw new Error('indexer was not added because it has stopped already');
    this.indexer.addIndexers(indexers);
  }

  /** Runs until `signal` aborts; resolves once everything has stopped. A second call returns at once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) {
      this.emit('error', { error: 'run called more than once; ignored' });
      return;
    }
    const fifo = this.newFifo();
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

  private newFifo(): DeltaFIFO<T> | RealFIFO<T> {
    const common = {
      keyFunc: this.keyFunc,
      clock: this.clock,
      ...(this.tracer ? { tracer: this.tracer } : {}),
      ...(this.transform ? { transform: this.transform } : {}),
    };
    if (this.fifoKind === 'delta') {
      const options: DeltaFIFOOptions<T> = { ...common, knownObjects: this.indexer, emitDeltaTypeReplaced: true };
      return new DeltaFIFO<T>(options);
    }
    // As client-go's newQueueFIFO: an atomic RealFIFO is not given the cache (it reconciles when popped).
    const options: RealFIFOOptions<T> = this.atomicEvents
      ? { ...common, atomicEvents: true, emitDeltaTypeBookmark: true }
      : { ...common, knownObjects: this.indexer };
    return new RealFIFO<T>(options);
  }

  private async processLoop(fifo: DeltaFIFO<T> | RealFIFO<T>, signal: AbortSignal): Promise<void> {
    const process = (items: readonly RealFIFOItem<T>[], isInInitialList: boolean) => this.processDeltas(items, isInInitialList);
    while (!signal.aborted) {
      try {
        let popped: unknown;
        if (fifo instanceof DeltaFIFO) popped = await fifo.pop((_key, deltas, isInInitialList) => process(deltas, isInInitialList));
        else if (this.batch) popped = await fifo.popBatch((deltas, isInInitialList) => this.processBatch(deltas, isInInitialList), process);
        else popped = await fifo.pop(process);
        if (!popped) return;
      } catch (err) {
        this.emit('error', { phase: 'process', error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  /**
   * client-go's processDeltas: applies popped entries, oldest first, to the cache and notifies. Synchronous,
   * so no event interleaves with it.
   */
  private processDeltas(items: readonly RealFIFOItem<T>[], isInInitialList: boolean): void {
    for (const item of items) {
      switch (item.type) {
        case 'ReplacedAll':
          this.processReplacedAll(item.object, isInInitialList);
          break;
        case 'SyncAll':
          for (const obj of this.indexer.list()) this.notifyUpdate(obj, obj, 'SyncAll');
          break;
        case 'Bookmark':
          this.emit('bookmark', { resourceVersion: item.object.resourceVersion });
          break;
        case 'Deleted':
          this.indexer.delete(item.object);
          this.notifyDelete(item.object, item.type);
          break;
        default: {
          const obj = item.object;
          if (obj instanceof DeletedFinalStateUnknown) break; // only Deleted deltas carry tombstones
          const old = this.indexer.get(obj);
          if (old !== undefined) {
            this.indexer.update(obj);
            this.notifyUpdate(old, obj, item.type);
          } else {
            this.indexer.add(obj);
            this.notifyAdd(obj, item.type, isInInitialList);
          }
        }
      }
    }
  }

  /**
   * client-go's processDeltasInBatch: the batch's keys are distinct, so each old object is read first, the
   * cache takes every change, then the handlers are told, in order, of the changes the cache accepted.
   */
  private processBatch(deltas: Delta<T>[], isInInitialList: boolean): void {
    const callbacks: (() => void)[] = [];
    const errors: string[] = [];
    const planned = deltas.map((d) => ({
      d,
      old: d.type === 'Deleted' || d.object instanceof DeletedFinalStateUnknown ? undefined : this.indexer.get(d.object),
    }));
    for (const { d, old } of planned) {
      const obj = d.object;
      try {
        if (d.type === 'Deleted') {
          this.indexer.delete(obj);
          callbacks.push(() => this.notifyDelete(obj, d.type));
        } else if (obj instanceof DeletedFinalStateUnknown) {
          continue;
        } else if (old !== undefined) {
          this.indexer.update(obj);
          callbacks.push(() => this.notifyUpdate(old, obj, d.type));
        } else {
          this.indexer.add(obj);
          callbacks.push(() => this.notifyAdd(obj, d.type, isInInitialList));
        }
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    this.emit('batch', { size: deltas.length, applied: callbacks.length });
    for (const callback of callbacks) callback();
    if (errors.length > 0) throw new Error(`not all items in the batch were processed: ${errors.join('; ')}`);
  }

  /**
   * client-go's processReplacedAllInfo: reconciles a relist against the cache, replaces the cache as a
   * whole, then tells the handlers of the deletions first and the listed objects in list order.
   */
  private processReplacedAll(info: ReplacedAllInfo<T>, isInInitialList: boolean): void {
    const deletions: DeletedFinalStateUnknown<T>[] = [];
    const replacements: { old: T | undefined; obj: T }[] = [];
    reconcileReplacement([], this.indexer, info.objects, this.keyFunc, {
      onDelete: (tombstone) => deletions.push(tombstone),
      onReplace: (obj) => replacements.push({ old: this.indexer.get(obj), obj }),
    });
    this.indexer.replace(info.objects, info.resourceVersion);
    this.emit('replaced-all', { deletions: deletions.length, listed: replacements.length, resourceVersion: info.resourceVersion });
    for (const tombstone of deletions) this.notifyDelete(tombstone, 'ReplacedAll');
    for (const { old, obj } of replacements) {
      if (old !== undefined) this.notifyUpdate(old, obj, 'ReplacedAll');
      else this.notifyAdd(obj, 'ReplacedAll', isInInitialList);
    }
  }

  private notifyAdd(obj: T, type: string, isInInitialList: boolean): void {
    if (this.tracer) this.emit('added', { type, isInInitialList }, this.keyFunc(obj));
    this.distribute({ type: 'add', obj, isInInitialList }, false);
  }

  /** As client-go's OnUpdate: an update that keeps the resourceVersion is a resync, for handlers due one. */
  private notifyUpdate(old: T, obj: T, type: string): void {
    const isSync = resourceVersionOf(old) === resourceVersionOf(obj);
    if (this.tracer) this.emit('updated', { type, sync: isSync }, this.keyFunc(obj));
    this.distribute({ type: 'update', oldObj: old, newObj: obj }, isSync);
  }

  private notifyDelete(obj: T | DeletedFinalStateUnknown<T>, type: string): void {
    if (this.tracer) this.emit('deleted', { type, tombstone: obj instanceof DeletedFinalStateUnknown }, this.keyFunc(obj));
    this.distribute({ type: 'delete', obj }, false);
  }

  private distribute(notification: Notification<T>, isSync: boolean): void {
    this.processor.distribute(notification, isSync);
  }

  private emit(action: string, data: Record<string, unknown>, key?: string): void {
    if (!this.tracer) return;
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
