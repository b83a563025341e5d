/**
 * Object keys: how the cache names an object. A key is `namespace/name` for namespaced objects and `name`
 * for cluster-scoped ones, the same strings client-go uses, so keys read in traces match `kubectl` output.
 */

/** Turns an object into its cache key. Must be deterministic; throws a KeyError when it cannot. */
export type KeyFunc = (obj: unknown) => string;

/** The key function could not name the object (no metadata, no name, or a malformed key). */
export class KeyError extends Error {
  readonly obj: unknown;

  constructor(message: string, obj: unknown) {
    super(message);
    this.name = 'KeyError';
    this.obj = obj;
  }
}

/** `namer.keyOf(obj)`, with a failure thrown as a KeyError (see asKeyError). */
export function keyOrKeyError<O>(namer: { keyOf(obj: O): string }, obj: O): string {
  try {
    return namer.keyOf(obj);
  } catch (err) {
    throw asKeyError(err, obj);
  }
}

/**
 * A key function's failure as client-go reports it (KeyError{obj, err}). A KeyError already about `obj` (as
 * metaNamespaceKeyFunc throws) passes through; one about another object is wrapped, as client-go wraps every
 * failure, so the KeyError always holds `obj`.
 */
export function asKeyError(err: unknown, obj: unknown): KeyError {
  if (err instanceof KeyError && err.obj === obj) return err;
  const wrapped = new KeyError(err instanceof Error ? err.message : String(err), obj);
  wrapped.cause = err;
  return wrapped;
}

/**
 * The tombstone for an object whose deletion we did not see: the watch was away when it happened and a
 * relist found the object gone. `obj` is the last state we knew, and may be stale or absent.
 * Delete handlers must expect either an object or one of these.
 */
export class DeletedFinalStateUnknown<T = unknown> {
  readonly key: string;
  readonly obj: T | undefined;

  constructor(key: string, obj: T | undefined) {
    this.key = key;
    this.obj = obj;
  }
}

/**
 * `namespace/name`, or `name` when the object has no namespace. A string is taken as an already-made key
 * (client-go's ExplicitKey), which lets queues and stores be fed keys directly.
 *
 * As client-go's MetaNamespaceKeyFunc (ObjectToName, ObjectName.String): any object has a key, read from
 * its metadata with missing fields taken as '' (so no name gives `ns/`, or '' without a namespace), the
 * way an Unstructured object's accessors read them. Something that is not an API object (null, a number, an
 * array, a tombstone) has no metadata accessor and throws a KeyError: deletionHandlingMetaNamespaceKeyFunc
 * is the one that takes tombstones.
 */
export function metaNamespaceKeyFunc(obj: unknown): string {
  if (typeof obj === 'string') return obj;
  if (!isApiObject(obj)) throw new KeyError('object has no meta', obj);
  const meta = readMeta(obj);
  const name = typeof meta?.name === 'string' ? meta.name : '';
  const ns = typeof meta?.namespace === 'string' ? meta.namespace : '';
  return ns !== '' ? `${ns}/${name}` : name;
}

/** Reverses metaNamespaceKeyFunc. `namespace` is '' for a cluster-scoped key. Throws KeyError on more than one '/'. */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new KeyError(`unexpected key format: ${JSON.stringify(key)}`, key);
}

/** Like metaNamespaceKeyFunc, but a tombstone yields the key it carries (its object may be gone or stale). */
export function deletionHandlingMetaNamespaceKeyFunc(obj: unknown): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  return metaNamespaceKeyFunc(obj);
}

/** Whether `obj` can be read as an API object (as an Unstructured can, metadata or not): a plain object, not a tombstone. */
export function isApiObject(obj: unknown): obj is object {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) && !(obj instanceof DeletedFinalStateUnknown);
}

/** The metadata of an API object, or undefined when `obj` does not look like one. */
export function readMeta(obj: unknown): { name?: unknown; namespace?: unknown; resourceVersion?: unknown; labels?: unknown } | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const meta = (obj as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return undefined;
  return meta;
}

/** metadata.resourceVersion when present, else undefined. */
export function resourceVersionOf(obj: unknown): string | undefined {
  const rv = readMeta(obj)?.resourceVersion;
  return typeof rv === 'string' ? rv : undefined;
}
