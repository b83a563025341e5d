/**
 * DeltaFIFO: the queue between a Reflector (producer) and an informer (consumer). It accumulates, per
 * object key, every change seen since the key was last popped, and hands keys out in first-queued order.
 */
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import type { KeyFunc } from './keys.ts';
import { DeletedFinalStateUnknown, KeyError, keyOrKeyError, metaNamespaceKeyFunc } from './keys.ts';
import { HeldCalls } from './held-calls.ts';
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
  /**
   * Told each resource version a watch moves the reflector to, when the store wants it (client-go's
   * ResourceVersionUpdater): not the version of a list or of a watch-list's sync, nor those of its initial events.
   */
  updateResourceVersion?(resourceVersion: string): void;
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
  /**
   * Replace emits Replaced deltas when true; by default (false, as client-go) it emits Sync. Informers set
   * it to true.
   */
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
 *   add/update/delete came before any replace (even one that failed, as client-go);
 * - a key function's failure is thrown as a KeyError; a transform's failure as it is;
 * - `pop` removes the item before calling `process`; after `close()` pops still drain queued items, then
 *   resolve undefined.
 *
 * While a pop's `process` runs, the queue is as if locked, because client-go's Pop runs process under the
 * queue's lock: producer calls (add, update, delete, replace, resync) made meanwhile take effect in call
 * order once `process` has settled, so they decide against the known
 * objects as `process` left them; other pops wait for their turn. Such a call still throws at once what
 * depends only on its arguments (key and transform failures; for replace, after the objects before the
 * failing one were queued, as client-go); a failure that depends on the queue's state then (a delete's
 * transform, a resync's key) is reported to the tracer as an 'error' event. Reads (list, getByKey,
 * length, hasSynced) made meanwhile see the queue as it was before those calls. A synchronous `process`
 * is not awaited.
 *
 * Beyond client-go 0.36, which keeps its DeltaFIFO's list and get methods for its own tests: list, listKeys,
 * get and getByKey. As in 0.36 there is no requeue (ErrRequeue and AddIfNotPresent are gone there).
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
  /** Producer calls made while a pop's process runs (see the class doc). */
  private readonly held = new HeldCalls();
  /** Finished (once) when hasSynced() first turns true, as client-go's checkSynced_locked closes its channel. */
  private readonly synced = new DoneSignal('DeltaFIFO');

  constructor(options: DeltaFIFOOptions<T> = {}) {
    this.keyFunc = options.keyFunc ?? metaNamespaceKeyFunc;
    this.knownObjects = options.knownObjects;
    this.emitDeltaTypeReplaced = options.emitDeltaTypeReplaced ?? false;
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
    this.queueProduced('Added', obj);
  }

  update(obj: T): void {
    this.queueProduced('Updated', obj);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    // As client-go, a key failure changes nothing (not even populated).
    const key = this.keyFor(obj);
    this.held.run(() => {
      this.markPopulated();
      const queued = this.items.has(key);
      const known = this.knownObjects ? this.knownObjects.getByKey(key) !== undefined : false;
      // Neither queued nor known: a relist already reported this deletion.
      if (!queued && !known) return;
      this.queueKeyed('Deleted', key, this.transformed(obj));
    });
  }

  replace(list: T[], resourceVersion: string): void {
    // Keys and transforms depend only on the objects, so they are worked out now: the caller gets their
    // failure even when the queueing waits for a running process. As client-go, the objects before a
    // failing one are still queued, and nothing else happens.
    const keys: string[] = [];
    const objects: T[] = [];
    let failure: { error: unknown } | undefined;
    for (const obj of list) {
      try {
        const key = this.keyFor(obj);
        objects.push(this.transformed(obj) as T);
        keys.push(key);
      } catch (error) {
        failure = { error };
        break;
      }
    }
    this.held.run(() => this.applyReplace(keys, objects, failure === undefined, resourceVersion));
    if (failure) throw failure.error;
  }

  resync(): void {
    if (!this.knownObjects) return;
    this.held.run(() => this.applyResync());
  }

  /**
   * Waits for a key, removes it with its deltas, and calls `process(key, deltas, isInInitialList)`.
   * Resolves with what was popped, or undefined once closed and empty. An error from `process` rejects the
   * pop (the item stays removed). One pop processes at a
   * time; producer calls made meanwhile wait for it (see the class doc).
   */
  async pop(process: (key: string, deltas: Deltas<T>, isInInitialList: boolean) => void | Promise<void>): Promise<PopResult<T> | undefined> {
    for (;;) {
      const key = this.held.processing ? undefined : this.takeHeadKey();
      if (key === undefined) {
        if (this.closed && !this.held.processing) return undefined;
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
      this.held.processing = true;
      try {
        const pending = process(key, deltas, isInInitialList);
        // A synchronous process is not awaited: no extra turn per pop.
        if (pending !== undefined) await pending;
      } finally {
        this.held.end((err) =>
          // Its caller has returned already; client-go would have returned this error to it.
          safeEmit(this.tracer, {
            component: 'deltafifo',
            action: 'error',
            data: { phase: 'deferred', error: err instanceof Error ? err.message : String(err) },
            at: this.clock.now(),
          }),
        );
        // Pops waiting for this one may go on.
        this.wake();
      }
      return { key, deltas };
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

  private markPopulated(): void {
    this.populated = true;
    this.checkSynced();
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

  /** add/update: as client-go, populated is set (so hasSynced may turn true) even when the object fails. */
  private queueProduced(type: 'Added' | 'Updated', obj: T): void {
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
      this.queueKeyed(type, key, queued);
    });
  }

  /** `ok`: every listed object was keyed and transformed; otherwise `keys`/`objects` hold those before the failure. */
  private applyReplace(keys: string[], objects: T[], ok: boolean, resourceVersion: string): void {
    const type: DeltaType = this.emitDeltaTypeReplaced ? 'Replaced' : 'Sync';
    for (let i = 0; i < keys.length; i++) this.queueKeyed(type, keys[i]!, objects[i]!);
    if (!ok) return;
    const listed = new Set(keys);

    let queuedDeletions = 0;
    // Queued keys absent from the list: their deletion happened while we were away.
    for (const [key, deltas] of [...this.items]) {
      if (listed.has(key)) continue;
      let last = newestObject(deltas);
      if (last instanceof DeletedFinalStateUnknown) last = last.obj;
      queuedDeletions++;
      this.queueKeyed('Deleted', key, new DeletedFinalStateUnknown<T>(key, last));
    }
    // Known keys absent from the list and not queued.
    if (this.knownObjects) {
      for (const key of this.knownObjects.listKeys()) {
        if (listed.has(key) || this.items.has(key)) continue;
        queuedDeletions++;
        this.queueKeyed('Deleted', key, new DeletedFinalStateUnknown<T>(key, this.knownObjects.getByKey(key)));
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

  private applyResync(): void {
    const known = this.knownObjects!;
    for (const key of known.listKeys()) {
      const obj = known.getByKey(key);
      if (obj === undefined) continue;
      const id = this.keyFor(obj);
      // Something is already queued for it: a Sync carrying the older cached state would only mislead.
      if (this.items.has(id)) continue;
      // Not transformed again: the cached object was transformed when it arrived.
      this.queueKeyed('Sync', id, obj);
    }
  }

  /** The key of an object or tombstone; a key function's failure becomes a KeyError (client-go's KeyError{obj, err}). */
  private keyFor(obj: T | DeletedFinalStateUnknown<T>): string {
    return keyOrKeyError(this, obj);
  }

  /** The object as queued: transformed, unless it is a tombstone. */
  private transformed(obj: T | DeletedFinalStateUnknown<T>): T | DeletedFinalStateUnknown<T> {
    return this.transform && !(obj instanceof DeletedFinalStateUnknown) ? this.transform(obj) : obj;
  }

  /** Appends a delta under `key`; `obj` is already transformed (or a tombstone, or a resync's cached object). */
  private queueKeyed(type: DeltaType, key: string, obj: T | DeletedFinalStateUnknown<T>): void {
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
    if (this.waiters.length === 0) return;
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
