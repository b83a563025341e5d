/**
 * Finds and loads Kubernetes client configuration the way kubectl does:
 * `--kubeconfig` (one file), else `KUBECONFIG` (a list of files, merged: the first file to define a name or
 * the current context wins; missing files are skipped), else `~/.kube/config`, else the in-cluster service
 * account, else the local sandbox when one is running. `--context` picks a context; the namespace is
 * `-n`, else the context's, else `default`. What clientcmd refuses (a name twice in one file, -data that is not
 * base64, two authentication methods, a CA with insecure-skip-tls-verify...) is refused here too, before any
 * request; over a plain http server, as with clientcmd, no credentials are sent.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { credentialKind, registerUserSecrets, type ClusterEntry, type UserEntry } from './auth.ts';
import { fileProblem, KubeconfigError, permissionHint } from './errors.ts';
import { readParsed } from './parsed-file-cache.ts';

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
  /** The chosen cluster and user entries, file paths absolute: what the client authenticates with. */
  cluster: ClusterEntry;
  user: UserEntry;
  /**
   * The same configuration as @kubernetes/client-node's KubeConfig, made on first call: for its typed API
   * clients and the auth providers only it handles. Importing client-node costs ~250 ms, so nothing else does.
   */
  clientNodeConfig(): Promise<KubeConfig>;
}

interface FileConfig {
  clusters?: { name: string; cluster: ClusterEntry }[];
  users?: { name: string; user: UserEntry }[];
  contexts?: { name: string; context: Record<string, unknown> }[];
  'current-context'?: string;
  [k: string]: unknown;
}

type RawConfig = Required<Pick<FileConfig, 'clusters' | 'users' | 'contexts'>> & FileConfig;

const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const IN_CLUSTER_TOKEN = `${IN_CLUSTER_DIR}/token`;

/** Lists the files kubectl would read, and where the choice came from. Empty when none applies. */
export function kubeconfigFiles(req: KubeconfigRequest): { source: KubeconfigSource; files: string[] } | undefined {
  const env = req.env ?? process.env;
  if (req.kubeconfig) {
    const file = resolve(req.kubeconfig);
    const kind = pathKind(file);
    if (kind === 'folder') throw folderError(file, ' (from --kubeconfig)');
    if (typeof kind === 'object') throw unreadableError(file, ' (from --kubeconfig)', kind.error);
    if (!kind) {
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
    const files: string[] = [];
    for (const f of listed) {
      const kind = pathKind(f);
      if (kind === 'folder') throw folderError(f, ' (from KUBECONFIG)');
      // kubectl skips only the files that do not exist: one it may not look at fails the command.
      if (typeof kind === 'object') throw unreadableError(f, ' (from KUBECONFIG)', kind.error);
      if (kind) files.push(f);
    }
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
  const kind = pathKind(homeFile);
  if (kind === 'folder') throw folderError(homeFile, '');
  if (typeof kind === 'object') throw unreadableError(homeFile, '', kind.error);
  return kind ? { source: 'home', files: [homeFile] } : undefined;
}

/**
 * What a path names, from one stat: undefined when it does not exist, the error when it cannot be looked at
 * (a folder on the way this user may not enter): the file may be there, and kubectl fails rather than skip it.
 */
function pathKind(path: string): 'file' | 'folder' | { error: unknown } | undefined {
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    return stat ? (stat.isDirectory() ? 'folder' : 'file') : undefined;
  } catch (error) {
    return fileProblem(error).missing ? undefined : { error };
  }
}

/** A kubeconfig path that exists (or may) but cannot be read, as one line with what to check. */
function unreadableError(file: string, from: string, error: unknown): KubeconfigError {
  const { why, denied } = fileProblem(error);
  return new KubeconfigError(`kubeconfig ${file}${from} ${why}`, denied ? permissionHint(file) : 'check the path, and that the file is a readable kubeconfig');
}

/** A kubeconfig path naming a folder (~/.kube rather than ~/.kube/config), with the kubeconfig inside it, if any. */
function folderError(file: string, from: string): KubeconfigError {
  const inside = ['config', 'kubeconfig'].map((name) => join(file, name)).find((f) => existsSync(f));
  return new KubeconfigError(
    `kubeconfig ${file}${from} is a folder, not a file`,
    inside ? `name the file itself: did you mean ${inside}?` : "name the kubeconfig file itself, not its folder: kubectl's own is ~/.kube/config",
  );
}

export async function loadKubeconfig(req: KubeconfigRequest): Promise<ResolvedKubeconfig> {
  const env = req.env ?? process.env;
  let found = kubeconfigFiles(req);
  let merged: RawConfig;
  if (!found && env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_TOKEN)) {
    found = { source: 'in-cluster', files: [] };
    merged = inClusterConfig(env);
  } else {
    if (!found) {
      const sandbox = req.sandboxKubeconfig?.();
      if (!sandbox) {
        throw new KubeconfigError(
          'no cluster configured: no --kubeconfig, no KUBECONFIG, no ~/.kube/config and no running sandbox',
          'start the local sandbox with `kube-lessons sandbox up`, or point --kubeconfig at your cluster',
        );
      }
      found = { source: 'sandbox', files: [sandbox] };
    }
    merged = await mergeFiles(found.files, env);
  }
  if (req.context && !merged.contexts.some((c) => c.name === req.context)) {
    const known = merged.contexts.map((c) => c.name).join(', ') || 'none';
    throw new KubeconfigError(`context "${req.context}" not found in kubeconfig`, `known contexts: ${known}`);
  }
  const contextName = req.context || merged['current-context'] || '';
  const ctx = merged.contexts.find((c) => c.name === contextName)?.context;
  if (!ctx && merged.contexts.length === 0) {
    // An empty file (or one with no contexts): "pick one with --context" would have nothing to pick.
    throw new KubeconfigError(
      `kubeconfig ${found.files.join(', ') || '(in-cluster)'} defines no contexts`,
      'point --kubeconfig at a kubeconfig with a cluster, or start the local sandbox with `kube-lessons sandbox up`',
    );
  }
  if (!ctx) {
    throw new KubeconfigError(
      contextName ? `current context "${contextName}" is not defined in kubeconfig` : 'kubeconfig has no current context',
      'pick one with --context, or set it with `kubectl config use-context NAME`',
    );
  }
  checkReferencedFiles(merged, contextName, found.files);
  const clusterName = typeof ctx.cluster === 'string' ? ctx.cluster : '';
  const clusterEntry = merged.clusters.find((c) => c.name === clusterName)?.cluster;
  // clientcmd would fall back to http://localhost:8080 here (its ClusterDefaults): an error says more.
  if (!clusterEntry || typeof clusterEntry.server !== 'string' || !clusterEntry.server) {
    throw new KubeconfigError(`context "${contextName}" names no cluster with a server URL`, 'check the context and cluster entries in your kubeconfig');
  }
  // Go's url.Parse lowercases the scheme, so HTTPS://host is https to clientcmd (and gets the credentials).
  const cluster = { ...clusterEntry, server: clusterEntry.server.replace(/^[a-z][a-z0-9+.-]*:/i, (scheme) => scheme.toLowerCase()) };
  const userName = typeof ctx.user === 'string' ? ctx.user : '';
  // A user named but not defined is a typo, not a wish to be anonymous: the server would answer 403 to
  // "system:anonymous" and never say why. (A context with no user at all stays anonymous.)
  if (userName && !merged.users.some((u) => u.name === userName)) {
    const known = merged.users.map((u) => u.name).join(', ') || 'none';
    throw new KubeconfigError(
      `context "${contextName}" names user "${userName}", which the kubeconfig does not define`,
      `fix the context's user; known users: ${known}`,
    );
  }
  const userEntry = merged.users.find((u) => u.name === userName)?.user ?? {};
  for (const u of merged.users) registerUserSecrets(u.user);
  // clientcmd reads a user's credentials (and the cluster's TLS settings) only for an https server.
  const secure = cluster.server.startsWith('https://');
  checkUsable(clusterName, cluster, userName, userEntry, secure);
  const user = secure ? userEntry : {};
  const kind = credentialKind(merged.users.find((u) => u.name === userName)?.user);
  let clientNode: Promise<KubeConfig> | undefined;
  return {
    source: found.source,
    files: found.files,
    contextName,
    clusterName,
    server: cluster.server,
    userName,
    credentialKind: secure || kind.startsWith('none') ? kind : PLAIN_HTTP_CREDENTIAL,
    namespace: req.namespace || (typeof ctx.namespace === 'string' && ctx.namespace) || 'default',
    namespaceFromFlag: Boolean(req.namespace),
    cluster,
    user,
    clientNodeConfig: () => (clientNode ??= toClientNode(merged, contextName)),
  };
}

/** What the credential kind reads when the user has credentials that a plain http server does not get. */
export const PLAIN_HTTP_CREDENTIAL = 'none (plain http: credentials are not sent)';

/**
 * What clientcmd's ConfirmUsable (validation.go) and client-go's transport refuse in the chosen cluster and
 * user, each as one line naming the entry, never a value. Where they differ on purpose: a server without
 * http:// or https:// is refused (clientcmd guesses the scheme from the TLS settings, and then sends no
 * credentials); a socks5 proxy-url, which clientcmd accepts, is refused because the transport cannot dial one.
 */
function checkUsable(clusterName: string, cluster: ClusterEntry, userName: string, user: UserEntry, secure: boolean): void {
  const fail = (message: string, hint: string): never => {
    throw new KubeconfigError(message, hint);
  };
  const c = `cluster "${clusterName}"`;
  const u = `user "${userName}"`;
  const server = cluster.server ?? '';
  if (!/^https?:\/\/[^/?#]/i.test(server) || !URL.canParse(server)) {
    // Shown without any user:password@ it holds: credentials never reach the output.
    const shown = server.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@\s]*@/i, '$1');
    // A bare host[:port] gets the scheme it lacks as the example; anything else (https//host, a typo) the form.
    const host = shown.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
    const example = /^[a-z0-9.-]+(:\d+)?(\/(?!\/)\S*)?$/i.test(host) ? `https://${host}` : 'https://HOST:PORT';
    fail(`the server of ${c} is not an http:// or https:// URL: ${shown}`, `write it in full, e.g. ${example}`);
  }
  const proxy = cluster['proxy-url'];
  if (proxy) {
    const scheme = URL.canParse(proxy) ? new URL(proxy).protocol.slice(0, -1) : undefined;
    if (scheme !== 'http' && scheme !== 'https') {
      fail(
        `proxy-url of ${c} is not an http:// or https:// URL${scheme === 'socks5' ? ' (socks5 proxies are not supported here)' : ''}`,
        'use an HTTP(S) proxy, or remove proxy-url',
      );
    }
  }
  if (cluster['certificate-authority'] && cluster['certificate-authority-data']) {
    fail(`${c} sets both certificate-authority and certificate-authority-data`, 'keep one of them, as kubectl also requires');
  }
  // client-go's transport refuses these two; it is built with the TLS settings and credentials only for https.
  if (secure && cluster['insecure-skip-tls-verify'] === true && (cluster['certificate-authority'] || cluster['certificate-authority-data'])) {
    fail(
      `${c} sets insecure-skip-tls-verify together with a certificate authority`,
      'remove insecure-skip-tls-verify (or the certificate authority), as kubectl also requires',
    );
  }
  const cert = user['client-certificate'] || user['client-certificate-data'];
  if (cert && user['client-certificate'] && user['client-certificate-data']) {
    fail(`${u} sets both client-certificate and client-certificate-data`, 'keep one of them, as kubectl also requires');
  }
  if (cert && user['client-key'] && user['client-key-data']) {
    fail(`${u} sets both client-key and client-key-data`, 'keep one of them, as kubectl also requires');
  }
  if (user.token && (user.username || user.password)) {
    fail(`${u} has both a token and a username/password`, 'keep one authentication method, as kubectl also requires');
  }
  if (secure && user.tokenFile && user.username) {
    fail(`${u} has both a tokenFile and a username/password`, 'keep one authentication method, as kubectl also requires');
  }
  if (user.exec && user['auth-provider']) {
    fail(`${u} has both an exec plugin and an auth-provider`, 'keep one of them, as kubectl also requires');
  }
  if (user.exec?.env?.some((e) => !e || typeof e.name !== 'string' || !e.name)) {
    fail(`an env entry of the exec plugin of ${u} has no name`, 'give every users[].user.exec.env entry a name and a value');
  }
}

/** The file-valued fields of clusters and users, as kubectl spells them. */
const FILE_FIELDS = { cluster: ['certificate-authority'], user: ['client-certificate', 'client-key', 'tokenFile'] } as const;

/**
 * The files the chosen context's cluster and user point at must be readable now, or the first request
 * fails with a bare ENOENT: say which field of which kubeconfig names the missing file instead.
 */
function checkReferencedFiles(merged: RawConfig, contextName: string, files: string[]): void {
  const context = merged.contexts?.find((c) => c.name === contextName)?.context ?? {};
  const entries = [
    { kind: 'cluster', name: context.cluster, fields: FILE_FIELDS.cluster, entry: merged.clusters?.find((c) => c.name === context.cluster)?.cluster },
    { kind: 'user', name: context.user, fields: FILE_FIELDS.user, entry: merged.users?.find((u) => u.name === context.user)?.user },
  ];
  for (const { kind, name, fields, entry } of entries) {
    for (const field of fields) {
      const file = entry?.[field];
      if (typeof file !== 'string' || !file) continue;
      // With an inline token too, client-go falls back to it while the token file cannot be read.
      if (field === 'tokenFile' && (entry as UserEntry).token) continue;
      try {
        accessSync(file, constants.R_OK);
      } catch (err) {
        const { why, denied } = fileProblem(err);
        const inline = field === 'tokenFile' ? 'token' : `${field}-data`;
        throw new KubeconfigError(
          `${field} file ${file} of ${kind} "${String(name)}" ${why} (kubeconfig ${files.join(delimiter)})`,
          denied
            ? `${permissionHint(file)}, or put the content inline with ${inline}`
            : `fix the ${field} path in the kubeconfig, or put the content inline with ${inline}`,
        );
      }
    }
  }
}

/** client-node's KubeConfig for the same merged configuration and context (JSON is YAML, so no serialiser is needed). */
async function toClientNode(merged: RawConfig, contextName: string): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromString(JSON.stringify({ ...merged, 'current-context': contextName }));
  } catch (err) {
    throw new KubeconfigError(`kubeconfig is not valid: ${(err as Error).message}`, 'compare it with `kubectl config view`');
  }
  return kc;
}

/**
 * The service account a pod gets, as client-go's rest.InClusterConfig reads it; the namespace as clientcmd's
 * in-cluster config finds it: POD_NAMESPACE (set through the downward API), else the service account's.
 */
export function inClusterConfig(env: NodeJS.ProcessEnv): RawConfig {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  const namespace = env.POD_NAMESPACE || readOptional(`${IN_CLUSTER_DIR}/namespace`)?.trim();
  return {
    'current-context': 'in-cluster',
    clusters: [{ name: 'in-cluster', cluster: { server, 'certificate-authority': `${IN_CLUSTER_DIR}/ca.crt` } }],
    users: [{ name: 'in-cluster', user: { tokenFile: IN_CLUSTER_TOKEN } }],
    contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'in-cluster', ...(namespace ? { namespace } : {}) } }],
  };
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** kubectl's merge: the first file that defines a name (or current-context) wins. */
export async function mergeFiles(files: string[], env: NodeJS.ProcessEnv = process.env): Promise<RawConfig> {
  const merged: RawConfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    users: [],
    contexts: [],
  };
  for (const file of files) {
    const raw = await readKubeconfigFile(file, env);
    const dir = dirname(file);
    if (!merged['current-context'] && raw['current-context']) merged['current-context'] = raw['current-context'];
    for (const c of raw.clusters ?? []) {
      if (!merged.clusters.some((m) => m.name === c.name))
        merged.clusters.push({ name: c.name, cluster: absolutize(c.cluster ?? {}, dir, ['certificate-authority']) });
    }
    for (const u of raw.users ?? []) {
      if (!merged.users.some((m) => m.name === u.name)) merged.users.push({ name: u.name, user: absolutizeUser(u.user ?? {}, dir) });
    }
    for (const c of raw.contexts ?? []) {
      if (!merged.contexts.some((m) => m.name === c.name)) merged.contexts.push(c);
    }
  }
  return merged;
}

function absolutize<T extends Record<string, unknown>>(entry: T, dir: string, keys: string[]): T {
  const out: Record<string, unknown> = { ...entry };
  for (const k of keys) {
    const v = out[k];
    if (typeof v === 'string' && v && !isAbsolute(v)) out[k] = resolve(dir, v);
  }
  return out as T;
}

/** As client-go: file paths, and an exec command given as a relative path (one with a slash), resolve against the kubeconfig's folder. */
function absolutizeUser(user: UserEntry, dir: string): UserEntry {
  const out = absolutize(user, dir, ['client-certificate', 'client-key', 'tokenFile']);
  const command = user.exec?.command;
  if (command && command.includes('/') && !isAbsolute(command)) out.exec = { ...user.exec, command: resolve(dir, command) };
  return out;
}

async function readKubeconfigFile(file: string, env: NodeJS.ProcessEnv): Promise<FileConfig> {
  let raw: unknown;
  try {
    raw = (await readParsed(file, (text) => parseKubeconfigText(text, file), env)).value;
  } catch (err) {
    if (err instanceof KubeconfigError) throw err;
    throw unreadableError(file, '', err);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new KubeconfigError(
      `kubeconfig ${file} is not a kubeconfig (expected a mapping with clusters, users and contexts)`,
      'check you passed the right file',
    );
  }
  const cfg = raw as FileConfig;
  for (const field of ['clusters', 'users', 'contexts'] as const) {
    const list = cfg[field];
    if (list !== undefined && list !== null && !Array.isArray(list)) {
      throw new KubeconfigError(`kubeconfig ${file}: "${field}" must be a list`, 'compare the file with `kubectl config view`');
    }
    const seen = new Set<string>();
    for (const entry of (list ?? []) as { name?: unknown }[]) {
      if (!entry || typeof entry !== 'object' || typeof entry.name !== 'string') {
        throw new KubeconfigError(`kubeconfig ${file}: an entry of "${field}" has no name`, 'every cluster, user and context needs a name');
      }
      // clientcmd refuses a name used twice in one file (across files, the first file's entry wins).
      if (seen.has(entry.name))
        throw new KubeconfigError(`kubeconfig ${file}: "${field}" has two entries named "${entry.name}"`, 'rename or remove one of them');
      seen.add(entry.name);
    }
  }
  checkBase64(cfg.clusters, 'cluster', ['certificate-authority-data'], file);
  checkBase64(cfg.users, 'user', ['client-certificate-data', 'client-key-data'], file);
  return cfg;
}

/** The -data fields are base64 (PEM inside): clientcmd refuses the whole file when one of them is not. */
function checkBase64(list: { name: string; [k: string]: unknown }[] | null | undefined, kind: 'cluster' | 'user', fields: string[], file: string): void {
  for (const item of list ?? []) {
    const entry = item[kind] as Record<string, unknown> | null | undefined;
    for (const field of fields) {
      const value = entry?.[field];
      if (value === undefined || value === null) continue;
      const text = typeof value === 'string' ? value.replace(/[\r\n]/g, '') : undefined;
      if (text === undefined || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
        throw new KubeconfigError(
          `kubeconfig ${file}: ${field} of ${kind} "${item.name}" is not base64`,
          `encode the PEM file, e.g. \`base64 -w0 FILE\`, or point ${field.replace('-data', '')} at the file instead`,
        );
      }
    }
  }
}

/** JSON (which is YAML) without the YAML parser; YAML through it, loaded only here. */
async function parseKubeconfigText(text: string, file: string): Promise<unknown> {
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // not plain JSON after all: the YAML parser decides
    }
  }
  const { parseYaml } = await import('./yaml.ts');
  try {
    return parseYaml(text);
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    throw new KubeconfigError(`kubeconfig ${file} is not valid YAML: ${first}`, `fix the file, or check it with \`kubectl config view --kubeconfig ${file}\``);
  }
}
