/**
 * Article III, "a naked pod": build the Pod object, POST it (or dry-run it), follow it with a WATCH until it
 * runs or fails, and delete it again, waiting for the DELETED event. Also builds the two views `--explain`
 * shows side by side: the object as a typed TypeScript model and as the YAML manifest a person would write.
 * Gathering and logic only: the commands render.
 */
import type { KubeClient } from '../core/client.ts';
import { formatDuration } from '../core/duration.ts';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { listerWatcherFor } from '../core/list-watch-client.ts';
import type { Pod } from '../core/objects.ts';
import { BUILTIN_RESOURCES } from '../core/resources.ts';
import type { WatchStream } from '../machinery/cache/list-watch.ts';
import { ApiStatusError, apiStatusError, isResourceExpired } from '../machinery/errors.ts';

export const POD_DEFAULTS = { name: 'my-pod', container: 'my-ctr', image: 'httpd:alpine' } as const;

export interface PodSpecInput {
  name: string;
  namespace: string;
  container: string;
  image: string;
  labels: Record<string, string>;
  /** Node labels the pod must land on (spec.nodeSelector); none by default. */
  nodeSelector?: Record<string, string>;
}

/** Parses repeated `--label key=value` flags (or another flag's, named by `flag`). */
export function parseLabels(pairs: string[], flag = '--label'): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UserFacingError(`${flag} "${pair}" is not key=value`, `for example ${flag} app=web`, ExitCode.usage);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/** The object the article's program creates: one container, nothing else. */
export function buildPod(input: PodSpecInput): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      ...(Object.keys(input.labels).length ? { labels: input.labels } : {}),
    },
    spec: {
      containers: [{ name: input.container, image: input.image }],
      ...(input.nodeSelector && Object.keys(input.nodeSelector).length ? { nodeSelector: input.nodeSelector } : {}),
    },
  };
}

/** A copy without metadata.managedFields, which kubectl also hides unless asked: bookkeeping, not the object. */
export function forDisplay(pod: Pod): Pod {
  const copy = structuredClone(pod);
  if (copy.metadata) delete copy.metadata.managedFields;
  return copy;
}

export function podsPath(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
}

export interface CreateResult {
  pod: Pod;
  dryRun: boolean;
}

/** POST the pod. With dryRun the server runs admission and validation, fills defaults, and stores nothing. */
export async function createPod(client: KubeClient, pod: Pod, opts: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<CreateResult> {
  const namespace = pod.metadata?.namespace ?? 'default';
  try {
    const { body } = await client.request<Pod>({
      method: 'POST',
      path: podsPath(namespace),
      query: { dryRun: opts.dryRun ? 'All' : undefined },
      body: pod,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { pod: body, dryRun: Boolean(opts.dryRun) };
  } catch (err) {
    const e = err as { code?: unknown; reason?: string };
    if (e.code === 409 && e.reason === 'AlreadyExists') {
      const name = pod.metadata?.name ?? '';
      throw new UserFacingError(
        `create pod: pod "${name}" already exists in namespace "${namespace}" (409 AlreadyExists)`,
        `delete it with \`kube-lessons delete-pod ${name} -n ${namespace}\`, or pick another --name`,
        ExitCode.conflict,
        { cause: err },
      );
    }
    throw err;
  }
}

export interface DeleteResult {
  /** False when there was no such pod. */
  existed: boolean;
  pod: Pod | undefined;
}

/** Deletes the pod. A missing pod is a 404 error, unless `ignoreNotFound` (kubectl's --ignore-not-found). */
export async function deletePod(
  client: KubeClient,
  namespace: string,
  name: string,
  opts: { signal?: AbortSignal; ignoreNotFound?: boolean } = {},
): Promise<DeleteResult> {
  try {
    const { body } = await client.request<Pod>({
      method: 'DELETE',
      path: `${podsPath(namespace)}/${encodeURIComponent(name)}`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { existed: true, pod: body };
  } catch (err) {
    if (opts.ignoreNotFound && err instanceof ApiStatusError && err.code === 404) return { existed: false, pod: undefined };
    throw err;
  }
}

/** What a watch reported about the pod: the event type and the pod's state, as the command prints them. */
export interface PodChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  pod: Pod;
  phase: string;
  /** Why it is not running yet (ContainerCreating, Unschedulable...), when the pod says so. */
  reason: string | undefined;
  node: string | undefined;
}

export type Outcome = { ok: true; pod: Pod } | { ok: false; pod: Pod; reason: string; message: string };

/** Decides whether a pod has reached Running, has failed for good, or is still on its way. */
export function podOutcome(pod: Pod): Outcome | undefined {
  const phase = pod.status?.phase;
  if (phase === 'Running' || phase === 'Succeeded') return { ok: true, pod };
  if (phase === 'Failed') return { ok: false, pod, reason: pod.status?.reason ?? 'Failed', message: pod.status?.message ?? 'the pod failed' };
  for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = cs.state?.waiting;
    if (
      waiting?.reason &&
      ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CrashLoopBackOff'].includes(waiting.reason)
    ) {
      return { ok: false, pod, reason: waiting.reason, message: `container ${cs.name}: ${waiting.message ?? waiting.reason}` };
    }
  }
  // Unschedulable is not final: the scheduler retries as nodes, taints and resources change.
  return undefined;
}

/** The pod's last word on why it is not running: a waiting container's reason, or a false condition. */
export function lastCondition(pod: Pod): string {
  const phase = `phase ${pod.status?.phase ?? 'Pending'}`;
  const waiting = (pod.status?.containerStatuses ?? []).map((c) => c.state?.waiting).find((w) => w?.reason);
  if (waiting) return `${phase}, ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  const failing = (pod.status?.conditions ?? []).find((c) => c.status === 'False' && c.reason);
  if (failing) return `${phase}, ${failing.type}=False ${failing.reason}${failing.message ? `: ${failing.message}` : ''}`;
  return phase;
}

function change(type: PodChange['type'], pod: Pod): PodChange {
  const waiting = [...(pod.status?.containerStatuses ?? [])].map((c) => c.state?.waiting?.reason).find(Boolean);
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const reason = waiting ?? (scheduled?.status === 'False' ? scheduled.reason : undefined) ?? pod.status?.reason;
  return { type, pod, phase: pod.status?.phase ?? 'Pending', reason: reason ?? undefined, node: pod.spec?.nodeName ?? undefined };
}

export interface FollowOptions {
  namespace: string;
  name: string;
  /** Watch from here: the resourceVersion the create (or a list) returned, so no change is missed. */
  resourceVersion: string;
  timeoutMs: number;
  signal: AbortSignal;
  onChange?: (c: PodChange) => void;
}

/**
 * Watches one pod (fieldSelector metadata.name=NAME) from a resourceVersion and hands every event to `stop`,
 * until it returns a value. Reconnects when the server ends the watch; relists on 410 Gone. Not polling: one
 * long GET per connection, each event a JSON line.
 */
async function watchPod<T>(
  client: KubeClient,
  opts: FollowOptions,
  what: string,
  stop: (c: PodChange) => T | undefined,
  onTimeout: () => UserFacingError,
): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
  const signal = AbortSignal.any([opts.signal, deadline.signal]);
  let rv = opts.resourceVersion;
  const pods = listerWatcherFor<Pod>(client, BUILTIN_RESOURCES.pods, { namespace: opts.namespace });
  try {
    for (;;) {
      if (signal.aborted) break;
      let stream: WatchStream<Pod>;
      try {
        stream = await pods.watch({
          fieldSelector: `metadata.name=${opts.name}`,
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.max(1, Math.ceil(opts.timeoutMs / 1000)),
          signal,
        });
      } catch (err) {
        if (signal.aborted) break;
        throw err;
      }
      try {
        for await (const event of stream) {
          if (event.type === 'ERROR') {
            const status = apiStatusError(event.object, { fallbackMessage: 'error' });
            if (isResourceExpired(status)) {
              // Our resourceVersion is too old to watch from: list to learn where "now" is, and see the pod's state there.
              const listed = await listOne(client, opts.namespace, opts.name, signal);
              rv = listed.resourceVersion;
              const result = stop(listed.pod ? change('MODIFIED', listed.pod) : change('DELETED', { metadata: { name: opts.name } }));
              if (result !== undefined) return result;
              break;
            }
            throw new UserFacingError(`watching ${what}: the server ended the watch: ${status.message}`, undefined, ExitCode.failure, { cause: status });
          }
          rv = event.object.metadata?.resourceVersion ?? rv;
          if (event.type === 'BOOKMARK') continue;
          const c = change(event.type, event.object);
          opts.onChange?.(c);
          const result = stop(c);
          if (result !== undefined) return result;
        }
      } catch (err) {
        if (signal.aborted) break;
        throw err;
      } finally {
        stream.close();
      }
      // The server closed the watch (its timeout): watch again from the last resourceVersion seen.
    }
  } finally {
    clearTimeout(timer);
  }
  if (opts.signal.aborted) throw opts.signal.reason;
  throw onTimeout();
}

async function listOne(client: KubeClient, namespace: string, name: string, signal?: AbortSignal): Promise<{ pod: Pod | undefined; resourceVersion: string }> {
  const listed = await listerWatcherFor<Pod>(client, BUILTIN_RESOURCES.pods, { namespace }).list({ fieldSelector: `metadata.name=${name}`, signal });
  return { pod: listed.items[0], resourceVersion: listed.metadata.resourceVersion ?? '' };
}

/** Follows a new pod until it runs (resolves) or fails for good (throws a one-line error naming the reason). */
export async function waitForRunning(client: KubeClient, opts: FollowOptions & { initial: Pod }): Promise<Pod> {
  let last: Pod = opts.initial;
  const early = podOutcome(opts.initial);
  const decide = (o: Outcome): Pod => {
    if (o.ok) return o.pod;
    throw new UserFacingError(
      `pod "${opts.name}" failed: ${o.reason}: ${o.message}`,
      `inspect it with \`kubectl describe pod ${opts.name} -n ${opts.namespace}\`, then remove it with \`kube-lessons delete-pod ${opts.name} -n ${opts.namespace}\``,
      ExitCode.failure,
    );
  };
  if (early) return decide(early);
  return watchPod(
    client,
    opts,
    `pod "${opts.name}"`,
    (c) => {
      if (c.type === 'DELETED') throw new UserFacingError(`pod "${opts.name}" was deleted while we waited for it to run`, undefined, ExitCode.failure);
      last = c.pod;
      const o = podOutcome(c.pod);
      return o ? decide(o) : undefined;
    },
    () =>
      new UserFacingError(
        `pod "${opts.name}" did not reach Running within ${formatDuration(opts.timeoutMs)} (last: ${lastCondition(last).replaceAll('\n', ' ')})`,
        `it still exists: watch it with \`kubectl get pod ${opts.name} -n ${opts.namespace} -w\`, or remove it with \`kube-lessons delete-pod ${opts.name} -n ${opts.namespace}\``,
        ExitCode.timeout,
      ),
  );
}

/** Waits for the pod to be gone: lists it once (to get a resourceVersion to watch from), then watches for DELETED. */
export async function waitForDeletion(client: KubeClient, opts: Omit<FollowOptions, 'resourceVersion'>): Promise<void> {
  const listed = await listOne(client, opts.namespace, opts.name, opts.signal);
  if (!listed.pod) return;
  await watchPod(
    client,
    { ...opts, resourceVersion: listed.resourceVersion },
    `pod "${opts.name}"`,
    (c) => (c.type === 'DELETED' ? true : undefined),
    () =>
      new UserFacingError(
        `pod "${opts.name}" was still there after ${formatDuration(opts.timeoutMs)}`,
        `a finalizer or an unreachable node can hold a pod: look with \`kubectl get pod ${opts.name} -n ${opts.namespace} -o yaml\``,
        ExitCode.timeout,
      ),
  );
}

// --explain: the same object two ways, row by row.

const TS_TYPES: Record<string, string> = {
  metadata: 'V1ObjectMeta',
  spec: 'PodSpec',
  containers: 'V1Container[]',
};

export interface ExplainView {
  /** Rows of [TypeScript, YAML]: the same field on the same row; either side may be empty. */
  rows: [string, string][];
  tsFooter: string[];
  yamlFooter: string[];
}

/** The pod as `const pod: V1Pod = {...}` next to its YAML manifest, aligned field by field. */
export function explainPod(pod: Pod): ExplainView {
  const rows: [string, string][] = [];
  rows.push(["import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';", '# pod.yaml']);
  rows.push(['', '']);
  rows.push(['const pod: V1Pod = {', '']);
  walkObject(pod, 1, 0, rows);
  rows.push(['};', '']);
  const ns = pod.metadata?.namespace ?? 'default';
  return {
    rows,
    tsFooter: [
      'const kc = new KubeConfig();',
      'kc.loadFromDefault();',
      'const core = kc.makeApiClient(CoreV1Api);',
      `await core.createNamespacedPod({ namespace: '${ns}', body: pod });`,
    ],
    yamlFooter: [`kubectl apply -n ${ns} -f pod.yaml`],
  };
}

function walkObject(obj: Record<string, unknown>, tsDepth: number, yamlDepth: number, rows: [string, string][], yamlFirstPrefix?: string): void {
  let first = true;
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    const ts = '  '.repeat(tsDepth);
    const yamlIndent = first && yamlFirstPrefix !== undefined ? '  '.repeat(Math.max(0, yamlDepth - 1)) + yamlFirstPrefix : '  '.repeat(yamlDepth);
    first = false;
    const tsKey = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`;
    const yamlKey = /^[\w./-]+$/.test(key) && !/^(true|false|null|yes|no|on|off|~|[\d.]+)$/i.test(key) ? key : JSON.stringify(key);
    const comment = TS_TYPES[key] ? ` // ${TS_TYPES[key]}` : '';
    if (Array.isArray(value)) {
      rows.push([`${ts}${tsKey}: [${comment}`, `${yamlIndent}${yamlKey}:`]);
      for (const item of value) {
        if (item && typeof item === 'object') {
          rows.push([`${ts}  {`, '']);
          walkObject(item as Record<string, unknown>, tsDepth + 2, yamlDepth + 1, rows, '- ');
          rows.push([`${ts}  },`, '']);
        } else {
          rows.push([`${ts}  ${tsLiteral(item)},`, `${'  '.repeat(yamlDepth)}- ${yamlScalar(item)}`]);
        }
      }
      rows.push([`${ts}],`, '']);
    } else if (value && typeof value === 'object') {
      rows.push([`${ts}${tsKey}: {${comment}`, `${yamlIndent}${yamlKey}:`]);
      walkObject(value as Record<string, unknown>, tsDepth + 1, yamlDepth + 1, rows);
      rows.push([`${ts}},`, '']);
    } else {
      rows.push([`${ts}${tsKey}: ${tsLiteral(value)},`, `${yamlIndent}${yamlKey}: ${yamlScalar(value)}`]);
    }
  }
}

function tsLiteral(v: unknown): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v);
}

function yamlScalar(v: unknown): string {
  if (typeof v !== 'string') return String(v);
  // Quote what YAML would otherwise read as another type or as syntax.
  if (v === '' || /^(true|false|null|yes|no|on|off|~)$/i.test(v) || /^[-+]?[\d.]+(e[-+]?\d+)?$/i.test(v) || /: |\s#|:$|^[-?:,[\]{}#&*!|>'"%@`\s]|\s$/.test(v)) {
    return JSON.stringify(v);
  }
  return v;
}
