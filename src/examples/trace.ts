/**
 * Article IV, "the life of a request": follows one get or list from the kubeconfig to the decoded model.
 * Each stage is handed to `emit` as it happens: which kubeconfig, cluster and user; which resource the
 * name means; which typed API class and method of @kubernetes/client-node serve it; then the real call
 * through that method, observed by a middleware: the HTTP request, the response, and what the deserializer
 * made of the body. Gathering only: the command renders each stage. Credentials never leave here unredacted.
 */
import type { KubeEnv } from '../core/kube-env.ts';
import { discoveryFor, type ApiResource } from '../core/discovery.ts';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { redactHeaders } from '../core/redact.ts';
import { builtinResource, groupVersion, type ResourceRef } from '../core/resources.ts';

export type TraceVerb = 'get' | 'list';

export interface TraceRequest {
  verb: TraceVerb;
  resource: string;
  name?: string | undefined;
  namespace: string;
  allNamespaces?: boolean;
  labelSelector?: string | undefined;
  signal: AbortSignal;
  timeoutMs: number;
}

export type TraceStage =
  | {
      stage: 'kubeconfig';
      source: string;
      files: string[];
      context: string;
      cluster: string;
      server: string;
      user: string;
      credentialKind: string;
      namespace: string;
    }
  | {
      stage: 'resource';
      input: string;
      apiVersion: string;
      kind: string;
      resource: string;
      namespaced: boolean;
      via: 'built-in table' | 'discovery';
      discoveryRequests: number;
    }
  | { stage: 'client'; className: string; method: string; params: Record<string, unknown>; typed: boolean; why: string }
  | { stage: 'request'; method: string; url: string; path: string; query: Record<string, string>; headers: Record<string, string> }
  | { stage: 'response'; status: number; contentType: string; bytes: number; durationMs: number }
  | { stage: 'decode'; apiVersion: string; kind: string; modelClass: string; itemClass?: string | undefined; items?: number | undefined; dates: string[] }
  | { stage: 'result'; verb: TraceVerb; count: number; objects: { name: string; namespace?: string | undefined }[]; resourceVersion?: string | undefined };

/** client-node's class for a group/version: core/v1 -> CoreV1Api, rbac.authorization.k8s.io/v1 -> RbacAuthorizationV1Api. */
export function apiClassName(group: string, version: string): string {
  const base = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `${base.split(/[.-]/).filter(Boolean).map(cap).join('')}${cap(version)}Api`;
}

/**
 * The method the generator named after the operation: read/list, "Namespaced" for namespaced resources,
 * then the kind (readNamespacedDeployment, listNode); a list across namespaces is list<Kind>ForAllNamespaces.
 */
export function apiMethodName(verb: TraceVerb, kind: string, namespaced: boolean, allNamespaces = false): string {
  if (verb === 'list' && namespaced && allNamespaces) return `list${kind}ForAllNamespaces`;
  return `${verb === 'get' ? 'read' : 'list'}${namespaced ? 'Namespaced' : ''}${kind}`;
}

/** CustomObjectsApi serves any resource of a named group through untyped calls. */
export function customObjectsMethod(verb: TraceVerb, namespaced: boolean): string {
  if (verb === 'get') return namespaced ? 'getNamespacedCustomObject' : 'getClusterCustomObject';
  return namespaced ? 'listNamespacedCustomObject' : 'listClusterCustomObject';
}

interface TracedResponse {
  text: string;
}

export async function traceRequest(env: KubeEnv, req: TraceRequest, emit: (s: TraceStage) => void): Promise<void> {
  const { config, client } = env;
  emit({
    stage: 'kubeconfig',
    source: config.source,
    files: config.files,
    context: config.contextName,
    cluster: config.clusterName,
    server: config.server,
    user: config.userName,
    credentialKind: credentialWords(config.credentialKind),
    namespace: req.namespace,
  });

  // Which resource is meant: the well-known ones need no round trip; anything else asks discovery.
  let res: ApiResource | ResourceRef;
  let via: 'built-in table' | 'discovery' = 'built-in table';
  const builtin = builtinResource(req.resource.toLowerCase());
  const discovery = discoveryFor(client);
  if (builtin) res = builtin;
  else {
    res = await discovery.resolve(req.resource);
    via = 'discovery';
  }
  const verb: TraceVerb = req.verb === 'get' && !req.name ? 'list' : req.verb;
  const verbs = 'verbs' in res ? res.verbs : [];
  if (verbs.length && !verbs.includes(verb)) {
    throw new UserFacingError(
      `${res.resource}${res.group ? `.${res.group}` : ''} cannot be ${verb === 'get' ? 'read' : 'listed'}: the server allows only ${verbs.join(', ')}`,
      'pick another resource; `kube-lessons api-resources -o wide` shows the verbs of each',
      ExitCode.usage,
    );
  }
  emit({
    stage: 'resource',
    input: req.resource,
    apiVersion: groupVersion(res),
    kind: res.kind,
    resource: res.resource,
    namespaced: res.namespaced,
    via,
    discoveryRequests: discovery.requests,
  });

  const k8s = await import('@kubernetes/client-node');
  const exports = k8s as unknown as Record<string, unknown>;
  const typedName = apiClassName(res.group, res.version);
  const typedMethod = apiMethodName(verb, res.kind, res.namespaced, req.allNamespaces);
  const ctor = exports[typedName] as (new (...args: never[]) => object) | undefined;
  const typed = typeof ctor === 'function' && typeof (ctor.prototype as Record<string, unknown>)[typedMethod] === 'function';
  let className: string;
  let method: string;
  let params: Record<string, unknown>;
  let why: string;
  const nsParam = res.namespaced && !(verb === 'list' && req.allNamespaces) ? { namespace: req.namespace } : {};
  const listParam = verb === 'list' && req.labelSelector ? { labelSelector: req.labelSelector } : {};
  if (typed) {
    className = typedName;
    method = typedMethod;
    params = { ...(verb === 'get' ? { name: req.name } : {}), ...nsParam, ...listParam };
    why = `${groupVersion(res)} is served by ${typedName}; the method is ${verb === 'get' ? 'read' : 'list'} + ${res.namespaced && !req.allNamespaces ? 'Namespaced + ' : ''}${res.kind}${res.namespaced && req.allNamespaces && verb === 'list' ? ' + ForAllNamespaces' : ''}`;
  } else {
    if (res.group === '') {
      throw new UserFacingError(
        `@kubernetes/client-node ${typedName} has no method ${typedMethod}`,
        'this client version does not know that core resource',
        ExitCode.failure,
      );
    }
    className = 'CustomObjectsApi';
    method = customObjectsMethod(verb, res.namespaced && !(verb === 'list' && req.allNamespaces));
    if (verb === 'list' && res.namespaced && req.allNamespaces) method = 'listCustomObjectForAllNamespaces';
    params = { group: res.group, version: res.version, ...nsParam, plural: res.resource, ...(verb === 'get' ? { name: req.name } : {}), ...listParam };
    why =
      typeof ctor === 'function'
        ? `${typedName} exists but has no ${typedMethod}: the untyped CustomObjectsApi serves it`
        : `no typed class ${typedName} in @kubernetes/client-node (a custom or unknown group): the untyped CustomObjectsApi serves it`;
  }
  emit({ stage: 'client', className, method, params, typed, why });

  // The real call, through the typed client, watched by a middleware that sees the request after the
  // kubeconfig's authentication was applied, and the response before the deserializer reads it.
  const { Observable } = k8s;
  const seen: TracedResponse = { text: '' };
  let sentAt = 0;
  // 0 means no deadline, as everywhere else.
  const signal = req.timeoutMs > 0 ? AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]) : req.signal;
  const tracer = {
    pre(ctx: InstanceType<typeof k8s.RequestContext>) {
      ctx.setSignal(signal);
      const url = new URL(ctx.getUrl());
      emit({
        stage: 'request',
        method: ctx.getHttpMethod(),
        url: url.toString(),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: redactHeaders(ctx.getHeaders()),
      });
      sentAt = performance.now();
      return new Observable(Promise.resolve(ctx));
    },
    post(rsp: InstanceType<typeof k8s.ResponseContext>) {
      const read = rsp.body.text().then((text) => {
        seen.text = text;
        emit({
          stage: 'response',
          status: rsp.httpStatusCode,
          contentType: rsp.headers['content-type'] ?? '',
          bytes: Buffer.byteLength(text),
          durationMs: Math.round((performance.now() - sentAt) * 10) / 10,
        });
        // The body was consumed: hand the deserializer a copy.
        rsp.body = { text: () => Promise.resolve(text), binary: () => Promise.resolve(Buffer.from(text)), stream: () => null };
        return rsp;
      });
      return new Observable(read);
    },
  };
  const api = (await client.api(ctor && typed ? ctor : (k8s.CustomObjectsApi as never))) as Record<string, (p: unknown, o: unknown) => Promise<unknown>>;
  const call = api[method];
  if (typeof call !== 'function') throw new UserFacingError(`${className} has no method ${method}`, undefined, ExitCode.failure);
  const result = (await call.call(api, params, { middleware: [tracer], middlewareMergeStrategy: 'append' })) as Record<string, unknown> & { items?: unknown[] };

  let raw: { apiVersion?: string; kind?: string } = {};
  try {
    raw = JSON.parse(seen.text) as typeof raw;
  } catch {
    // not JSON: the decode stage says so below
  }
  const first = Array.isArray(result?.items) ? result.items[0] : undefined;
  const modelClass = result && typeof result === 'object' ? result.constructor.name : typeof result;
  emit({
    stage: 'decode',
    apiVersion: raw.apiVersion ?? '?',
    kind: raw.kind ?? '?',
    modelClass: modelClass === 'Object' ? 'Object (plain JSON: no model class)' : modelClass,
    itemClass: first && typeof first === 'object' ? (first.constructor.name === 'Object' ? 'Object' : first.constructor.name) : undefined,
    items: Array.isArray(result?.items) ? result.items.length : undefined,
    dates: datesIn(Array.isArray(result?.items) ? first : result),
  });

  const meta = (o: unknown) => (o as { metadata?: { name?: string; namespace?: string; resourceVersion?: string } })?.metadata ?? {};
  const objects = Array.isArray(result?.items) ? result.items : [result];
  emit({
    stage: 'result',
    verb,
    count: objects.length,
    objects: objects.map((o) => ({ name: meta(o).name ?? '', ...(meta(o).namespace ? { namespace: meta(o).namespace } : {}) })),
    resourceVersion: meta(result).resourceVersion,
  });
}

/** The credential kind in words that do not look like a credential to redact() ("bearer token" would). */
export function credentialWords(kind: string): string {
  return kind === 'bearer token' ? 'token (sent in the Authorization header)' : kind;
}

/** Fields the deserializer turned from RFC 3339 strings into Date objects (metadata.creationTimestamp...). */
function datesIn(obj: unknown, prefix = '', out: string[] = [], depth = 0): string[] {
  if (!obj || typeof obj !== 'object' || depth > 3 || out.length >= 3) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (v instanceof Date) out.push(prefix + k);
    else if (v && typeof v === 'object' && !Array.isArray(v)) datesIn(v, `${prefix}${k}.`, out, depth + 1);
    if (out.length >= 3) break;
  }
  return out;
}
