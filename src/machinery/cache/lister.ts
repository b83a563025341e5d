/**
 * Listers: read-only, typed views over an informer's indexer. Controllers read through a lister instead of
 * calling the API server, so a reconcile loop costs no requests.
 */
import type { KubeObject } from './list-watch.ts';
import type { Indexer } from './indexer.ts';
import { namespaceIndex } from './indexer.ts';
import { LabelSelector, parseSelector } from './label-selector.ts';

/** A label selector string (`app=nginx,tier!=db`), a parsed LabelSelector, or any predicate. */
export type Selector<T> = string | LabelSelector | ((obj: T) => boolean);

/** Lists and gets the objects of one namespace. */
export interface NamespaceLister<T> {
  list(selector?: Selector<T>): T[];
  get(name: string): T | undefined;
}

/**
 * A read-only view of an Indexer.
 *
 * Guarantees: it never writes to the indexer and never calls the API server; results are the cached
 * objects themselves (not copies), so callers must not mutate them; a malformed selector string throws
 * SelectorParseError. `namespace('')` is every namespace for `list` (client-go's NamespaceAll), and a
 * cluster-scoped name for `get`, as client-go's listers read it.
 *
 * Deliberate difference: `get` of a name the cache lacks returns undefined, where client-go's listers return
 * a NotFound API error (a Lister knows no group and resource to name in one).
 */
export class Lister<T extends KubeObject = KubeObject> {
  private readonly indexer: Indexer<T>;

  constructor(indexer: Indexer<T>) {
    this.indexer = indexer;
  }

  /** Every cached object the selector matches (all when no selector is given). */
  list(selector?: Selector<T>): T[] {
    return filter(this.indexer.list(), selector);
  }

  /** A cluster-scoped object by name. */
  get(name: string): T | undefined {
    return this.indexer.getByKey(name);
  }

  namespace(namespace: string): NamespaceLister<T> {
    const indexer = this.indexer;
    return {
      list(selector?: Selector<T>): T[] {
        if (namespace === '') return filter(indexer.list(), selector);
        // The namespace index turns this into a lookup; without it, scan and filter.
        const inNamespace = Object.hasOwn(indexer.getIndexers(), namespaceIndex)
          ? indexer.byIndex(namespaceIndex, namespace)
          : indexer.list().filter((obj) => (obj.metadata?.namespace ?? '') === namespace);
        return filter(inNamespace, selector);
      },
      get(name: string): T | undefined {
        return indexer.getByKey(namespace === '' ? name : `${namespace}/${name}`);
      },
    };
  }
}

function filter<T extends KubeObject>(objects: T[], selector: Selector<T> | undefined): T[] {
  const predicate = toPredicate(selector);
  return predicate ? objects.filter(predicate) : objects;
}

function toPredicate<T extends KubeObject>(selector: Selector<T> | undefined): ((obj: T) => boolean) | undefined {
  if (selector === undefined) return undefined;
  if (typeof selector === 'function') return selector;
  const parsed = typeof selector === 'string' ? parseSelector(selector) : selector;
  if (parsed.isEmpty()) return undefined;
  return (obj) => parsed.matches(obj.metadata?.labels);
}
