/**
 * Article IV, "the life of a request", part one: before a client can call the API it must know where a
 * resource lives. Discovery (/api, /apis) tells it: each resource's group, version, plural name and scope,
 * from which the REST path follows. Gathering only: the command renders.
 */
import type { KubeClient } from '../core/client.ts';
import { discoveryFor, pathTemplates, type ApiResource } from '../core/discovery.ts';

export interface ResourceListing {
  resources: ApiResource[];
  /** Discovery documents fetched for this answer. */
  requests: number;
  /** Group versions that could not be read (their resources are missing from the list). */
  failedGroups: { groupVersion: string; error: string }[];
}

/** The served resources at each group's preferred version, in kubectl's order: by group (core first), then name. */
export async function listApiResources(
  client: KubeClient,
  filter: { apiGroup?: string | undefined; namespaced?: boolean | undefined } = {},
): Promise<ResourceListing> {
  const discovery = discoveryFor(client);
  const all = await discovery.preferredResources();
  const resources = all
    .filter((r) => filter.apiGroup === undefined || r.group === filter.apiGroup)
    .filter((r) => filter.namespaced === undefined || r.namespaced === filter.namespaced)
    .sort((a, b) => (a.group === b.group ? a.resource.localeCompare(b.resource) : a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
  return { resources, requests: discovery.requests, failedGroups: [...discovery.failedGroups] };
}

export interface Resolution {
  resource: ApiResource;
  collection: string;
  object: string;
  allNamespaces: string | undefined;
}

/** Where `kind` at `apiVersion` lives: `batch/v1 Job` -> /apis/batch/v1/namespaces/{namespace}/jobs. */
export async function resolveKind(client: KubeClient, apiVersion: string, kind: string): Promise<Resolution> {
  const resource = await discoveryFor(client).resolveKind(apiVersion, kind);
  const t = pathTemplates(resource);
  return { resource, collection: t.collection, object: t.object, allNamespaces: t.allNamespaces };
}
