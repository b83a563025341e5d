/**
 * The Foo custom resource of the sample controller: its TypeScript shape, where it lives in the API, the
 * CustomResourceDefinition that teaches the API server about it, and the example object.
 *
 * In Go, sample-controller runs code generators over its types.go. Here nothing is generated:
 * - deepcopy-gen (DeepCopy methods)      -> structuredClone() on the plain JSON objects;
 * - client-gen (a typed clientset)       -> KubeClient.request() with resourcePath(FOO_RESOURCE, ...);
 * - lister-gen (FooLister)               -> the generic Lister<Foo> over the informer's indexer;
 * - informer-gen (a Foo informer factory) -> SharedInformerFactory.informerFor(FOO_RESOURCE): the factory
 *   serves any group/version/resource, so custom resources need no factory of their own.
 * The interfaces below play the part of types.go; the JSON on the wire is the source of truth.
 */
import type { ObjectMeta as WireObjectMeta, OwnerReference } from '../../core/objects.ts';
import type { ResourceRef } from '../../core/resources.ts';
import type { KubeObject } from '../../machinery/cache/list-watch.ts';

export const FOO_GROUP = 'samplecontroller.k8s.io';
export const FOO_VERSION = 'v1alpha1';
export const FOO_API_VERSION = `${FOO_GROUP}/${FOO_VERSION}`;
export const FOO_KIND = 'Foo';
export const FOO_CRD_NAME = `foos.${FOO_GROUP}`;

/** Where Foos live: /apis/samplecontroller.k8s.io/v1alpha1/namespaces/<ns>/foos. */
export const FOO_RESOURCE: ResourceRef = { group: FOO_GROUP, version: FOO_VERSION, resource: 'foos', kind: FOO_KIND, namespaced: true };

/** The Deployments a Foo owns. */
export const DEPLOYMENT_RESOURCE: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true };

/** What the user asks for. */
export interface FooSpec {
  /** Name of the Deployment the controller keeps for this Foo; empty means "nothing to do". */
  deploymentName: string;
  /** Desired replicas of that Deployment (1..10). Absent: the Deployment's own default. */
  replicas?: number;
}

/** What the controller observed. */
export interface FooStatus {
  availableReplicas: number;
}

/** The controller names every object it reads and writes (the API returns more fields; they pass through untouched). */
export interface ObjectMeta extends WireObjectMeta {
  name: string;
}

export type { OwnerReference };

export interface Foo extends KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: FooSpec;
  status?: FooStatus;
}

/** The part of apps/v1 Deployment the controller builds and reads. */
export interface Deployment extends KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: {
      metadata?: { labels?: Record<string, string> };
      spec: { containers: { name: string; image: string; [k: string]: unknown }[]; [k: string]: unknown };
    };
    [k: string]: unknown;
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    [k: string]: unknown;
  };
}

/** The CustomResourceDefinition for Foo, as a plain object (`controller install` applies it). */
export function fooCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: FOO_CRD_NAME,
      annotations: {
        // Groups under k8s.io are reserved for APIs reviewed by Kubernetes; anything else must say it is not.
        'api-approved.kubernetes.io': 'unapproved, a kube-lessons teaching example of the sample controller',
      },
    },
    spec: {
      group: FOO_GROUP,
      names: { kind: FOO_KIND, listKind: 'FooList', plural: 'foos', singular: 'foo', shortNames: ['fo'] },
      scope: 'Namespaced',
      versions: [
        {
          name: FOO_VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    deploymentName: { type: 'string' },
                    replicas: { type: 'integer', minimum: 1, maximum: 10 },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    availableReplicas: { type: 'integer' },
                  },
                },
              },
            },
          },
          // status is written only through /status, so a user's update of spec can never clobber it.
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Deployment', type: 'string', jsonPath: '.spec.deploymentName' },
            { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}

export const EXAMPLE_FOO_NAME = 'example-foo';

/** The example Foo: a Deployment named example-foo with one replica. */
export function exampleFoo(namespace?: string): Foo {
  return {
    apiVersion: FOO_API_VERSION,
    kind: FOO_KIND,
    metadata: { name: EXAMPLE_FOO_NAME, ...(namespace ? { namespace } : {}) },
    spec: { deploymentName: EXAMPLE_FOO_NAME, replicas: 1 },
  };
}
