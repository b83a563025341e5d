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
import { DeletedFinalStateUnknown, keyOrKeyError, metaNamespaceKeyFunc } from './keys.ts';
import { HeldCalls } from './held-calls.ts';
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
 * - a key that cannot be computed fails the call with a KeyError and queues nothing for that object (for
 *   replace: nothing at all); add, update and delete set populated first, so hasSynced may turn true;
 * - `hasSynced()` turns true once every entry queued by the first replace has been popped and processed
 *   (or at once when an add/update/delete came first); it never turns false again; `hasSyncedChecker()` is done then;
 * - `pop` removes the entry before calling `process` and counts it towards the initial sync only after
 *   `process` settled; there is no requeue (a failure rejects the pop and the entry is gone);
 * - `popBatch` takes up to batchSize consecutive per-object entries with distinct keys, never past the end of
 *   the initial list, and hands a lone or non-batchable entry to `processSingle`;
 * - after `close()`, pops still drain what is queued, then resolve undefined.
 *
 * While a pop's `process` runs without atomic events, the queue is as if locked, because client-go's RealFIFO
 * then runs process under its lock (it forbids UnlockWhileProcessing with known objects): producer calls
 * (add, update, delete, replace, resync) made meanwhile take effect in call order once `process` has
 * settled and the entry was counted, so replace and resync see the known objects as `process` left them;
 * other pops wait for their turn. Such a call still throws at once what depends only on its arguments (key
 * and transform failures; for replace, after the deletions and the objects before a failing transform were
 * queued, as client-go); a failure that depends on the queue's state then (a resync's key) is reported to
 * the tracer as an 'error' event. Reads (items, length, hasSynced) made meanwhile see the queue as it was
 * before those calls. With atomic events nothing waits, as client-go 1.36's informers run it
 * (UnlockWhileProcessing, on by default): producers queue while an async `process` awaits, and pops
 * may overlap. A synchronous `process` is not awaited.
 *
 * Deliberate differences: no metrics; with atomic events producers never wait, where client-go re-takes the
 * lock while two full batches are queued; a resync that cannot key a cached object throws a KeyError, where
 * client-go 0.36 returns an error that is not one (it wraps a nil error there by mistake).
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
  /** Producer calls made while a pop's process runs without atomic events (see the class doc). */
  private readonly held = new HeldCalls();

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
    this.queueProduced('Added', obj);
  }

  update(obj: T): void {
    this.queueProduced('Updated', obj);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    this.queueProduced('Deleted', obj);
  }

  replace(list: T[], resourceVersion: string): void {
    if (this.atomicEvents) {
      const transform = this.transform;
      const objects = transform ? list.map((obj) => transform(obj)) : list;
      this.push({ type: 'ReplacedAll', object: { resourceVersion, objects } });
      this.trace('queued', undefined, { type: 'ReplacedAll', objects: objects.length, resourceVersion });
      this.markReplaced();
      return;
    }
    // As client-go's reconcileReplacement: every listed key first, so a KeyError queues nothing. Keys and
    // transforms depend only on the objects, so they are worked out now: the caller gets their failure
    // even when the queueing waits for a running process.
    const keys = list.map((obj) => this.keyFor(obj));
    const objects: T[] = [];
    let failure: { error: unknown } | undefined;
    for (const obj of list) {
      try {
        objects.push(this.transformed(obj) as T);
      } catch (error) {
        failure = { error };
        break;
      }
    }
    // The caller may reuse its array once this returns; the queueing may come later.
    const listed = [...list];
    this.held.run(() => {
      let deletions = 0;
      let replaced = 0;
      reconcileReplacement(this.pendingDeltas(), this.knownObjects!, listed, (obj) => this.keyOf(obj), {
        onDelete: (tombstone) => {
          deletions++;
          this.pushDelta('Deleted', tombstone.key, tombstone);
        },
        // As client-go: the objects before a failing transform are queued, then replace stops.
        onReplace: () => {
          if (replaced < objects.length) this.pushDelta('Replaced', keys[replaced]!, objects[replaced]!);
          replaced++;
        },
      });
      if (failure) return;
      this.trace('replaced', undefined, { listed: listed.length, deletions, resourceVersion });
      this.markReplaced();
    });
    if (failure) throw failure.error;
  }

  resync(): void {
    if (this.atomicEvents) {
      this.push({ type: 'SyncAll', object: undefined });
      this.trace('queued', undefined, { type: 'SyncAll' });
      return;
    }
    this.held.run(() => {
      const known = this.knownObjects!;
      const inQueue = new Set<string>();
      for (const item of this.pending()) inQueue.add(this.keyFor(item.object as T));
      for (const key of known.listKeys()) {
        // Something is queued for it: a Sync with the cached (older) state would arrive after it and undo it.
        if (inQueue.has(key)) continue;
        const obj = known.getByKey(key);
        if (obj === undefined) continue;
        // Not transformed again: the cached object was transformed when it arrived.
        this.pushDelta('Sync', this.keyFor(obj), obj);
      }
    });
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
    // Checked again after every wait, in the turn the entry is taken: another pop may have gone first.
    while (!this.canTake()) {
      if (this.drained()) return undefined;
      await this.nextWake();
    }
    const isInInitialList = !this.synced.isDone();
    const item = this.take();
    this.tracePopped([item]);
    this.held.processing = !this.atomicEvents;
    try {
      const pending = process([item], isInInitialList);
      // A synchronous process is not awaited: no extra turn per pop.
      if (pending !== undefined) await pending;
    } finally {
      this.countPopped(1);
      this.endProcessing();
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
    // Checked again after every wait, in the turn the entry is taken: another pop may have gone first.
    while (!this.canTake()) {
      if (this.drained()) return undefined;
      await this.nextWake();
    }
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
    this.held.processing = !this.atomicEvents;
    try {
      const pending = batch.length === 1 ? processSingle(batch, isInInitialList) : processBatch(batch as Delta<T>[], isInInitialList);
      if (pending !== undefined) await pending;
    } finally {
      this.countPopped(batch.length);
      this.endProcessing();
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

  /** The queued per-object entries (without atomic events, all of them). */
  private pendingDeltas(): Delta<T>[] {
    return this.pending().filter((item): item is Delta<T> => BATCHABLE.has(item.type));
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

  /** add/update/delete: as client-go, populated is set (so hasSynced may turn true) even when the object fails. */
  private queueProduced(type: 'Added' | 'Updated' | 'Deleted', obj: T | DeletedFinalStateUnknown<T>): void {
    let key: string;
    let queued: T | DeletedFinalStateUnknown<T>;
    try {
      key = this.keyFor(obj);
      queued = this.transformed(obj);
    } catch (err) {
      this.held.run(() => this.markPopulated());
      throw err;
    }
    this.held.run(() => {
      this.markPopulated();
      this.pushDelta(type, key, queued);
    });
  }

  /** The first replace fixes how many entries the initial list is. */
  private markReplaced(): void {
    if (this.populated) return;
    this.populated = true;
    this.initialPopulationCount = this.length;
    this.checkSynced();
  }

  /** The key of an object or tombstone; a key function's failure becomes a KeyError (client-go's KeyError{obj, err}). */
  private keyFor(obj: T | DeletedFinalStateUnknown<T>): string {
    return keyOrKeyError(this, obj);
  }

  /** The object as queued: transformed, unless it is a tombstone. */
  private transformed(obj: T | DeletedFinalStateUnknown<T>): T | DeletedFinalStateUnknown<T> {
    return this.transform && !(obj instanceof DeletedFinalStateUnknown) ? this.transform(obj) : obj;
  }

  /** Queues a per-object entry; `obj` is already transformed (or a tombstone, or a resync's cached object). */
  private pushDelta(type: Delta<T>['type'], key: string, obj: T | DeletedFinalStateUnknown<T>): void {
    this.push({ type, object: obj });
    if (this.tracer) this.trace('queued', key, { type, depth: this.length });
  }

  /** After a pop's process (and its count): the producer calls made meanwhile, in order; then waiting pops go on. */
  private endProcessing(): void {
    if (!this.held.processing) return;
    this.held.end((err) =>
      // Its caller has returned already; client-go would have returned this error to it.
      this.trace('error', undefined, { phase: 'deferred', error: err instanceof Error ? err.message : String(err) }),
    );
    this.wake();
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

  /** An entry is queued and no other pop is processing (without atomic events). */
  private canTake(): boolean {
    return !this.held.processing && this.length > 0;
  }

  /** Closed, empty, and no pop processing whose deferred calls could still queue something. */
  private drained(): boolean {
    return !this.held.processing && this.closed && this.length === 0;
  }

  private nextWake(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
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
 * object in list order. The keys of `list` are all computed first, so a key failure there changes nothing.
 * A key function's failure is thrown as a KeyError.
 */
export function reconcileReplacement<T>(
  queued: Deltas<T>,
  known: KeyListerGetter<T>,
  list: T[],
  keyOf: (obj: T | DeletedFinalStateUnknown<T>) => string,
  on: { onDelete: (tombstone: DeletedFinalStateUnknown<T>) => void; onReplace: (obj: T) => void },
): void {
  const namer = { keyOf };
  const keyFor = (obj: T | DeletedFinalStateUnknown<T>): string => keyOrKeyError(namer, obj);
  const listed = new Set<string>();
  for (const obj of list) listed.add(keyFor(obj));

  const lastQueued = new Map<string, Delta<T>>();
  for (const item of queued) lastQueued.set(keyFor(item.object), item);
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
