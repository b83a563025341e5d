/**
 * API discovery: what resources the server serves, and how a name a person types (`po`, `pods`, `pod`,
 * `Pod`, `deployments.apps`, `jobs.v1.batch`) maps to one of them. Reads the classic discovery documents
 * (/api/v1, /apis, /apis/<group>/<version>) through the shared KubeClient, once per run: every lookup after
 * the first is answered from memory.
 */
import type { KubeClient } from './client.ts';
import { ExitCode, UserFacingError } from './errors.ts';
import { groupVersion, parseApiVersion, type ResourceRef } from './resources.ts';

export interface ApiResource extends ResourceRef {
  singular: string;
  shortNames: string[];
  verbs: string[];
  categories: string[];
  /** "apps/v1", or "v1" for the core group. */
  apiVersion: string;
}

interface RawResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
  group?: string;
  version?: string;
}

interface RawGroupList {
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}

export interface ApiGroupInfo {
  name: string;
  versions: string[];
  preferredVersion: string;
}

export class Discovery {
  private readonly client: KubeClient;
  private groupsPromise: Promise<ApiGroupInfo[]> | undefined;
  private readonly versionCache = new Map<string, Promise<ApiResource[] | undefined>>();
  private preferredPromise: Promise<ApiResource[]> | undefined;
  /** How many discovery documents this run fetched (the rest came from memory). */
  requests = 0;
  /** Group versions whose discovery failed while listing everything; their resources are missing. */
  readonly failedGroups: { groupVersion: string; error: string }[] = [];

  constructor(client: KubeClient) {
    this.client = client;
  }

  /** The core group ('' with v1) first, then every group of /apis in the server's order. */
  groups(): Promise<ApiGroupInfo[]> {
    this.groupsPromise ??= (async () => {
      this.requests++;
      const { body } = await this.client.request<RawGroupList>({ path: '/apis' });
      const named = (body.groups ?? []).map((g) => ({
        name: g.name,
        versions: g.versions.map((v) => v.version),
        preferredVersion: g.preferredVersion?.version ?? g.versions[0]?.version ?? '',
      }));
      return [{ name: '', versions: ['v1'], preferredVersion: 'v1' }, ...named];
    })();
    return this.groupsPromise;
  }

  /** The resources of one group/version (subresources such as pods/log left out); undefined when it is not served. */
  groupVersionResources(group: string, version: string): Promise<ApiResource[] | undefined> {
    const key = groupVersion({ group, version });
    let cached = this.versionCache.get(key);
    if (!cached) {
      cached = (async () => {
        this.requests++;
        const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
        try {
          const { body } = await this.client.request<{ resources?: RawResource[] }>({ path });
          return (body.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => toApiResource(r, group, version));
        } catch (err) {
          if ((err as { code?: unknown }).code === 404) return undefined;
          throw err;
        }
      })();
      this.versionCache.set(key, cached);
    }
    return cached;
  }

  /** Every resource at its group's preferred version: what `kubectl api-resources` lists. */
  preferredResources(): Promise<ApiResource[]> {
    this.preferredPromise ??= (async () => {
      // Every group's document is fetched at once: on one HTTP/2 connection from the first request.
      this.client.preferHttp2();
      const groups = await this.groups();
      const lists = await Promise.all(
        groups.map(async (g) => {
          try {
            return await this.groupVersionResources(g.name, g.preferredVersion);
          } catch (err) {
            // One broken aggregated API (a metrics-server that is down answers 503) must not hide the rest,
            // as kubectl also lists what it can. The core group is not optional.
            if (!g.name) throw err;
            this.versionCache.delete(groupVersion({ group: g.name, version: g.preferredVersion }));
            this.failedGroups.push({ groupVersion: `${g.name}/${g.preferredVersion}`, error: (err as Error).message });
            return undefined;
          }
        }),
      );
      return lists.flatMap((l) => l ?? []);
    })();
    return this.preferredPromise;
  }

  /**
   * Finds the resource a person means, the way kubectl does: by plural, singular, short name or kind (any
   * case), optionally qualified as `<name>.<group>` or `<name>.<version>.<group>`. The core group wins a tie,
   * then the groups in discovery order.
   */
  async resolve(input: string): Promise<ApiResource> {
    const all = await this.preferredResources();
    const wanted = input.trim();
    const lower = wanted.toLowerCase();
    const matches = (r: ApiResource, name: string) =>
      r.resource === name || r.singular === name || r.shortNames.includes(name) || r.kind.toLowerCase() === name;
    let found = all.find((r) => matches(r, lower));
    if (!found && lower.includes('.')) {
      // "deployments.apps", "jobs.v1.batch", "foos.example.com"
      const [name, ...rest] = lower.split('.');
      const qualifier = rest.join('.');
      found = all.find((r) => matches(r, name!) && r.group === qualifier);
      if (!found && rest.length >= 2) {
        const [version, ...groupParts] = rest;
        const group = groupParts.join('.');
        const list = await this.groupVersionResources(group, version!);
        found = list?.find((r) => matches(r, name!));
      }
    }
    if (!found) {
      throw new UserFacingError(`the server has no resource type "${wanted}"`, 'list what it serves with `kube-lessons api-resources`', ExitCode.notFound);
    }
    return found;
  }

  /** The resource serving `kind` at exactly `apiVersion` ("batch/v1", "v1", "example.com/v1alpha1"). */
  async resolveKind(apiVersion: string, kind: string): Promise<ApiResource> {
    const { group, version } = parseApiVersion(apiVersion.trim());
    const list = await this.groupVersionResources(group, version);
    if (!list) {
      const groups = await this.groups();
      const g = groups.find((x) => x.name === group);
      const hint = g
        ? `the server serves ${group || 'the core group'} at ${g.versions.map((v) => groupVersion({ group, version: v })).join(', ')}`
        : 'list the served groups and versions with `kube-lessons api-resources`';
      throw new UserFacingError(`the server does not serve ${apiVersion}`, hint, ExitCode.notFound);
    }
    const found = list.find((r) => r.kind === kind) ?? list.find((r) => r.kind.toLowerCase() === kind.toLowerCase());
    if (!found) {
      const kinds = [...new Set(list.map((r) => r.kind))].sort().join(', ');
      throw new UserFacingError(`${apiVersion} has no kind "${kind}"`, kinds ? `it serves: ${kinds}` : undefined, ExitCode.notFound);
    }
    return found;
  }
}

function toApiResource(r: RawResource, group: string, version: string): ApiResource {
  const g = r.group ?? group;
  const v = r.version ?? version;
  return {
    group: g,
    version: v,
    resource: r.name,
    kind: r.kind,
    namespaced: r.namespaced,
    singular: r.singularName || r.kind.toLowerCase(),
    shortNames: r.shortNames ?? [],
    verbs: r.verbs ?? [],
    categories: r.categories ?? [],
    apiVersion: groupVersion({ group: g, version: v }),
  };
}

/** The REST path templates of a resource: `{namespace}` and `{name}` stand for the parts a request fills in. */
export function pathTemplates(ref: ResourceRef): { collection: string; object: string; allNamespaces?: string } {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  const collection = ref.namespaced ? `${base}/namespaces/{namespace}/${ref.resource}` : `${base}/${ref.resource}`;
  return {
    collection,
    object: `${collection}/{name}`,
    ...(ref.namespaced ? { allNamespaces: `${base}/${ref.resource}` } : {}),
  };
}

const perClient = new WeakMap<KubeClient, Discovery>();

/** The run's Discovery for this client: discovery documents are fetched once per run, however many commands ask. */
export function discoveryFor(client: KubeClient): Discovery {
  let d = perClient.get(client);
  if (!d) {
    d = new Discovery(client);
    perClient.set(client, d);
  }
  return d;
}
