// Our solution to the new-deployment exercise.
export interface Foo {
  metadata: { name: string; namespace: string; uid: string };
  spec: { deploymentName: string; replicas?: number };
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: { name: string; namespace: string; ownerReferences?: OwnerReference[] };
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string }[] } };
  };
}

export const FOO_API_VERSION = 'samplecontroller.k8s.io/v1alpha1';

export function newDeployment(foo: Foo): Deployment {
  const labels = { app: 'nginx', controller: foo.metadata.name };
  const owner: OwnerReference = { apiVersion: FOO_API_VERSION, kind: 'Foo', name: foo.metadata.name, uid: foo.metadata.uid, controller: true, blockOwnerDeletion: true };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: foo.spec.deploymentName, namespace: foo.metadata.namespace, ownerReferences: [owner] },
    spec: {
      ...(foo.spec.replicas === undefined ? {} : { replicas: foo.spec.replicas }),
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] } },
    },
  };
}
