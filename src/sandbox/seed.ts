/**
 * The bootstrap seed: the objects an API server writes into an empty etcd when it first starts (the default RBAC
 * roles and bindings, the system priority classes, the priority-and-fairness configuration), saved once per
 * binary version and written straight into the next sandbox's etcd before its API server starts. The server's
 * post-start hooks then find every object in place and only read it, instead of creating ~150 objects while
 * /readyz waits: about 0.8 s of a warm start-up.
 *
 * It is a cache, never a source of truth: the hooks still run and still gate /readyz, and they repair what
 * they own (the RBAC reconciler rewrites a role missing a rule; the priority-and-fairness producer rewrites a
 * mandatory configuration). What it holds is the same for every sandbox of one version: no certificate, key,
 * token, service account, config map, lease, node or event, only objects chosen by the marks the API server
 * puts on its own defaults. Each sandbox gets them with a fresh uid and creation time, as if created just now.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Agent, fetch } from 'undici';
import { cacheRoot, versionsKey, type SandboxVersions } from './versions.ts';

/** Bumped when what the seed holds or how it is written changes: older seeds are then captured again. */
export const SEED_FORMAT = 1;

/** Where a resource's defaults are listed, the etcd prefix the API server stores them under, and which are defaults. */
interface SeedSource {
  list: string;
  /** The first segment of the objects' etcd keys, under /registry/. */
  prefix: string;
  apiVersion: string;
  kind: string;
  isDefault(o: SeedObject): boolean;
}

export interface SeedObject {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager?: string; time?: string }[];
  };
  [field: string]: unknown;
}

/**
 * The API server's own writers of its defaults (and the controller that fills the aggregated roles). An object
 * anyone else has written to, even a default, is not kept: the seed never carries a permission someone added.
 */
const SYSTEM_MANAGERS = new Set([
  'kube-apiserver',
  'clusterrole-aggregation-controller',
  'api-priority-and-fairness-config-producer-v1',
  'api-priority-and-fairness-config-consumer-v1',
]);
const writtenBySystemOnly = (o: SeedObject) => {
  const managers = o.metadata.managedFields?.map((f) => f.manager) ?? [];
  return managers.length > 0 && managers.every((m) => m !== undefined && SYSTEM_MANAGERS.has(m));
};

/** Every RBAC object of the default policy carries this label. */
const rbacDefault = (o: SeedObject) => o.metadata.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults';
/** Only the API server may create priority classes named system-*. */
const systemPriorityClass = (o: SeedObject) => o.metadata.name.startsWith('system-');
/** The priority-and-fairness producer marks the configuration it keeps up to date. */
const apfDefault = (o: SeedObject) => o.metadata.annotations?.['apf.kubernetes.io/autoupdate-spec'] !== undefined;

const RBAC = 'rbac.authorization.k8s.io/v1';
const APF = 'flowcontrol.apiserver.k8s.io/v1';
export const SEED_SOURCES: SeedSource[] = [
  { list: `/apis/${RBAC}/clusterroles`, prefix: 'clusterroles', apiVersion: RBAC, kind: 'ClusterRole', isDefault: rbacDefault },
  { list: `/apis/${RBAC}/clusterrolebindings`, prefix: 'clusterrolebindings', apiVersion: RBAC, kind: 'ClusterRoleBinding', isDefault: rbacDefault },
  { list: `/apis/${RBAC}/roles`, prefix: 'roles', apiVersion: RBAC, kind: 'Role', isDefault: rbacDefault },
  { list: `/apis/${RBAC}/rolebindings`, prefix: 'rolebindings', apiVersion: RBAC, kind: 'RoleBinding', isDefault: rbacDefault },
  {
    list: '/apis/scheduling.k8s.io/v1/priorityclasses',
    prefix: 'priorityclasses',
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    isDefault: systemPriorityClass,
  },
  { list: `/apis/${APF}/flowschemas`, prefix: 'flowschemas', apiVersion: APF, kind: 'FlowSchema', isDefault: apfDefault },
  {
    list: `/apis/${APF}/prioritylevelconfigurations`,
    prefix: 'prioritylevelconfigurations',
    apiVersion: APF,
    kind: 'PriorityLevelConfiguration',
    isDefault: apfDefault,
  },
];

export interface Seed {
  format: number;
  versions: SandboxVersions;
  /** The kube-apiserver binary the objects came from (size and modification time): a rebuilt one is captured again. */
  apiserver: string;
  /** etcd key (without /registry/) and the object stored there. */
  objects: { key: string; object: SeedObject }[];
}

export function seedFile(versions: SandboxVersions, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), versionsKey(versions), 'bootstrap-seed.json');
}

/** Identifies one build of a binary without reading its 100 MB. */
export function binaryStamp(binary: string): string {
  const s = statSync(binary);
  return `${s.size}@${Math.round(s.mtimeMs)}`;
}

/** The etcd key of an object of `source` (without /registry/), as the API server stores it. */
const keyOf = (source: SeedSource, metadata: SeedObject['metadata']) => [source.prefix, metadata.namespace, metadata.name].filter(Boolean).join('/');

/**
 * An entry capture would have kept: a default of a seeded kind, at its own key, written by the system alone. Checked
 * again on load, so a seed file edited since (by hand or by a bug) cannot plant a permission of its own.
 */
function isCapturable({ key, object }: Seed['objects'][number]): boolean {
  if (typeof object?.metadata?.name !== 'string') return false;
  const source = SEED_SOURCES.find((s) => s.apiVersion === object.apiVersion && s.kind === object.kind);
  return source !== undefined && key === keyOf(source, object.metadata) && source.isDefault(object) && writtenBySystemOnly(object);
}

/**
 * The seed saved for these versions and this build of the API server; undefined when there is none, it is stale,
 * or it holds anything capture would not have kept.
 */
export function loadSeed(file: string, versions: SandboxVersions, apiserver: string): Seed | undefined {
  try {
    const seed = JSON.parse(readFileSync(file, 'utf8')) as Seed;
    const current =
      seed.format === SEED_FORMAT &&
      versionsKey(seed.versions) === versionsKey(versions) &&
      seed.apiserver === apiserver &&
      Array.isArray(seed.objects) &&
      seed.objects.length > 0 &&
      seed.objects.every(isCapturable);
    return current ? seed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the defaults from a sandbox whose API server is ready, right after its start-up. Fails (and nothing is
 * saved) unless every kind has at least one default, so a half-finished bootstrap is never kept.
 */
export async function captureSeed(get: (path: string) => Promise<unknown>, versions: SandboxVersions, apiserver: string): Promise<Seed> {
  const objects: Seed['objects'] = [];
  for (const source of SEED_SOURCES) {
    const list = (await get(source.list)) as { items?: SeedObject[] };
    const defaults = (list.items ?? []).filter((o) => source.isDefault(o) && writtenBySystemOnly(o));
    if (defaults.length === 0) throw new Error(`no default ${source.kind} objects to seed`);
    for (const o of defaults) {
      const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...metadata } = o.metadata;
      const object = { ...o, apiVersion: source.apiVersion, kind: source.kind, metadata: metadata as SeedObject['metadata'] };
      objects.push({ key: keyOf(source, o.metadata), object });
    }
  }
  return { format: SEED_FORMAT, versions, apiserver, objects };
}

/** Saves a seed for later start-ups; replaced whole, so a concurrent reader sees the old one or the new one. */
export function saveSeed(file: string, seed: Seed): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(seed));
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The object as this sandbox's API server would have created it at `now`: its own uid and times. */
export function freshObject(object: SeedObject, now: Date, uid: () => string = randomUUID): SeedObject {
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const managedFields = object.metadata.managedFields?.map((f) => ({ ...f, time }));
  return { ...object, metadata: { ...object.metadata, uid: uid(), creationTimestamp: time, ...(managedFields && { managedFields }) } };
}

/** etcd takes at most 128 operations in one transaction by default. */
const PUTS_PER_TXN = 128;

/**
 * Writes the seed into an empty etcd through its JSON gateway, as JSON (the API server reads JSON and protobuf
 * alike from storage, and writes protobuf from then on). Call it before the API server starts.
 */
export async function plantSeed(etcdUrl: string, dispatcher: Agent, seed: Seed, now = new Date()): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  for (let i = 0; i < seed.objects.length; i += PUTS_PER_TXN) {
    const success = seed.objects.slice(i, i + PUTS_PER_TXN).map(({ key, object }) => ({
      request_put: { key: b64(`/registry/${key}`), value: b64(JSON.stringify(freshObject(object, now))) },
    }));
    const res = await fetch(`${etcdUrl}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }), dispatcher });
    const text = await res.text();
    if (!res.ok) throw new Error(`etcd refused the bootstrap seed: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
}
