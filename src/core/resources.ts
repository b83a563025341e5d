/**
 * Group/version/resource arithmetic: how a resource maps to its REST path. Core ("legacy") resources live
 * under /api/v1, every other group under /apis/<group>/<version>.
 */
export interface ResourceRef {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Lowercase plural, as in the URL: 'pods', 'deployments', 'foos'. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

export interface PathParts {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

export function groupVersion(ref: Pick<ResourceRef, 'group' | 'version'>): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

export function resourcePath(ref: ResourceRef, parts: PathParts = {}): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  const ns = ref.namespaced && parts.namespace ? `/namespaces/${encodeURIComponent(parts.namespace)}` : '';
  const name = parts.name ? `/${encodeURIComponent(parts.name)}` : '';
  const sub = parts.name && parts.subresource ? `/${parts.subresource}` : '';
  return `${base}${ns}/${ref.resource}${name}${sub}`;
}

/** Splits "apps/v1" into group and version ("v1" alone is the core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Well-known built-in resources, so common commands need no discovery round trip. */
export const BUILTIN_RESOURCES = {
  pods: { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  nodes: { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false },
  namespaces: { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
  services: { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true },
  configmaps: { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
  secrets: { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  events: { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  daemonsets: { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true },
  customresourcedefinitions: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
  },
} satisfies Record<string, ResourceRef>;

/** A built-in resource by its plural name, or undefined. */
export function builtinResource(name: string): ResourceRef | undefined {
  return Object.hasOwn(BUILTIN_RESOURCES, name) ? BUILTIN_RESOURCES[name as keyof typeof BUILTIN_RESOURCES] : undefined;
}
