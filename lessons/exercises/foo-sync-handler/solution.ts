// Our solution to the foo-sync-handler exercise.
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

export interface SyncDeps {
  getFoo(namespace: string, name: string): Foo | undefined;
  getDeployment(namespace: string, name: string): Deployment | undefined;
  createDeployment(deployment: Deployment): Promise<Deployment>;
  updateDeployment(deployment: Deployment): Promise<Deployment>;
  updateFooStatus(foo: Foo): Promise<Foo>;
}

export function newDeployment(foo: Foo): Deployment {
  return {
    metadata: { name: foo.spec.deploymentName, namespace: foo.metadata.namespace, ownerReferences: [{ kind: 'Foo', name: foo.metadata.name, uid: foo.metadata.uid, controller: true }] },
    spec: foo.spec.replicas === undefined ? {} : { replicas: foo.spec.replicas },
  };
}

function controlledBy(deployment: Deployment, foo: Foo): boolean {
  return (deployment.metadata.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === foo.metadata.uid);
}

export async function syncHandler(key: string, deps: SyncDeps): Promise<void> {
  const [namespace, name] = key.split('/');
  if (!namespace || !name) return;
  const foo = deps.getFoo(namespace, name);
  if (!foo) return;
  let deployment = deps.getDeployment(namespace, foo.spec.deploymentName) ?? (await deps.createDeployment(newDeployment(foo)));
  if (!controlledBy(deployment, foo)) throw new Error(`Resource "${deployment.metadata.name}" already exists and is not managed by Foo`);
  const wanted = foo.spec.replicas;
  if (wanted !== undefined && wanted !== deployment.spec.replicas) {
    deployment = await deps.updateDeployment({ ...structuredClone(deployment), spec: { ...deployment.spec, replicas: wanted } });
  }
  const available = deployment.status?.availableReplicas ?? 0;
  // No status yet reads as 0, as Go's typed FooStatus reads it.
  if ((foo.status?.availableReplicas ?? 0) !== available) {
    await deps.updateFooStatus({ ...structuredClone(foo), status: { ...foo.status, availableReplicas: available } });
  }
}
