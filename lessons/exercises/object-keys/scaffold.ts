// Exercise: object-keys (Understanding Kubernetes controllers II, stores).
// A store files every object under a key: "namespace/name", or just "name" for cluster-scoped objects such as
// nodes. Workqueues carry these keys, not objects, and a worker splits a key back into namespace and name to
// read the object from the cache.
//
// Run `npx kube-lessons verify object-keys`.
export interface ObjectMeta {
  metadata: { name: string; namespace?: string };
}

/** The store key of `obj`: "namespace/name", or "name" when it has no namespace. */
export function keyOf(obj: ObjectMeta): string {
  // TODO
  void obj;
  return '';
}

/** The namespace ('' for cluster-scoped) and name in `key`; throws on a key with more than one "/" or no name. */
export function splitKey(key: string): { namespace: string; name: string } {
  // TODO
  void key;
  return { namespace: '', name: '' };
}
