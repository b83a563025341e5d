/**
 * Native authentication for what kubeconfigs mostly hold, the way client-go's transport applies a
 * rest.Config: a bearer token or token file, a client certificate and key (files or inline data), basic auth,
 * and exec plugins speaking the client.authentication.k8s.io ExecCredential protocol (v1 and v1beta1).
 * The cluster side gives the TLS trust: certificate-authority(-data), insecure-skip-tls-verify,
 * tls-server-name. Auth providers (oidc, gcp, azure) are not handled here: the client hands those users to
 * @kubernetes/client-node, which is costly to load and only they need.
 *
 * Guarantees, as in client-go: a token file is re-read at most once a minute; an exec plugin's credential
 * is reused until its expirationTimestamp (forever without one) and dropped when the server answers 401;
 * every credential read is registered with the redactor before it can reach a request or an error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileProblem, KubeconfigError, permissionHint, UserFacingError, ExitCode } from './errors.ts';
import { registerSecret } from './redact.ts';

export interface ExecConfig {
  command?: string;
  args?: string[] | null;
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

/** A kubeconfig `users[].user` entry, file paths already absolute. */
export interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name?: string; config?: Record<string, string> };
  [k: string]: unknown;
}

/** A kubeconfig `clusters[].cluster` entry, file paths already absolute. */
export interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  extensions?: { name: string; extension: unknown }[];
  [k: string]: unknown;
}

/** What one request carries: headers, and the client certificate the connection presents (if any). */
export interface Credentials {
  headers: Record<string, string>;
  cert?: string | undefined;
  key?: string | undefined;
}

export interface Authenticator {
  credentials(signal?: AbortSignal): Promise<Credentials>;
  /**
   * The client certificate (or none) every request presents, where it is known before any request: all
   * but an exec plugin, which may hand one out.
   */
  readonly tlsIdentity?: Pick<Credentials, 'cert' | 'key'>;
  /** The server answered 401: forget what may have expired so the next request fetches it again. */
  unauthorized(): void;
}

export interface TlsOptions {
  ca?: string | undefined;
  rejectUnauthorized: boolean;
  servername?: string | undefined;
}

/**
 * True when only @kubernetes/client-node can authenticate this user (an auth-provider plugin). A token or token
 * file wins over the auth-provider, as in client-go, where the bearer round tripper sets the header first.
 */
export function needsClientNode(user: UserEntry): boolean {
  return Boolean(user['auth-provider']) && !user.token && !user.tokenFile && !user.exec;
}

/** A short description of the credential kind, never its value. */
export function credentialKind(user: UserEntry | undefined): string {
  if (!user) return 'none';
  const cert = Boolean(user['client-certificate-data'] || user['client-certificate']);
  const token = Boolean(user.token || user.tokenFile);
  if (user.exec && !hasStaticCredential(user)) return `exec plugin (${user.exec.command ?? '?'})`;
  if (user['auth-provider'] && !token) return `auth provider (${user['auth-provider'].name ?? '?'})`;
  if (cert && token) return 'client certificate and bearer token';
  if (cert) return 'client certificate';
  if (token) return 'bearer token';
  if (user.username) return 'username and password';
  return 'none (anonymous)';
}

export function tlsOptions(cluster: ClusterEntry): TlsOptions {
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  const ca = insecure ? undefined : pem(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate-authority');
  return { ca, rejectUnauthorized: !insecure, servername: cluster['tls-server-name'] || undefined };
}

/**
 * A token, token file, username or client certificate: client-go's exec authenticator stands aside for any of
 * them (UpdateTransportConfig), so a user with one of them and an exec plugin never runs the plugin.
 */
function hasStaticCredential(user: UserEntry): boolean {
  return Boolean(user.token || user.tokenFile || user.username || user['client-certificate-data'] || user['client-certificate']);
}

/** Registers every secret a user entry holds (inline or in files) with the redactor. */
export function registerUserSecrets(user: UserEntry): void {
  registerSecret(user.token);
  registerSecret(user.password);
  registerSecret(user['client-key-data']);
  if (user['client-key-data']) registerSecret(decodeBase64(user['client-key-data']));
  if (user['client-key']) registerSecret(readOptional(user['client-key']));
  if (user.tokenFile) registerSecret(readOptional(user.tokenFile)?.trim());
  for (const v of Object.values(user['auth-provider']?.config ?? {})) registerSecret(v);
  for (const e of user.exec?.env ?? []) registerSecret(e.value);
}

/** Builds the authenticator for one user; `cluster` feeds an exec plugin that asks for cluster info. */
export function authenticator(
  user: UserEntry,
  cluster: ClusterEntry,
  opts: { env?: NodeJS.ProcessEnv; now?: () => number; stdinIsTTY?: boolean } = {},
): Authenticator {
  const now = opts.now ?? Date.now;
  const cert = pem(user['client-certificate-data'], user['client-certificate'], 'client-certificate');
  const key = pem(user['client-key-data'], user['client-key'], 'client-key');
  if (Boolean(cert) !== Boolean(key)) {
    throw new KubeconfigError(
      'the kubeconfig user has a client certificate without its key (or a key without its certificate)',
      'set both client-certificate(-data) and client-key(-data)',
    );
  }
  registerSecret(key);
  const fixed: Credentials = { headers: {}, cert, key };
  if (user.exec && !hasStaticCredential(user))
    return execAuthenticator(user.exec, cluster, fixed, { env: opts.env ?? process.env, now, stdinIsTTY: opts.stdinIsTTY ?? Boolean(process.stdin.isTTY) });
  // As client-go's bearer round tripper: a token file wins over an inline token, which stands in while the file
  // cannot be read. Basic auth needs a username (transport.Config.HasBasicAuth): a password alone sends nothing.
  if (user.tokenFile) {
    registerSecret(user.token);
    return tokenFileAuthenticator(user.tokenFile, fixed, now, user.token || undefined);
  } else if (user.token) {
    registerSecret(user.token);
    fixed.headers = { authorization: `Bearer ${user.token}` };
  } else if (user.username) {
    registerSecret(user.password);
    const basic = Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64');
    registerSecret(basic);
    fixed.headers = { authorization: `Basic ${basic}` };
  }
  return { credentials: () => Promise.resolve(fixed), unauthorized() {}, tlsIdentity: { cert, key } };
}

/** client-go re-reads a token file once a minute, so a rotated (projected) token is picked up. */
const TOKEN_FILE_TTL_MS = 60_000;

function tokenFileAuthenticator(file: string, base: Credentials, now: () => number, inline: string | undefined): Authenticator {
  let token: string | undefined;
  let readAt = 0;
  return {
    credentials() {
      return new Promise((resolve) => resolve(readToken()));
    },
    unauthorized() {
      readAt = 0;
    },
    tlsIdentity: { cert: base.cert, key: base.key },
  };

  function readToken(): Credentials {
    if (token === undefined || now() - readAt >= TOKEN_FILE_TTL_MS) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        // A token we read before (or the inline one) stays usable while the file is briefly missing (mid-rotation).
        token ??= inline;
        if (token !== undefined) return { ...base, headers: { authorization: `Bearer ${token}` } };
        const { why, denied } = fileProblem(err);
        throw new KubeconfigError(`token file ${file} ${why}`, denied ? permissionHint(file) : 'check the tokenFile path in the kubeconfig user');
      }
      // client-go refuses an empty token file and keeps the token it had (the inline one at first).
      token = text.trim() || (token ?? inline ?? '');
      readAt = now();
      registerSecret(token);
    }
    return { ...base, headers: { authorization: `Bearer ${token}` } };
  }
}

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

interface ExecStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

function execAuthenticator(
  exec: ExecConfig,
  cluster: ClusterEntry,
  base: Credentials,
  opts: { env: NodeJS.ProcessEnv; now: () => number; stdinIsTTY: boolean },
): Authenticator {
  const command = exec.command ?? '';
  const apiVersion = exec.apiVersion ?? '';
  if (!command) throw new KubeconfigError('the kubeconfig user has an exec plugin without a command', 'set users[].user.exec.command');
  if (!EXEC_API_VERSIONS.includes(apiVersion)) {
    throw new KubeconfigError(`exec plugin "${command}" uses apiVersion "${apiVersion}"`, `use one of ${EXEC_API_VERSIONS.join(', ')}`);
  }
  // v1 requires interactiveMode; v1beta1 defaults to IfAvailable.
  const mode = exec.interactiveMode ?? (apiVersion.endsWith('/v1beta1') ? 'IfAvailable' : undefined);
  if (!mode || !['Never', 'IfAvailable', 'Always'].includes(mode)) {
    throw new KubeconfigError(`exec plugin "${command}" has interactiveMode "${mode ?? ''}"`, 'set interactiveMode to Never, IfAvailable or Always');
  }
  let current: { creds: Credentials; expiresAt: number } | undefined;
  let running: Promise<Credentials> | undefined;
  const run = async (signal?: AbortSignal): Promise<Credentials> => {
    const interactive = mode !== 'Never' && opts.stdinIsTTY;
    if (mode === 'Always' && !interactive) {
      throw new UserFacingError(
        `exec plugin "${command}" needs a terminal (interactiveMode: Always) but stdin is not one`,
        'run the command from a terminal',
        ExitCode.unauthorized,
      );
    }
    const spec: Record<string, unknown> = { interactive };
    if (exec.provideClusterInfo) spec.cluster = clusterInfo(cluster);
    const info = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });
    const env = { ...opts.env };
    for (const e of exec.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = info;
    const stdout = await runPlugin(command, exec.args ?? [], env, interactive, exec.installHint, signal);
    const status = parseExecCredential(stdout, command, apiVersion);
    registerSecret(status.token);
    registerSecret(status.clientKeyData);
    if (Boolean(status.clientCertificateData) !== Boolean(status.clientKeyData)) {
      throw new UserFacingError(
        `exec plugin "${command}" returned a client certificate without its key (or a key without its certificate)`,
        undefined,
        ExitCode.unauthorized,
      );
    }
    if (!status.token && !status.clientCertificateData) {
      throw new UserFacingError(`exec plugin "${command}" returned neither a token nor a client certificate`, undefined, ExitCode.unauthorized);
    }
    const creds: Credentials = status.token ? { ...base, headers: { authorization: `Bearer ${status.token}` } } : { ...base, headers: {} };
    if (status.clientCertificateData) {
      creds.cert = status.clientCertificateData;
      creds.key = status.clientKeyData;
    }
    const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Infinity;
    current = { creds, expiresAt: Number.isNaN(expiresAt) ? Infinity : expiresAt };
    return creds;
  };
  return {
    async credentials(signal) {
      if (current && opts.now() < current.expiresAt) return current.creds;
      // Concurrent requests share one plugin run.
      running ??= run(signal).finally(() => {
        running = undefined;
      });
      return running;
    },
    unauthorized() {
      current = undefined;
    },
  };
}

function clusterInfo(cluster: ClusterEntry): Record<string, unknown> {
  const ca = cluster['certificate-authority-data'] ?? (cluster['certificate-authority'] ? readOptional(cluster['certificate-authority']) : undefined);
  const config = cluster.extensions?.find((e) => e.name === 'client.authentication.k8s.io/exec')?.extension;
  const out: Record<string, unknown> = { server: cluster.server };
  if (cluster['tls-server-name']) out['tls-server-name'] = cluster['tls-server-name'];
  if (cluster['insecure-skip-tls-verify']) out['insecure-skip-tls-verify'] = true;
  if (ca) out['certificate-authority-data'] = cluster['certificate-authority-data'] ?? Buffer.from(ca).toString('base64');
  if (cluster['proxy-url']) out['proxy-url'] = cluster['proxy-url'];
  if (config !== undefined) out.config = config;
  return out;
}

function runPlugin(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  interactive: boolean,
  installHint: string | undefined,
  signal?: AbortSignal,
): Promise<string> {
  // Loaded here, not imported: only exec plugins need it, and a one-request command would pay ~12 ms for it.
  const { execFile } = process.getBuiltinModule('node:child_process');
  return new Promise((resolvePromise, reject) => {
    const child = execFile(command, args, { env, encoding: 'utf8', maxBuffer: 16 << 20, ...(signal ? { signal } : {}) }, (err, stdout) => {
      if (!err) return resolvePromise(stdout);
      const e = err as NodeJS.ErrnoException & { code?: string | number };
      if (e.name === 'AbortError') return reject(e);
      // As client-go: a plugin that is not there or may not be run is a credential missing from this machine
      // (exit 3, as a missing token file), with the kubeconfig's installHint when it has one.
      if (e.code === 'ENOENT' || e.code === 'EACCES') return reject(pluginNotRunnable(command, e.code, installHint));
      reject(
        new UserFacingError(
          `exec plugin "${command}" failed${typeof e.code === 'number' ? ` with exit code ${String(e.code)}` : ''}`,
          'run it by hand to see why; its own messages went to stderr',
          ExitCode.unauthorized,
        ),
      );
    });
    // The plugin talks to the person directly (a login prompt) through our stdin and stderr.
    if (interactive) process.stdin.pipe(child.stdin!);
    else child.stdin?.end();
    child.stderr?.pipe(process.stderr, { end: false });
    child.on('exit', () => {
      if (interactive) process.stdin.unpipe(child.stdin!);
    });
  });
}

function pluginNotRunnable(command: string, code: 'ENOENT' | 'EACCES', installHint: string | undefined): KubeconfigError {
  // An installHint is often several lines (one per platform): all of it, on the one line errors get.
  const hint = installHint?.trim().replace(/\s+/g, ' ');
  const fix = 'or fix users[].user.exec.command in the kubeconfig';
  const fail = (why: string, fallback: string) => new KubeconfigError(`exec plugin "${command}" ${why}`, hint || `${fallback}, ${fix}`);
  if (code === 'EACCES') return fail('cannot be run (permission denied: not an executable file)', 'make it executable (chmod +x)');
  // ENOENT for a file that is there: the interpreter its #! line names is missing.
  if (command.includes('/') && existsSync(command))
    return fail('cannot be run: the interpreter its #! line names is not installed', 'install what its #! line names');
  return fail(`is not installed (not found${command.includes('/') ? '' : ' on PATH'})`, 'install it');
}

/** What to do about a plugin whose output is not a usable ExecCredential: only the person can look at it. */
const EXEC_OUTPUT_HINT = 'run the plugin by hand: it must print one ExecCredential as JSON on stdout, and its messages on stderr';

function parseExecCredential(stdout: string, command: string, apiVersion: string): ExecStatus {
  let cred: { apiVersion?: string; kind?: string; status?: ExecStatus };
  try {
    cred = JSON.parse(stdout) as typeof cred;
  } catch {
    throw new UserFacingError(`exec plugin "${command}" did not print an ExecCredential (not JSON)`, EXEC_OUTPUT_HINT, ExitCode.unauthorized);
  }
  if (cred?.kind !== 'ExecCredential' || cred.apiVersion !== apiVersion) {
    throw new UserFacingError(
      `exec plugin "${command}" printed ${[cred?.kind ?? 'something', cred?.apiVersion].filter(Boolean).join(' ')}, not an ExecCredential of ${apiVersion}`,
      EXEC_OUTPUT_HINT,
      ExitCode.unauthorized,
    );
  }
  if (!cred.status || typeof cred.status !== 'object') {
    throw new UserFacingError(`exec plugin "${command}" printed an ExecCredential without a status`, EXEC_OUTPUT_HINT, ExitCode.unauthorized);
  }
  // client-go decodes these as strings and refuses anything else; sent on, a number would be a baffling 401.
  for (const field of ['token', 'clientCertificateData', 'clientKeyData', 'expirationTimestamp'] as const) {
    const value: unknown = cred.status[field];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new UserFacingError(
        `exec plugin "${command}" printed an ExecCredential whose status.${field} is not a string`,
        EXEC_OUTPUT_HINT,
        ExitCode.unauthorized,
      );
    }
  }
  return cred.status;
}

/** PEM text from inline base64 data (wins, as in client-go) or a file. */
function pem(data: string | undefined, file: string | undefined, field: string): string | undefined {
  if (data) return decodeBase64(data);
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const { why, denied } = fileProblem(err);
    throw new KubeconfigError(`${field} file ${file} ${why}`, denied ? permissionHint(file) : 'fix the path in the kubeconfig');
  }
}

function decodeBase64(data: string): string {
  return Buffer.from(data, 'base64').toString('utf8');
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
