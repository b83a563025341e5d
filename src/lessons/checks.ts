/**
 * The hands-on tasks' checks: declarative descriptions in the catalog (`pod-exists`, `resource-exists`,
 * `cluster-reachable`), evaluated against the cluster through the project's KubeClient. A check never
 * throws: it answers whether the task is done and, when not, what is missing, in one sentence.
 */
import type { KubeClient } from '../core/client.ts';
import { describeError, toApiStatusError } from '../core/errors.ts';
import { BUILTIN_RESOURCES, parseApiVersion, resourcePath, type ResourceRef } from '../core/resources.ts';
import type { Check } from './catalog.ts';

export interface CheckResult {
  ok: boolean;
  message: string;
}

interface ObjectMeta {
  metadata?: { name?: string; ownerReferences?: { kind?: string; name?: string; controller?: boolean }[] };
  spec?: { containers?: { name?: string; image?: string }[] };
  status?: { phase?: string };
}

export async function runCheck(check: Check, client: KubeClient, signal?: AbortSignal): Promise<CheckResult> {
  try {
    switch (check.type) {
      case 'cluster-reachable': {
        const { body } = await client.request<{ gitVersion?: string }>({ path: '/version', timeoutMs: 5000, ...(signal ? { signal } : {}) });
        return { ok: true, message: `the API server at ${client.server} answers (Kubernetes ${body.gitVersion ?? 'version unknown'})` };
      }
      case 'pod-exists': {
        const path = resourcePath(BUILTIN_RESOURCES.pods, { namespace: check.namespace, name: check.name });
        const pod = await getOrUndefined<ObjectMeta>(client, path, signal);
        if (!pod) return { ok: false, message: `there is no pod "${check.name}" in namespace "${check.namespace}" yet` };
        if (check.image) {
          const images = (pod.spec?.containers ?? []).map((c) => c.image ?? '');
          if (!images.some((img) => sameImage(img, check.image!))) {
            return { ok: false, message: `pod "${check.name}" exists, but runs ${images.join(', ') || 'no image'} rather than ${check.image}` };
          }
        }
        return {
          ok: true,
          message: `pod "${check.name}" exists in namespace "${check.namespace}"${check.image ? ` and runs ${check.image}` : ''}${pod.status?.phase ? ` (phase ${pod.status.phase})` : ''}`,
        };
      }
      case 'resource-exists': {
        const ref = await resolveKind(client, check.apiVersion, check.kind);
        if (!ref) return { ok: false, message: `the cluster does not serve ${check.kind} in ${check.apiVersion} (is its CustomResourceDefinition installed?)` };
        const where = ref.namespaced ? ` in namespace "${check.namespace ?? 'default'}"` : '';
        const path = resourcePath(ref, { namespace: check.namespace ?? 'default', name: check.name });
        const obj = await getOrUndefined<ObjectMeta & Record<string, unknown>>(client, path, signal);
        if (!obj) return { ok: false, message: `there is no ${check.kind} "${check.name}"${where} yet` };
        if (check.ownedBy) {
          const owners = obj.metadata?.ownerReferences ?? [];
          if (!owners.some((o) => o.kind === check.ownedBy!.kind && o.name === check.ownedBy!.name)) {
            const have = owners.map((o) => `${o.kind}/${o.name}`).join(', ') || 'none';
            return {
              ok: false,
              message: `${check.kind} "${check.name}" exists but is not owned by ${check.ownedBy.kind} "${check.ownedBy.name}" (owners: ${have})`,
            };
          }
        }
        for (const [field, want] of Object.entries(check.fields ?? {})) {
          const have = readPath(obj, field);
          if (have !== want)
            return { ok: false, message: `${check.kind} "${check.name}" has ${field} = ${JSON.stringify(have)}, the task wants ${JSON.stringify(want)}` };
        }
        const extras = [
          check.ownedBy ? `owned by ${check.ownedBy.kind} "${check.ownedBy.name}"` : '',
          ...Object.entries(check.fields ?? {}).map(([f, v]) => `${f} = ${JSON.stringify(v)}`),
        ].filter(Boolean);
        return { ok: true, message: `${check.kind} "${check.name}" exists${where}${extras.length ? `, ${extras.join(', ')}` : ''}` };
      }
    }
  } catch (err) {
    return { ok: false, message: `could not check: ${describeError(err, { server: client.server, contextName: client.config.contextName }).message}` };
  }
}

async function getOrUndefined<T>(client: KubeClient, path: string, signal?: AbortSignal): Promise<T | undefined> {
  try {
    return (await client.request<T>({ path, timeoutMs: 10_000, ...(signal ? { signal } : {}) })).body;
  } catch (err) {
    if (toApiStatusError(err)?.code === 404) return undefined;
    throw err;
  }
}

/** The resource serving `kind` in `apiVersion`: built-ins from the table, others through discovery. */
async function resolveKind(client: KubeClient, apiVersion: string, kind: string): Promise<ResourceRef | undefined> {
  const { group, version } = parseApiVersion(apiVersion);
  const builtin = Object.values(BUILTIN_RESOURCES).find((r) => r.kind === kind && r.group === group && r.version === version);
  if (builtin) return builtin;
  const { discoveryFor } = await import('../core/discovery.ts');
  const resources = await discoveryFor(client).groupVersionResources(group, version);
  return resources?.find((r) => r.kind === kind);
}

/** Reads `spec.replicas` or `metadata.labels.app` from an object. */
export function readPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** `nginx`, `nginx:latest`, `docker.io/library/nginx:latest` all name the same image. */
export function sameImage(a: string, b: string): boolean {
  return normaliseImage(a) === normaliseImage(b);
}

function normaliseImage(image: string): string {
  let s = image.trim();
  if (!s.includes('@') && !/:[^/]+$/.test(s)) s += ':latest';
  s = s.replace(/^docker\.io\//, '').replace(/^index\.docker\.io\//, '');
  if (s.startsWith('library/')) s = s.slice('library/'.length);
  return s;
}
