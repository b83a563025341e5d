/**
 * RealFIFO: the queue client-go's informers run on since InOrderInformers (default in 1.33, locked on in
 * 1.36). Where DeltaFIFO merges every change to one key into one queue entry, RealFIFO keeps every
 * notification as its own entry, in the order the Reflector produced them.
 */
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import type { Delta, Deltas, ReflectorStore } from './delta-fifo.ts';
import type { DoneChecker } from './done-checker.ts';
import { DoneSignal } from './done-checker.ts';
import type { KeyFunc } from './keys.ts';
import { DeletedFinalStateUnknown, KeyError, metaNamespaceKeyFunc } from './keys.ts';
import type { KeyListerGetter } from './store.ts';

/** A whole relist in one entry (atomic events): the informer reconciles it against its cache when popped. */
export interface ReplacedAllInfo<T> {
  resourceVersion: string;
  /** The listed objects, already transformed. */
  objects: T[];
}

/** One entry of a RealFIFO: a per-object delta, or (atomic events) a whole relist, a whole resync, a bookmark. */
export type RealFIFOItem<T> =
  | Delta<T>
  | { type: 'ReplacedAll'; object: ReplacedAllInfo<T> }
  | { type: 'SyncAll'; object: undefined }
  | { type: 'Bookmark'; object: { resourceVersion: string } };

/** Per-object delta types: the ones a batch may hold (client-go's `batchable`). */
const BATCHABLE = new Set<RealFIFOItem<unknown>['type']>(['Sync', 'Replaced', 'Added', 'Updated', 'Deleted']);

/** client-go's defaultBatchSize: at most this many entries are popped as one batch. */
export const defaultBatchSize = 1000;

export interface RealFIFOOptions<T> {
  /** Defaults to metaNamespaceKeyFunc; tombstones are keyed by the key they carry. */
  keyFunc?: KeyFunc;
  /**
   * The consumer's cache. Required without atomicEvents (replace and resync read it); must be absent with
   * atomicEvents (the informer reconciles against its cache when it pops the entry).
   */
  knownObjects?: KeyListerGetter<T>;
  /** Applied to each object as it is queued; not to tombstones, nor to resync entries (cached objects). */
  transform?: (obj: T) => T;
  /** One ReplacedAll entry per replace and one SyncAll per resync (client-go's AtomicFIFO, on in 1.36). */
  atomicEvents?: boolean;
  /** Queue the reflector's bookmarks as Bookmark entries; only with atomicEvents. */
  emitDeltaTypeBookmark?: boolean;
  /** Most entries one popBatch takes. Default 1000. */
  batchSize?: number;
  tracer?: Tracer;
  clock?: Clock;
}

/**
 * client-go's RealFIFO (tools/cache/the_real_fifo.go).
 *
 * Guarantees:
 * - every add, update and delete is its own entry, popped in the order it was queued: a consumer sees each
 *   change to an object, never a merged list, and changes to different objects keep their relative order;
 * - delete always queues (unlike DeltaFIFO, which drops the delete of an object neither queued nor known):
 *   the informer then calls onDelete even for an object its cache never held;
 * - replace, without atomic events, queues first a Deleted tombstone for every key that is queued (its last
 *   entry not already a delete) or known but not listed, then a Replaced entry per listed object in list
 *   order; with atomic events it queues one ReplacedAll entry, which the informer turns into the same
 *   deletions-first sequence when it pops it;
 * - resync, without atomic events, queues Sync (the cached object, not transformed again) for each known key
 *   with nothing queued; with atomic events one SyncAll entry, which re-delivers every cached object as it
 *   is when popped;
 * - a key that cannot be computed fails the call with a KeyError and queues nothing for that object;
 * - `hasSynced()` turns true once every entry queued by the first replace has been popped and processed
 *   (or at once when an add/update/delete came first); it never turns false again; `hasSyncedChecker()` is done then;
 * - `pop` removes the entry before calling `process` and counts it towards the initial sync only after
 *   `process` settled; there is no requeue (a failure rejects the pop and the entry is gone);
 * - `popBatch` takes up to batchSize consecutive per-object entries with distinct keys, never past the end of
 *   the initial list, and hands a lone or non-batchable entry to `processSingle`;
 * - after `close()`, pops still drain what is queued, then resolve undefined.
 *
 * Deliberate differences: JavaScript has no lock to hold while processing, so UnlockWhileProcessing changes
 * nothing here (producers can always queue while an async `process` awaits); no metrics.
 */
export class RealFIFO<T> implements ReflectorStore<T> {
  private readonly keyFunc: KeyFunc;
  private readonly knownObjects: KeyListerGetter<T> | undefined;
  private readonly transform: ((obj: T) => T) | undefined;
  private readonly atomicEvents: boolean;
  private readonly emitDeltaTypeBookmark: boolean;
  private readonly batchSize: number;
  private readonly tracer: Tracer | undefined;
  private readonly clock: Clock;

  /** Entries from `head` on; slots before it were popped and cleared. */
  private queue: (RealFIFOItem<T> | undefined)[] = [];
  private head = 0;
  private populated = false;
  private initialPopulationCount = 0;
  /** Finished (once) when hasSynced() first turns true, as client-go's checkSynced_locked closes its channel. */
  private readonly synced = new DoneSignal('RealFIFO');
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(options: RealFIFOOptions<T> = {}) {
    this.atomicEvents = options.atomicEvents ?? false;
    // client-go panics on these combinations ("coding error").
    if (this.atomicEvents && options.knownObjects) throw new Error('RealFIFO: knownObjects must not be given with atomicEvents');
    if (!this.atomicEvents && !options.knownObjects) throw new Error('RealFIFO: knownObjects is required without atomicEvents');
    if (!this.atomicEvents && options.emitDeltaTypeBookmark) throw new Error('RealFIFO: emitDeltaTypeBookmark needs atomicEvents');
    this.keyFunc = options.keyFunc ?? metaNamespaceKeyFunc;
    this.knownObjects = options.knownObjects;
    this.transform = options.transform;
    this.emitDeltaTypeBookmark = options.emitDeltaTypeBookmark ?? false;
    this.batchSize = options.batchSize ?? defaultBatchSize;
    this.tracer = options.tracer;
    this.clock = options.clock ?? realClock;
  }

  /** The key of an object, or of a tombstone (the key it carries). */
  keyOf(obj: T | DeletedFinalStateUnknown<T>): string {
    if (obj instanceof DeletedFinalStateUnknown) return obj.key;
    return this.keyFunc(obj);
  }

  /** The transform objects get as they are queued (client-go's TransformingStore). */
  transformer(): ((obj: T) => T) | undefined {
    return this.transform;
  }

  add(obj: T): void {
    this.markPopulated();
    this.queueObject('Added', obj, false);
  }

  update(obj: T): void {
    this.markPopulated();
    this.queueObject('Updated', obj, false);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    this.markPopulated();
    this.queueObject('Deleted', obj, false);
  }

  replace(list: T[], resourceVersion: string): void {
    let deletions = 0;
    if (this.atomicEvents) {
      const transform = this.transform;
      const objects = transform ? list.map((obj) => transform(obj)) : list;
      this.push({ type: 'ReplacedAll', object: { resourceVersion, objects } });
      this.trace('queued', undefined, { type: 'ReplacedAll', objects: objects.length, resourceVersion });
    } else {
      const queued = this.pending().filter((item): item is Delta<T> => BATCHABLE.has(item.type));
      reconcileReplacement(queued, this.knownObjects!, list, (obj) => this.keyOf(obj), {
        onDelete: (tombstone) => {
          deletions++;
          this.queueObject('Deleted', tombstone, true);
        },
        onReplace: (obj) => this.queueObject('Replaced', obj, false),
      });
      this.trace('replaced', undefined, { listed: list.length, deletions, resourceVersion });
    }
    if (!this.populated) {
      this.populated = true;
      this.initialPopulationCount = this.length;
      this.checkSynced();
    }
  }

  resync(): void {
    if (this.atomicEvents) {
      this.push({ type: 'SyncAll', object: undefined });
      this.trace('queued', undefined, { type: 'SyncAll' });
      return;
    }
    const known = this.knownObjects!;
    const inQueue = new Set<string>();
    for (const item of this.pending()) inQueue.add(this.keyOf(item.object as T));
    for (const key of known.listKeys()) {
      // Something is queued for it: a Sync with the cached (older) state would arrive after it and undo it.
      if (inQueue.has(key)) continue;
      const obj = known.getByKey(key);
      if (obj === undefined) continue;
      this.queueObject('Sync', obj, true);
    }
  }

  /** Queues a Bookmark entry when bookmarks are emitted (atomic events); otherwise does nothing. */
  bookmark(resourceVersion: string): void {
    if (!this.emitDeltaTypeBookmark) return;
    this.push({ type: 'Bookmark', object: { resourceVersion } });
    this.trace('queued', undefined, { type: 'Bookmark', resourceVersion });
  }

  /**
   * Waits for an entry, removes it and calls `process([entry], isInInitialList)`. Resolves with the entry
   * (as a one-element list), or undefined once closed and empty; rejects with what `process` threw.
   */
  async pop(process: (deltas: RealFIFOItem<T>[], isInInitialList: boolean) => void | Promise<void>): Promise<RealFIFOItem<T>[] | undefined> {
    if (!(await this.waitForItem())) return undefined;
    const isInInitialList = !this.synced.isDone();
    const item = this.take();
    this.tracePopped([item]);
    try {
      await process([item], isInInitialList);
    } finally {
      this.countPopped(1);
    }
    return [item];
  }

  /**
   * Pops a batch: consecutive per-object entries with distinct keys, at most batchSize, not crossing the end
   * of the initial list. A batch of one, or a non-batchable entry first in line, goes to `processSingle`.
   * Resolves with what was popped, or undefined once closed and empty.
   */
  async popBatch(
    processBatch: (deltas: Delta<T>[], isInInitialList: boolean) => void | Promise<void>,
    processSingle: (deltas: RealFIFOItem<T>[], isInInitialList: boolean) => void | Promise<void>,
  ): Promise<RealFIFOItem<T>[] | undefined> {
    if (!(await this.waitForItem())) return undefined;
    const isInInitialList = !this.synced.isDone();
    const batch: RealFIFOItem<T>[] = [];
    const keys = new Set<string>();
    const available = this.length;
    for (let i = 0; i < this.batchSize && i < available; i++) {
      if (this.initialPopulationCount > 0 && i >= this.initialPopulationCount) break;
      const item = this.queue[this.head]!;
      if (!BATCHABLE.has(item.type)) {
        if (batch.length === 0) batch.push(this.take());
        break;
      }
      let key: string;
      try {
        key = this.keyOf(item.object as T);
      } catch {
        // As client-go: the broken entry still leaves the queue, and closes the batch.
        batch.push(this.take());
        break;
      }
      if (keys.has(key)) break;
      keys.add(key);
      batch.push(this.take());
    }
    this.tracePopped(batch);
    try {
      if (batch.length === 1) await processSingle(batch, isInInitialList);
      else await processBatch(batch as Delta<T>[], isInInitialList);
    } finally {
      this.countPopped(batch.length);
    }
    return batch;
  }

  hasSynced(): boolean {
    return this.synced.isDone();
  }

  /** Done once hasSynced() turns true (client-go's HasSyncedChecker): wait on it instead of polling hasSynced(). */
  hasSyncedChecker(): DoneChecker {
    return this.synced;
  }

  /** Releases waiting pops; queued entries can still be popped. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** Number of queued entries. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** A copy of the queued entries, oldest first. */
  items(): RealFIFOItem<T>[] {
    return this.pending();
  }

  private pending(): RealFIFOItem<T>[] {
    return this.queue.slice(this.head) as RealFIFOItem<T>[];
  }

  private markPopulated(): void {
    this.populated = true;
    this.checkSynced();
  }

  private checkSynced(): void {
    if (this.populated && this.initialPopulationCount === 0) this.synced.finish();
  }

  private countPopped(n: number): void {
    if (this.initialPopulationCount === 0) return;
    this.initialPopulationCount = Math.max(0, this.initialPopulationCount - n);
    this.checkSynced();
  }

  /** `fromCache`: the object is a tombstone or a cached object, transformed already. */
  private queueObject(type: Delta<T>['type'], obj: T | DeletedFinalStateUnknown<T>, fromCache: boolean): void {
    let key: string;
    try {
      key = this.keyOf(obj);
    } catch (err) {
      throw err instanceof KeyError ? err : new KeyError(err instanceof Error ? err.message : String(err), obj);
    }
    if (this.transform && !fromCache && !(obj instanceof DeletedFinalStateUnknown)) obj = this.transform(obj);
    this.push({ type, object: obj });
    if (this.tracer) this.trace('queued', key, { type, depth: this.length });
  }

  private push(item: RealFIFOItem<T>): void {
    this.queue.push(item);
    this.wake();
  }

  private take(): RealFIFOItem<T> {
    const item = this.queue[this.head]!;
    // Clear the slot so the popped object can be collected.
    this.queue[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** True when an entry is ready; false when closed and empty. */
  private async waitForItem(): Promise<boolean> {
    while (this.length === 0) {
      if (this.closed) return false;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return true;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private tracePopped(batch: RealFIFOItem<T>[]): void {
    if (!this.tracer) return;
    for (const item of batch) {
      const key = BATCHABLE.has(item.type) ? this.safeKey(item.object as T) : undefined;
      this.trace('popped', key, { type: item.type, batch: batch.length, depth: this.length });
    }
  }

  private safeKey(obj: T): string | undefined {
    try {
      return this.keyOf(obj);
    } catch {
      return undefined;
    }
  }

  private trace(action: string, key: string | undefined, data: Record<string, unknown>): void {
    if (!this.tracer) return;
    const event = { component: 'realfifo', action, data, at: this.clock.now() };
    safeEmit(this.tracer, key === undefined ? event : { ...event, key });
  }
}

/**
 * client-go's reconcileReplacement: what a relist means against what is queued and what is known. Calls
 * `onDelete` with a tombstone for each key that is queued (in first-queued order, unless its last entry is
 * already a delete) or known (in listKeys order) but absent from `list`, then `onReplace` for each listed
 * object in list order. The keys of `list` are all computed first, so a KeyError there changes nothing.
 */
export function reconcileReplacement<T>(
  queued: Deltas<T>,
  known: KeyListerGetter<T>,
  list: T[],
  keyOf: (obj: T | DeletedFinalStateUnknown<T>) => string,
  on: { onDelete: (tombstone: DeletedFinalStateUnknown<T>) => void; onReplace: (obj: T) => void },
): void {
  const listed = new Set<string>();
  for (const obj of list) listed.add(keyOf(obj));

  const lastQueued = new Map<string, Delta<T>>();
  for (const item of queued) lastQueued.set(keyOf(item.object), item);
  for (const [key, last] of lastQueued) {
    if (listed.has(key) || last.type === 'Deleted') continue;
    // The watch missed this deletion while it was away.
    on.onDelete(new DeletedFinalStateUnknown<T>(key, last.object as T));
  }
  for (const key of known.listKeys()) {
    if (listed.has(key) || lastQueued.has(key)) continue;
    on.onDelete(new DeletedFinalStateUnknown<T>(key, known.getByKey(key)));
  }
  for (const obj of list) on.onReplace(obj);
}
