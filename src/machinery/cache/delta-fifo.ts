/**
 * DeltaFIFO: the queue between a Reflector (producer) and an informer (consumer). It accumulates, per
 * object key, every change seen since the key was last popped, and hands keys out in first-queued order.
 */
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import type { KeyFunc } from './keys.ts';
import { DeletedFinalStateUnknown, KeyError, metaNamespaceKeyFunc } from './keys.ts';
import type { KeyListerGetter } from './store.ts';
import type { DoneChecker } from './done-checker.ts';
import { DoneSignal } from './done-checker.ts';

export type DeltaType = 'Added' | 'Updated' | 'Deleted' | 'Replaced' | 'Sync';

export const DeltaTypes = {
  Added: 'Added',
  Updated: 'Updated',
  Deleted: 'Deleted',
  /** The object was in a relist; whether it changed is unknown. */
  Replaced: 'Replaced',
  /** A periodic resync re-delivered the object unchanged. */
  Sync: 'Sync',
} as const satisfies Record<DeltaType, DeltaType>;

/**
 * One change and the object's state after it; for Deleted, the last known state, possibly a tombstone
 * (DeletedFinalStateUnknown) when the deletion was inferred from a relist.
 */
export interface Delta<T> {
  type: DeltaType;
  object: T | DeletedFinalStateUnknown<T>;
}

/** Changes to one object, oldest first. Never empty. */
export type Deltas<T> = Delta<T>[];

/** The newest delta's object. */
export function newestObject<T>(deltas: Deltas<T>): T | DeletedFinalStateUnknown<T> | undefined {
  return deltas[deltas.length - 1]?.object;
}

/** Thrown by a pop's process function to put the item back (if its key was not queued again meanwhile). */
export class RequeueError extends Error {
  constructor(message = 'requeue', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequeueError';
  }
}

/** What a Reflector writes into: the producer side of a DeltaFIFO (also satisfied by a plain Store). */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  replace(list: T[], resourceVersion: string): void;
  resync(): void;
  /**
   * Told the version of each watch bookmark, when the store wants it (client-go's ReflectorBookmarkStore:
   * the RealFIFO queues a Bookmark entry). Not called for the bookmarks of a watch-list's initial events:
   * those go to its temporary store, as in client-go.
   */
  bookmark?(resourceVersion: string): void;
}

/** DeltaFIFO configuration; everything is optional. */
export interface DeltaFIFOOptions<T> {
  /** Defaults to metaNamespaceKeyFunc; tombstones are always keyed by their own key. */
  keyFunc?: KeyFunc;
  /**
   * The consumer's view of what exists (the informer's indexer). Used by delete (an object known only
   * there is still deleted), replace (known keys missing from the list get tombstones) and resync.
   */
  knownObjects?: KeyListerGetter<T>;
  /** Replace emits Replaced deltas (default true, as informers want); false emits Sync like old client-go. */
  emitDeltaTypeReplaced?: boolean;
  /**
   * Applied to every object as it is queued, e.g. to drop managedFields; not to tombstones, nor to the
   * Sync deltas of a resync (those objects come from the cache and were transformed when they arrived).
   */
  transform?: (obj: T) => T;
  tracer?: Tracer;
  clock?: Clock;
}

/** What a pop processed. */
export interface PopResult<T> {
  key: string;
  deltas: Deltas<T>;
  /** True when the process function asked for a requeue and the item was put back. */
  requeued: boolean;
}

/**
 * client-go's DeltaFIFO.
 *
 * Guarantees:
 * - a key is in the queue at most once; all deltas for it since it was queued travel together, oldest first;
 * - keys are popped in the order they were first queued (FIFO by key);
 * - two consecutive Deleted deltas collapse into one, keeping the more informative (non-tombstone) object;
 * - delete of an object neither queued nor known is ignored (its deletion was already reported);
 * - replace queues Replaced (or Sync) for each listed object and a Deleted tombstone for every queued or
 *   known key missing from the list; resync queues Sync only for known keys with nothing queued;
 * - `hasSynced()` is true once every item of the first replace has been popped, or as soon as an
 *   add/update/delete came before any replace;
 * - `pop` removes the item before calling `process`, one pop is processed at a time per caller; after
 *   `close()` pops still drain queued items, then resolve undefined.
 */
export class DeltaFIFO<T> implements ReflectorStore<T> {
  private readonly keyFunc: KeyFunc;
  private readonly knownObjects: KeyListerGetter<T> | undefined;
  private readonly emitDeltaTypeReplaced: boolean;
  private readonly transform: ((obj: T) => T) | undefined;
  private readonly tracer: Tracer | undefined;
  private readonly clock: Clock;

  private readonly items = new Map<string, Deltas<T>>();
  /** Keys in FIFO order from `head` on; every key there has an entry in `items` (only pop removes items). */
  private queue: string[] = [];
  private head = 0;
  private populated = false;
  private initialPopulationCount = 0;
  private closed = false;
  private waiters: (() => void)[] = [];
  /** Finished (once) when hasSynced() first turns true, as client-go's checkSynced_locked closes its channel. */
  private readonly synced = new DoneSignal('DeltaFIFO');

  constructor(options: DeltaFIFOOptions<T> = {}) {
    this.keyFunc = options.keyFunc ?? metaNamespaceKeyFunc;
    this.knownObjects = options.knownObjects;
    this.emitDeltaTypeReplaced = options.emitDeltaTypeReplaced ?? true;
    this.transform = options.transform;
    this.tracer = options.tracer;
    this.clock = options.clock ?? realClock;
  }

  /** The key of an object, of a tombstone (its own key), or of a Deltas list (its newest object). */
  keyOf(obj: unknown): string {
    if (Array.isArray(obj)) {
      const newest = obj[obj.length - 1] as Delta<T> | undefined;
      if (!newest) throw new KeyError('zero-length Deltas', obj);
      obj = newest.object;
    }
    if (obj instanceof DeletedFinalStateUnknown) return obj.key;
    return this.keyFunc(obj);
  }

  add(obj: T): void {
    this.populated = true;
    this.queueAction('Added', obj);
    this.checkSynced();
  }

  update(obj: T): void {
    this.populated = true;
    this.queueAction('Updated', obj);
    this.checkSynced();
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    const key = this.keyOf(obj);
    this.populated = true;
    const queued = this.items.has(key);
    const known = this.knownObjects ? this.knownObjects.getByKey(key) !== undefined : false;
    this.checkSynced();
    // Neither queued nor known: a relist already reported this deletion.
    if (!queued && !known) return;
    this.queueAction('Deleted', obj);
  }

  /**
   * Puts back deltas that were popped, unless the key was queued again meanwhile (then the newer deltas
   * win and these are dropped).
   */
  addIfNotPresent(key: string, deltas: Deltas<T>): void {
    this.populated = true;
    this.checkSynced();
    if (this.items.has(key)) return;
    this.items.set(key, deltas);
    this.queue.push(key);
    this.wake();
  }

  replace(list: T[], resourceVersion: string): void {
    const action: DeltaType = this.emitDeltaTypeReplaced ? 'Replaced' : 'Sync';
    const listed = new Set<string>();
    for (const obj of list) {
      listed.add(this.keyOf(obj));
      this.queueAction(action, obj, false);
    }

    let queuedDeletions = 0;
    // Queued keys absent from the list: their deletion happened while we were away.
    for (const [key, deltas] of [...this.items]) {
      if (listed.has(key)) continue;
      let last = newestObject(deltas);
      if (last instanceof DeletedFinalStateUnknown) last = last.obj;
      queuedDeletions++;
      this.queueAction('Deleted', new DeletedFinalStateUnknown<T>(key, last));
    }
    // Known keys absent from the list and not queued.
    if (this.knownObjects) {
      for (const key of this.knownObjects.listKeys()) {
        if (listed.has(key) || this.items.has(key)) continue;
        queuedDeletions++;
        this.queueAction('Deleted', new DeletedFinalStateUnknown<T>(key, this.knownObjects.getByKey(key)));
      }
    }

    if (!this.populated) {
      this.populated = true;
      this.initialPopulationCount = listed.size + queuedDeletions;
    }
    this.checkSynced();
    safeEmit(this.tracer, {
      component: 'deltafifo',
      action: 'replaced',
      data: { listed: listed.size, deletions: queuedDeletions, resourceVersion },
      at: this.clock.now(),
    });
  }

  resync(): void {
    if (!this.knownObjects) return;
    for (const key of this.knownObjects.listKeys()) {
      const obj = this.knownObjects.getByKey(key);
      if (obj === undefined) continue;
      // Something is already queued for it: a Sync carrying the older cached state would only mislead.
      if (this.items.has(this.keyOf(obj))) continue;
      this.queueAction('Sync', obj, true);
    }
  }

  /**
   * Waits for a key, removes it with its deltas, and calls `process(key, deltas, isInInitialList)`.
   * Resolves with what was popped, or undefined once closed and empty. A RequeueError from `process`
   * puts the item back; any other error rejects the pop (the item stays removed).
   */
  async pop(process: (key: string, deltas: Deltas<T>, isInInitialList: boolean) => void | Promise<void>): Promise<PopResult<T> | undefined> {
    for (;;) {
      const key = this.takeHeadKey();
      if (key === undefined) {
        if (this.closed) return undefined;
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      const deltas = this.items.get(key)!;
      this.items.delete(key);
      const isInInitialList = !this.hasSynced();
      if (this.initialPopulationCount > 0) this.initialPopulationCount--;
      this.checkSynced();
      safeEmit(this.tracer, {
        component: 'deltafifo',
        action: 'popped',
        key,
        data: { types: deltas.map((d) => d.type), depth: this.items.size },
        at: this.clock.now(),
      });
      try {
        await process(key, deltas, isInInitialList);
      } catch (err) {
        if (err instanceof RequeueError) {
          this.addIfNotPresent(key, deltas);
          return { key, deltas, requeued: true };
        }
        throw err;
      }
      return { key, deltas, requeued: false };
    }
  }

  hasSynced(): boolean {
    return this.synced.isDone();
  }

  /** Done once hasSynced() turns true: wait on it instead of polling hasSynced(). */
  hasSyncedChecker(): DoneChecker {
    return this.synced;
  }

  private checkSynced(): void {
    if (this.populated && this.initialPopulationCount === 0) this.synced.finish();
  }

  /** The transform applied to queued objects (a TransformingStore: the reflector's watch-list applies it too). */
  transformer(): ((obj: T) => T) | undefined {
    return this.transform;
  }

  /** Releases waiting pops; queued items can still be popped. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** The newest object of each queued key, in queue order. */
  list(): (T | DeletedFinalStateUnknown<T>)[] {
    return this.listKeys().map((key) => newestObject(this.items.get(key)!)!);
  }

  /** Queued keys in pop order. */
  listKeys(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const key = this.queue[i]!;
      if (this.items.has(key) && !seen.has(key)) {
        seen.add(key);
        out.push(key);
      }
    }
    return out;
  }

  /** A copy of the deltas queued for `key`, or undefined. */
  getByKey(key: string): Deltas<T> | undefined {
    const deltas = this.items.get(key);
    return deltas ? [...deltas] : undefined;
  }

  get(obj: T | DeletedFinalStateUnknown<T>): Deltas<T> | undefined {
    return this.getByKey(this.keyOf(obj));
  }

  /** Number of queued keys. */
  get length(): number {
    return this.items.size;
  }

  /** `fromCache`: a resync's object, already transformed (client-go's internal action type Sync). */
  private queueAction(type: DeltaType, obj: T | DeletedFinalStateUnknown<T>, fromCache = false): void {
    const key = this.keyOf(obj);
    if (this.transform && !fromCache && !(obj instanceof DeletedFinalStateUnknown)) obj = this.transform(obj);
    const existing = this.items.get(key);
    const deltas = existing ?? [];
    deltas.push({ type, object: obj });
    dedupLastTwo(deltas);
    if (!existing) {
      this.items.set(key, deltas);
      this.queue.push(key);
    }
    safeEmit(this.tracer, {
      component: 'deltafifo',
      action: 'queued',
      key,
      data: { type, pending: deltas.length },
      at: this.clock.now(),
    });
    this.wake();
  }

  private takeHeadKey(): string | undefined {
    while (this.head < this.queue.length) {
      const key = this.queue[this.head++]!;
      if (this.items.has(key)) {
        this.compact();
        return key;
      }
    }
    this.compact();
    return undefined;
  }

  /** Drops the consumed prefix of the queue array once it dominates, keeping memory bounded. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Collapses a trailing pair of deletions, keeping the one that is not a tombstone when there is one. */
function dedupLastTwo<T>(deltas: Deltas<T>): void {
  const n = deltas.length;
  if (n < 2) return;
  const newer = deltas[n - 1]!;
  const older = deltas[n - 2]!;
  if (newer.type !== 'Deleted' || older.type !== 'Deleted') return;
  const keep = older.object instanceof DeletedFinalStateUnknown ? newer : older;
  deltas.splice(n - 2, 2, keep);
}
