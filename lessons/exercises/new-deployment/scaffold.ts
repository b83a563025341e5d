// Exercise: new-deployment (Understanding Kubernetes controllers IV, the sample controller).
// A Foo asks for a Deployment: its name (spec.deploymentName) and replicas. The controller builds that
// Deployment with an owner reference back to the Foo, marked controller: true. The owner reference is what
// lets the garbage collector delete the Deployment with its Foo, and what tells the controller a Deployment of
// that name is its own and not someone else's.
//
// Run `npx kube-lessons verify new-deployment`.
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

/**
 * The Deployment `foo` asks for: named spec.deploymentName in the Foo's namespace, spec.replicas replicas, pods
 * labelled app=nginx and controller=<foo's name> (and selected by those labels) running one container nginx
 * (image nginx:latest), owned by the Foo as its controller (blockOwnerDeletion too).
 */
export function newDeployment(foo: Foo): Deployment {
  // TODO: fill in the name, namespace, replicas, labels and the owner reference.
  void FOO_API_VERSION;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: '', namespace: foo.metadata.namespace },
    spec: { selector: { matchLabels: {} }, template: { metadata: { labels: {} }, spec: { containers: [] } } },
  };
}
