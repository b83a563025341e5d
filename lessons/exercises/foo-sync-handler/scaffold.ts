// Exercise: foo-sync-handler (Understanding Kubernetes controllers IV, the sample controller).
// The heart of a controller: given a key, make the world match the Foo it names. Read from the caches (the
// listers, here getFoo and getDeployment), write only what differs, and never change an object you read from a
// cache (write a copy). Throwing means "retry this key later"; returning means "done".
//
// Run `npx kube-lessons verify foo-sync-handler`.
export interface Foo {
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string };
  spec: { deploymentName: string; replicas?: number };
  status?: { availableReplicas?: number };
}

export interface Deployment {
  metadata: { name: string; namespace: string; resourceVersion?: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] };
  spec: { replicas?: number };
  status?: { availableReplicas?: number };
}

/** What syncHandler may use: two cache reads and three writes to the API server. */
export interface SyncDeps {
  getFoo(namespace: string, name: string): Foo | undefined;
  getDeployment(namespace: string, name: string): Deployment | undefined;
  createDeployment(deployment: Deployment): Promise<Deployment>;
  updateDeployment(deployment: Deployment): Promise<Deployment>;
  updateFooStatus(foo: Foo): Promise<Foo>;
}

/** Given: the Deployment a Foo asks for (the new-deployment exercise), owned by the Foo. */
export function newDeployment(foo: Foo): Deployment {
  return {
    metadata: { name: foo.spec.deploymentName, namespace: foo.metadata.namespace, ownerReferences: [{ kind: 'Foo', name: foo.metadata.name, uid: foo.metadata.uid, controller: true }] },
    spec: foo.spec.replicas === undefined ? {} : { replicas: foo.spec.replicas },
  };
}

/**
 * Syncs the Foo named by `key` ("namespace/name"):
 * - the Foo is gone: nothing to do;
 * - its Deployment does not exist: create it (newDeployment);
 * - the Deployment exists but is not controlled by this Foo (no owner reference with controller: true and the
 *   Foo's uid): throw, and write nothing;
 * - the replicas differ: update the Deployment (a copy) with the Foo's spec.replicas;
 * - finally, when the Foo's status.availableReplicas differs from the Deployment's (a missing one counts as 0),
 *   update the Foo's status (a copy).
 */
export async function syncHandler(key: string, deps: SyncDeps): Promise<void> {
  // TODO
  void key;
  void deps;
}
