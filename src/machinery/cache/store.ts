/**
 * Store: a keyed collection of objects, the local copy of what the API server holds.
 */
import type { DeletedFinalStateUnknown } from './keys.ts';

/**
 * A keyed object collection.
 *
 * Guarantees:
 * - every object is filed under the key its key function gives; `add` and `update` are the same operation
 *   (an upsert) and differ only in intent;
 * - `delete` of an absent object is a no-op; with a deletion-handling key function it accepts a
 *   DeletedFinalStateUnknown tombstone and deletes the key it carries;
 * - a key function's failure is thrown as a KeyError holding the object (the failure is its cause, unless
 *   it already is a KeyError for that object), as client-go returns KeyError{obj, err}, and changes nothing;
 * - `replace` swaps the whole content atomically (no reader sees a half-replaced store);
 * - objects are returned as stored, not copied: treat them as read-only, or indices go stale.
 */
export interface Store<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T | DeletedFinalStateUnknown<T>): void;
  list(): T[];
  listKeys(): string[];
  /** The stored object with the same key as `obj`, or undefined. */
  get(obj: T | DeletedFinalStateUnknown<T>): T | undefined;
  getByKey(key: string): T | undefined;
  /** Replaces the whole content with `list`; `resourceVersion` is the version the list was read at. */
  replace(list: T[], resourceVersion: string): void;
  /** Meaningless for a plain store (kept for the interface's shape, as in client-go); queues use it. */
  resync(): void;
}

/** What a DeltaFIFO needs of the informer's cache to detect deletions and to resync: keys and lookups. */
export interface KeyListerGetter<T> {
  listKeys(): string[];
  getByKey(key: string): T | undefined;
}
