/**
 * Indexer: a Store with secondary indices, so "all pods on node X" or "everything in namespace Y" is a
 * lookup instead of a scan.
 */
import type { Store } from './store.ts';
import { isApiObject, readMeta } from './keys.ts';

/** Computes the values under which an object is filed in one index. Several values are allowed; none means "not indexed". */
export type IndexFunc<T> = (obj: T) => string[];

/** Index functions by index name. */
export type Indexers<T> = Record<string, IndexFunc<T>>;

/**
 * A Store that also maintains named indices.
 *
 * Guarantees:
 * - each index maps every value its function returns for a stored object to that object's key, and
 *   nothing else: on update the old object's values are removed before the new ones are added, on delete
 *   all of them are removed, on replace the indices are rebuilt; empty value sets are dropped;
 * - querying an index name that was never registered throws;
 * - `addIndexers` fails only on a name conflict (as client-go); it may be called while items exist, and
 *   indexes them at once.
 */
export interface Indexer<T> extends Store<T> {
  /** Objects sharing at least one value with `obj` in the named index. */
  index(indexName: string, obj: T): T[];
  /** Keys of the objects filed under `indexedValue` in the named index, sorted (as client-go's). */
  indexKeys(indexName: string, indexedValue: string): string[];
  /** All values currently present in the named index ([] for an unknown index). */
  listIndexFuncValues(indexName: string): string[];
  /** Objects filed under `indexedValue` in the named index. */
  byIndex(indexName: string, indexedValue: string): T[];
  /** A copy of the registered index functions. */
  getIndexers(): Indexers<T>;
  addIndexers(newIndexers: Indexers<T>): void;
}

/** The name of the conventional namespace index. */
export const namespaceIndex = 'namespace';

/**
 * Files an object under its namespace ('' for cluster-scoped objects, and for one without metadata, as
 * client-go reads an Unstructured); throws for something that is not an API object, as client-go's errs.
 */
export function metaNamespaceIndexFunc(obj: unknown): string[] {
  if (!isApiObject(obj)) throw new Error('object has no meta');
  const namespace = readMeta(obj)?.namespace;
  return [typeof namespace === 'string' ? namespace : ''];
}
