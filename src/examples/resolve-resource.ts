/**
 * Which resource a name on the command line means, for the commands that list and watch (watch, informer):
 * the well-known built-in resources need no round trip; anything else (singular names, short names, kinds,
 * custom resources) is asked of discovery. Gathering only.
 */
import type { KubeClient } from '../core/client.ts';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { builtinResource, groupVersion, type ResourceRef } from '../core/resources.ts';

export interface ResolvedResource {
  ref: ResourceRef;
  via: 'built-in table' | 'discovery';
  /** What the server says can be done with it (discovery only; the built-in table lists none). */
  verbs?: string[];
}

/** Resolves `input` (pods, po, pod, Pod, deployments.apps, foos.samplecontroller.k8s.io...) to a resource. */
export async function resolveResource(client: KubeClient, input: string, needVerbs: string[] = ['list', 'watch']): Promise<ResolvedResource> {
  const builtin = builtinResource(input.trim().toLowerCase());
  if (builtin) return { ref: { ...builtin }, via: 'built-in table' };
  const { discoveryFor } = await import('../core/discovery.ts');
  const found = await discoveryFor(client).resolve(input);
  const missing = needVerbs.filter((v) => !found.verbs.includes(v));
  if (found.verbs.length && missing.length) {
    throw new UserFacingError(
      `${found.resource}${found.group ? `.${found.group}` : ''} cannot be ${missing.map((v) => (v === 'watch' ? 'watched' : `${v}ed`)).join(' or ')}: the server allows only ${found.verbs.join(', ')}`,
      'pick a resource that supports list and watch; `kube-lessons api-resources -o wide` shows the verbs',
      ExitCode.usage,
    );
  }
  const ref: ResourceRef = { group: found.group, version: found.version, resource: found.resource, kind: found.kind, namespaced: found.namespaced };
  return { ref, via: 'discovery', verbs: found.verbs };
}

/** What the lessons tell the learner about the resource they named, before listing it. */
export interface ResourceStep {
  type: 'resource';
  input: string;
  apiVersion: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  via: string;
  scope: string;
}

/** The resource a person named, and where to look for it: one namespace, all of them, or cluster-scoped. */
export async function resolveTarget(client: KubeClient, input: string, namespace: string, allNamespaces: boolean | undefined) {
  const { ref, via } = await resolveResource(client, input);
  const ns = ref.namespaced && !allNamespaces ? namespace : undefined;
  const scope = !ref.namespaced ? 'cluster-scoped' : ns ? `namespace ${ns}` : 'all namespaces';
  const step: ResourceStep = {
    type: 'resource',
    input,
    apiVersion: groupVersion(ref),
    kind: ref.kind,
    resource: ref.resource,
    namespaced: ref.namespaced,
    via,
    scope,
  };
  return { ref, namespace: ns, step };
}
