/**
 * Finds and loads Kubernetes client configuration the way kubectl does:
 * `--kubeconfig` (one file), else `KUBECONFIG` (a list of files, merged: the first file to define a name or
 * the current context wins; missing files are skipped), else `~/.kube/config`, else the in-cluster service
 * account, else the local sandbox when one is running. `--context` picks a context; the namespace is
 * `-n`, else the context's, else `default`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { KubeConfig } from '@kubernetes/client-node';
import { registerSecret } from './redact.ts';
import { KubeconfigError } from './errors.ts';

export type KubeconfigSource = 'flag' | 'env' | 'home' | 'in-cluster' | 'sandbox';

export interface KubeconfigRequest {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Returns the running sandbox's kubeconfig path, if any; used last. */
  sandboxKubeconfig?: () => string | undefined;
}

export interface ResolvedKubeconfig {
  kc: KubeConfig;
  source: KubeconfigSource;
  /** Files actually read, in merge order. */
  files: string[];
  contextName: string;
  clusterName: string;
  server: string;
  userName: string;
  /** What kind of credential the user has, never its value. */
  credentialKind: string;
  namespace: string;
  namespaceFromFlag: boolean;
}

interface RawConfig {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: Record<string, unknown> }[];
  'current-context'?: string;
  [k: string]: unknown;
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Lists the files kubectl would read, and where the choice came from. Empty when none applies. */
export function kubeconfigFiles(req: KubeconfigRequest): { source: KubeconfigSource; files: string[] } | undefined {
  const env = req.env ?? process.env;
  if (req.kubeconfig) {
    const file = resolve(req.kubeconfig);
    if (!existsSync(file)) {
      throw new KubeconfigError(
        `kubeconfig file ${file} (from --kubeconfig) does not exist`,
        'check the path, or omit --kubeconfig to use KUBECONFIG or ~/.kube/config',
      );
    }
    return { source: 'flag', files: [file] };
  }
  if (env.KUBECONFIG) {
    const listed = env.KUBECONFIG.split(delimiter)
      .filter(Boolean)
      .map((f) => resolve(f));
    const files = listed.filter((f) => existsSync(f));
    if (files.length === 0) {
      throw new KubeconfigError(
        `none of the files in KUBECONFIG exist (${listed.join(delimiter)})`,
        'fix KUBECONFIG, or unset it to use ~/.kube/config or the sandbox',
      );
    }
    return { source: 'env', files };
  }
  const home = env.HOME ?? homedir();
  const homeFile = resolve(home, '.kube', 'config');
  if (existsSync(homeFile)) return { source: 'home', files: [homeFile] };
  return undefined;
}

export async function loadKubeconfig(req: KubeconfigRequest): Promise<ResolvedKubeconfig> {
  const env = req.env ?? process.env;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  let found = kubeconfigFiles(req);
  if (!found && env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_TOKEN)) {
    kc.loadFromCluster();
    found = { source: 'in-cluster', files: [] };
  } else if (!found) {
    const sandbox = req.sandboxKubeconfig?.();
    if (!sandbox) {
      throw new KubeconfigError(
        'no cluster configured: no --kubeconfig, no KUBECONFIG, no ~/.kube/config and no running sandbox',
        'start the local sandbox with `kube-lessons sandbox up`, or point --kubeconfig at your cluster',
      );
    }
    found = { source: 'sandbox', files: [sandbox] };
  }
  if (found.source !== 'in-cluster') {
    const merged = mergeFiles(found.files);
    try {
      kc.loadFromString(toYaml(merged));
    } catch (err) {
      throw new KubeconfigError(`kubeconfig ${found.files.join(delimiter)} is not valid: ${(err as Error).message}`, 'compare it with `kubectl config view`');
    }
  }
  if (req.context) {
    if (!kc.getContextObject(req.context)) {
      const known =
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none';
      throw new KubeconfigError(`context "${req.context}" not found in kubeconfig`, `known contexts: ${known}`);
    }
    kc.setCurrentContext(req.context);
  }
  const contextName = kc.getCurrentContext();
  const ctx = kc.getContextObject(contextName);
  if (!ctx && found.source !== 'in-cluster') {
    throw new KubeconfigError(
      contextName ? `current context "${contextName}" is not defined in kubeconfig` : 'kubeconfig has no current context',
      'pick one with --context, or set it with `kubectl config use-context NAME`',
    );
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) {
    throw new KubeconfigError(`context "${contextName}" names no cluster with a server URL`, 'check the context and cluster entries in your kubeconfig');
  }
  const user = kc.getCurrentUser();
  for (const u of kc.getUsers()) {
    registerSecret(u.token);
    registerSecret(u.password);
    registerSecret(u.keyData);
    registerSecret(u.keyFile ? safeRead(u.keyFile) : undefined);
  }
  return {
    kc,
    source: found.source,
    files: found.files,
    contextName,
    clusterName: cluster.name,
    server: cluster.server,
    userName: user?.name ?? '',
    credentialKind: credentialKind(user),
    namespace: req.namespace || ctx?.namespace || 'default',
    namespaceFromFlag: Boolean(req.namespace),
  };
}

function credentialKind(user: ReturnType<KubeConfig['getCurrentUser']>): string {
  if (!user) return 'none';
  if (user.exec) return `exec plugin (${(user.exec as { command?: string }).command ?? '?'})`;
  if (user.authProvider) return `auth provider (${(user.authProvider as { name?: string }).name ?? '?'})`;
  if (user.certData || user.certFile) return 'client certificate';
  if (user.token) return 'bearer token';
  if (user.username) return 'username and password';
  return 'none (anonymous)';
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** kubectl's merge: the first file that defines a name (or current-context) wins. */
export function mergeFiles(files: string[]): RawConfig {
  const merged: Required<Pick<RawConfig, 'clusters' | 'users' | 'contexts'>> & RawConfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    users: [],
    contexts: [],
  };
  for (const file of files) {
    const raw = readKubeconfigFile(file);
    const dir = dirname(file);
    if (!merged['current-context'] && raw['current-context']) merged['current-context'] = raw['current-context'];
    for (const c of raw.clusters ?? []) {
      if (!merged.clusters.some((m) => m.name === c.name))
        merged.clusters.push({ name: c.name, cluster: absolutize(c.cluster ?? {}, dir, ['certificate-authority']) });
    }
    for (const u of raw.users ?? []) {
      if (!merged.users.some((m) => m.name === u.name))
        merged.users.push({ name: u.name, user: absolutize(u.user ?? {}, dir, ['client-certificate', 'client-key', 'tokenFile']) });
    }
    for (const c of raw.contexts ?? []) {
      if (!merged.contexts.some((m) => m.name === c.name)) merged.contexts.push(c);
    }
  }
  return merged;
}

function absolutize(entry: Record<string, unknown>, dir: string, keys: string[]): Record<string, unknown> {
  const out = { ...entry };
  for (const k of keys) {
    const v = out[k];
    if (typeof v === 'string' && v && !isAbsolute(v)) out[k] = resolve(dir, v);
  }
  return out;
}

function readKubeconfigFile(file: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeconfigError(
      `cannot read kubeconfig ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'check the file exists and is readable',
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    throw new KubeconfigError(
      `kubeconfig ${file} is not valid YAML: ${first}`,
      'fix the file, or check it with `kubectl config view --kubeconfig ' + file + '`',
    );
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new KubeconfigError(
      `kubeconfig ${file} is not a kubeconfig (expected a mapping with clusters, users and contexts)`,
      'check you passed the right file',
    );
  }
  const cfg = raw as RawConfig;
  for (const field of ['clusters', 'users', 'contexts'] as const) {
    const list = cfg[field];
    if (list !== undefined && list !== null && !Array.isArray(list)) {
      throw new KubeconfigError(`kubeconfig ${file}: "${field}" must be a list`, 'compare the file with `kubectl config view`');
    }
    for (const entry of (list ?? []) as { name?: unknown }[]) {
      if (!entry || typeof entry !== 'object' || typeof entry.name !== 'string') {
        throw new KubeconfigError(`kubeconfig ${file}: an entry of "${field}" has no name`, 'every cluster, user and context needs a name');
      }
    }
  }
  return cfg;
}
