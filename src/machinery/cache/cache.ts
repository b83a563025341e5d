/**
 * The in-memory Store/Indexer implementation (client-go's threadSafeMap plus its key function). JavaScript
 * runs one call at a time, so no locking is needed: every method completes before another starts.
 */
import type { Indexer, Indexers } from './indexer.ts';
import type { Store } from './store.ts';
import type { DeletedFinalStateUnknown, KeyFunc } from './keys.ts';
import { deletionHandlingMetaNamespaceKeyFunc, keyOrKeyError } from './keys.ts';

/**
 * Objects by key plus, per index, value -> set of keys. Insertion order of keys is kept, so `list()` is
 * stable between calls when nothing changed. A key function's failure reaches the caller as a KeyError
 * (holding the object, the failure as its cause) and changes nothing. See Indexer for the guarantees.
 */
export class Cache<T> implements Indexer<T> {
  /** The key function, held for keyOrKeyError. */
  private readonly namer: { keyOf: KeyFunc };
  private items = new Map<string, T>();
  private readonly indexers: Indexers<T> = {};
  /** indexName -> indexedValue -> keys */
  private indices = new Map<string, Map<string, Set<string>>>();

  constructor(keyFunc: KeyFunc = deletionHandlingMetaNamespaceKeyFunc, indexers: Indexers<T> = {}) {
    this.namer = { keyOf: keyFunc };
    this.addIndexers(indexers);
  }

  add(obj: T): void {
    this.put(this.keyOf(obj), obj);
  }

  update(obj: T): void {
    this.put(this.keyOf(obj), obj);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    const key = this.keyOf(obj);
    const old = this.items.get(key);
    if (old === undefined) return;
    this.updateIndices(old, undefined, key);
    this.items.delete(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get(obj: T | DeletedFinalStateUnknown<T>): T | undefined {
    return this.items.get(this.keyOf(obj));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  replace(list: T[], _resourceVersion: string): void {
    // Build the new content aside so a throwing key or index function leaves the store untouched.
    const next = new Map<string, T>();
    for (const obj of list) next.set(this.keyOf(obj), obj);
    const indices = new Map<string, Map<string, Set<string>>>();
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = new Map<string, Set<string>>();
      for (const [key, obj] of next) for (const value of fn(obj)) addKey(index, value, key);
      indices.set(name, index);
    }
    this.items = next;
    this.indices = indices;
  }

  resync(): void {
    // Nothing to do for a plain cache.
  }

  index(indexName: string, obj: T): T[] {
    const fn = this.indexFunc(indexName);
    const index = this.indices.get(indexName);
    const keys = new Set<string>();
    for (const value of fn(obj)) {
      for (const key of index?.get(value) ?? []) keys.add(key);
    }
    return this.objectsFor(keys);
  }

  /** Sorted, as client-go's IndexKeys returns them (sets.List). */
  indexKeys(indexName: string, indexedValue: string): string[] {
    this.indexFunc(indexName);
    return [...(this.indices.get(indexName)?.get(indexedValue) ?? [])].sort();
  }

  listIndexFuncValues(indexName: string): string[] {
    return [...(this.indices.get(indexName)?.keys() ?? [])];
  }

  byIndex(indexName: string, indexedValue: string): T[] {
    this.indexFunc(indexName);
    return this.objectsFor(this.indices.get(indexName)?.get(indexedValue) ?? []);
  }

  getIndexers(): Indexers<T> {
    return { ...this.indexers };
  }

  addIndexers(newIndexers: Indexers<T>): void {
    const conflicts = Object.keys(newIndexers).filter((name) => Object.hasOwn(this.indexers, name));
    if (conflicts.length > 0) throw new Error(`indexer conflict: ${conflicts.join(', ')}`);
    // Compute the new entries before registering anything, so a throwing index function changes nothing.
    const built = new Map<string, Map<string, Set<string>>>();
    for (const [name, fn] of Object.entries(newIndexers)) {
      const index = new Map<string, Set<string>>();
      for (const [key, obj] of this.items) for (const value of fn(obj)) addKey(index, value, key);
      built.set(name, index);
    }
    for (const [name, fn] of Object.entries(newIndexers)) {
      this.indexers[name] = fn;
      this.indices.set(name, built.get(name)!);
    }
  }

  /** The key of `obj`; a key function's failure is thrown as a KeyError for `obj`, as client-go's cache returns it. */
  private keyOf(obj: T | DeletedFinalStateUnknown<T>): string {
    return keyOrKeyError(this.namer, obj);
  }

  private put(key: string, obj: T): void {
    if (obj === undefined || obj === null) throw new Error(`refusing to store ${String(obj)} under key ${key}`);
    const old = this.items.get(key);
    // Index values are computed before the item is stored, so a throwing index function leaves no half-update.
    const changes = this.indexChanges(old, obj);
    this.items.set(key, obj);
    this.applyIndexChanges(changes, key);
  }

  private updateIndices(oldObj: T | undefined, newObj: T | undefined, key: string): void {
    this.applyIndexChanges(this.indexChanges(oldObj, newObj), key);
  }

  private indexChanges(oldObj: T | undefined, newObj: T | undefined) {
    const changes: { name: string; remove: string[]; add: string[] }[] = [];
    for (const [name, fn] of Object.entries(this.indexers)) {
      const oldValues = oldObj === undefined ? [] : fn(oldObj);
      const newValues = newObj === undefined ? [] : fn(newObj);
      changes.push({ name, remove: oldValues, add: newValues });
    }
    return changes;
  }

  private applyIndexChanges(changes: { name: string; remove: string[]; add: string[] }[], key: string): void {
    for (const { name, remove, add } of changes) {
      let index = this.indices.get(name);
      if (!index) {
        index = new Map();
        this.indices.set(name, index);
      }
      for (const value of remove) removeKey(index, value, key);
      for (const value of add) addKey(index, value, key);
    }
  }

  private indexFunc(indexName: string) {
    const fn = this.indexers[indexName];
    if (!fn || !Object.hasOwn(this.indexers, indexName)) throw new Error(`Index with name ${indexName} does not exist`);
    return fn;
  }

  private objectsFor(keys: Iterable<string>): T[] {
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }
}

function addKey(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) {
    set = new Set();
    index.set(value, set);
  }
  set.add(key);
}

function removeKey(index: Map<string, Set<string>>, value: string, key: string): void {
  const set = index.get(value);
  if (!set) return;
  set.delete(key);
  // Drop empty sets so short-lived, high-cardinality values do not leak memory.
  if (set.size === 0) index.delete(value);
}

/** A cache with indices. The key function defaults to the deletion-handling `namespace/name` one. */
export function newIndexer<T>(keyFunc: KeyFunc = deletionHandlingMetaNamespaceKeyFunc, indexers: Indexers<T> = {}): Indexer<T> {
  return new Cache<T>(keyFunc, indexers);
}

/** A cache without indices. */
export function newStore<T>(keyFunc: KeyFunc = deletionHandlingMetaNamespaceKeyFunc): Store<T> {
  return new Cache<T>(keyFunc, {});
}
