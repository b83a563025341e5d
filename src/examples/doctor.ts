/**
 * Article I, "setup and packages": what a program needs before it can talk to a cluster, checked one fact at
 * a time. The runtime (Node and why its version matters), the client package (where it resolves from, its
 * version, entry point and what it exports: the TypeScript counterpart of `go list -json
 * k8s.io/client-go/kubernetes`), the kubeconfig (which files, which context, cluster, user and namespace),
 * and the API server itself (/version, /readyz, who it thinks we are). Gathering only: the command renders.
 * Never throws for a broken setup: a broken setup is a failed check with a hint.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeEnv } from '../core/kube-env.ts';
import { describeError, ExitCode } from '../core/errors.ts';
import { PLAIN_HTTP_CREDENTIAL } from '../core/kubeconfig.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: CheckStatus;
  /** One line: the fact found, and why it matters. */
  message: string;
  /** What to do, when the check did not pass. */
  hint?: string | undefined;
  /** For a failed check: the exit code its cause has everywhere else (3 no kubeconfig, 4 unreachable...). */
  exitCode?: number;
  data: Record<string, unknown>;
}

export const MIN_NODE = [22, 19] as const;

export interface DoctorOptions {
  kube: () => Promise<KubeEnv>;
  /** Deadline for each API request, so a server that swallows packets cannot hang the doctor. */
  timeoutMs: number;
  signal: AbortSignal;
  onCheck?: ((c: Check) => void) | undefined;
  nodeVersion?: string;
}

export async function runDoctor(opts: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (c: Check) => {
    checks.push(c);
    opts.onCheck?.(c);
  };
  add(checkNode(opts.nodeVersion ?? process.versions.node));
  for (const c of await checkClientPackage()) add(c);

  let env: KubeEnv;
  try {
    env = await opts.kube();
  } catch (err) {
    const e = describeError(err);
    add({
      name: 'kubeconfig',
      status: 'fail',
      message: e.message,
      hint: e.hint ?? 'start the local sandbox with `kube-lessons sandbox up`, or point --kubeconfig at your cluster',
      exitCode: e.exitCode,
      data: {},
    });
    add({
      name: 'api server',
      status: 'fail',
      message: 'not tried: there is no usable kubeconfig to say where the server is',
      hint: 'fix the kubeconfig first; `kube-lessons sandbox up` gives you a working one',
      data: {},
    });
    return checks;
  }
  for (const c of kubeconfigChecks(env)) add(c);
  for (const c of await serverChecks(env, opts)) add(c);
  return checks;
}

export function checkNode(version: string): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  const need = `${MIN_NODE[0]}.${MIN_NODE[1]}`;
  return ok
    ? {
        name: 'node',
        status: 'pass',
        message: `Node.js v${version} (needs >= ${need}: client-node 2.x makes its HTTP calls with undici 8, which requires it)`,
        data: { version, minimum: need },
      }
    : {
        name: 'node',
        status: 'fail',
        message: `Node.js v${version} is too old: client-node 2.x makes its HTTP calls with undici 8, which needs Node >= ${need}`,
        hint: `install Node ${need} or newer (or run through \`npm start\` in a checkout, which uses the pinned Node 24)`,
        data: { version, minimum: need },
      };
}

/** Where @kubernetes/client-node resolves from and what it exports, the way `go list -json` describes a Go package. */
export async function checkClientPackage(): Promise<Check[]> {
  let entryFile: string;
  try {
    entryFile = fileURLToPath(import.meta.resolve('@kubernetes/client-node'));
  } catch (err) {
    return [
      {
        name: 'client package',
        status: 'fail',
        message: `@kubernetes/client-node cannot be resolved: ${(err as Error).message.split('\n')[0]}`,
        hint: 'run `npm install` in the project',
        data: {},
      },
    ];
  }
  const pkgDir = findPackageDir(entryFile);
  const pkg = pkgDir
    ? (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version?: string; main?: string; types?: string; engines?: Record<string, string> })
    : {};
  const started = performance.now();
  let exports: Record<string, unknown>;
  try {
    exports = await import('@kubernetes/client-node');
  } catch (err) {
    return [
      {
        name: 'client package',
        status: 'fail',
        message: `@kubernetes/client-node ${pkg.version ?? ''} failed to load: ${(err as Error).message.split('\n')[0]}`,
        hint: 'check the Node version above, then reinstall with `npm ci`',
        data: { entry: entryFile },
      },
    ];
  }
  const importMs = performance.now() - started;
  const names = Object.keys(exports);
  const classes = names.filter((n) => typeof exports[n] === 'function' && /^[A-Z]/.test(n));
  const apiClasses = classes.filter((n) => /Api$/.test(n) && n !== 'ApiException');
  const models = classes.filter((n) => typeof (exports[n] as { getAttributeTypeMap?: unknown }).getAttributeTypeMap === 'function');
  const entry = pkgDir ? relative(pkgDir, entryFile) : entryFile;
  return [
    {
      name: 'client package',
      status: 'pass',
      message: `@kubernetes/client-node ${pkg.version ?? '?'} resolves from ${pkgDir ?? dirname(entryFile)}`,
      data: { version: pkg.version, dir: pkgDir, entry: entryFile },
    },
    {
      name: 'client exports',
      status: 'pass',
      message: `entry point ${entry} exports ${apiClasses.length} API classes (CoreV1Api, AppsV1Api...) and ${models.length} model classes (V1Pod...), ${names.length} names in all; ${importMs < 1 ? 'it was already loaded in this process' : `loading it took ${Math.round(importMs)} ms`}`,
      data: { entry, apiClasses: apiClasses.length, models: models.length, exports: names.length, importMs: Math.round(importMs), apiClassNames: apiClasses },
    },
  ];
}

function findPackageDir(file: string): string | undefined {
  let dir = dirname(file);
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === '@kubernetes/client-node') return dir;
      } catch {
        // keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export function kubeconfigChecks(env: KubeEnv): Check[] {
  const c = env.config;
  const sourceWords: Record<string, string> = {
    flag: 'from --kubeconfig',
    env: 'from KUBECONFIG',
    home: 'the default ~/.kube/config',
    'in-cluster': "the pod's service account (in-cluster)",
    sandbox: 'the running sandbox (nothing else was configured)',
  };
  const files = c.files.length ? c.files.join(' + ') : '(no file)';
  const anonymous = c.credentialKind.startsWith('none');
  // The user has credentials, but a plain http server never gets them: the server URL is what to fix.
  const plainHttp = c.credentialKind === PLAIN_HTTP_CREDENTIAL;
  // "bearer token" is reworded: redact() masks anything that reads like "Bearer <value>".
  const credential = c.credentialKind === 'bearer token' ? 'token (sent in the Authorization header)' : c.credentialKind;
  return [
    {
      name: 'kubeconfig',
      status: 'pass',
      message: `${files}: ${sourceWords[c.source] ?? c.source}${c.files.length > 1 ? '; merged in this order, the first file to define a name wins' : ''}`,
      data: { source: c.source, files: c.files },
    },
    {
      name: 'context',
      status: 'pass',
      message: `${c.contextName || '(in-cluster)'}${c.contextName ? ' (--context picks another)' : ''}`,
      data: { context: c.contextName },
    },
    { name: 'cluster', status: 'pass', message: `${c.clusterName} at ${c.server}`, data: { cluster: c.clusterName, server: c.server } },
    {
      name: 'user',
      status: anonymous ? 'warn' : 'pass',
      message: plainHttp
        ? `${c.userName || '(none)'} has credentials, but they are not sent to a plain http server, as kubectl does not send them either`
        : `${c.userName || '(none)'} with ${/^[aeiou]/.test(credential) ? 'an' : 'a'} ${credential}; its value is never shown`,
      hint: plainHttp
        ? `requests go out anonymous: use the server's https:// URL in cluster "${c.clusterName}"`
        : anonymous
          ? 'requests go out anonymous: most clusters refuse them; add credentials to the user entry'
          : undefined,
      data: { user: c.userName, credentialKind: credential },
    },
    {
      name: 'namespace',
      status: 'pass',
      message: `${c.namespace} (${c.namespaceFromFlag ? 'from -n' : "the context's, else default"})`,
      data: { namespace: c.namespace },
    },
  ];
}

async function serverChecks(env: KubeEnv, opts: DoctorOptions): Promise<Check[]> {
  const { client, config } = env;
  const ctx = { server: config.server, contextName: config.contextName };
  const req = { timeoutMs: opts.timeoutMs, signal: opts.signal };
  const out: Check[] = [];
  let version: { gitVersion?: string; platform?: string };
  let rtt: number;
  try {
    const r = await client.request<{ gitVersion?: string; platform?: string }>({ path: '/version', ...req });
    version = r.body;
    rtt = r.durationMs;
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const e = describeError(err, { ...ctx, action: 'GET /version' });
    const hint =
      e.exitCode === ExitCode.unreachable
        ? `nothing answers at ${config.server}: start the local sandbox with \`kube-lessons sandbox up\`, or fix the server URL of cluster "${config.clusterName}" in the kubeconfig`
        : e.hint;
    out.push({ name: 'api server', status: 'fail', message: e.message, hint, exitCode: e.exitCode, data: { server: config.server } });
    return out;
  }
  out.push({
    name: 'api server',
    status: rtt > 1000 ? 'warn' : 'pass',
    message: `${config.server} answers GET /version: Kubernetes ${version.gitVersion ?? '?'} (${version.platform ?? '?'}), round trip ${rtt.toFixed(1)} ms`,
    hint: rtt > 1000 ? 'the server is slow to answer: every lesson will feel it' : undefined,
    data: { server: config.server, version: version.gitVersion, platform: version.platform, rttMs: Math.round(rtt * 10) / 10 },
  });

  try {
    const r = await client.request<string>({ path: '/readyz', ...req });
    const ok = String(r.body).trim() === 'ok';
    out.push({
      name: 'readiness',
      status: ok ? 'pass' : 'warn',
      message: `GET /readyz says "${String(r.body).trim().split('\n')[0]}" in ${r.durationMs.toFixed(1)} ms`,
      hint: ok ? undefined : 'the server is up but not ready: see `kubectl get --raw "/readyz?verbose"`',
      data: { body: String(r.body).trim(), ms: Math.round(r.durationMs * 10) / 10 },
    });
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const e = describeError(err, { ...ctx, action: 'GET /readyz' });
    out.push({
      name: 'readiness',
      status: 'fail',
      message: e.message,
      hint: e.hint ?? 'the server answered /version but is not ready',
      exitCode: e.exitCode,
      data: {},
    });
  }

  // Who the server thinks we are: a SelfSubjectReview echoes the authenticated user back.
  try {
    const r = await client.request<{ status?: { userInfo?: { username?: string; groups?: string[] } } }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      ...req,
    });
    const u = r.body.status?.userInfo ?? {};
    out.push({
      name: 'identity',
      status: 'pass',
      message: `the server authenticates us as "${u.username ?? '?'}" (groups: ${(u.groups ?? []).join(', ') || 'none'})`,
      data: { username: u.username, groups: u.groups ?? [] },
    });
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const e = describeError(err, { ...ctx, action: 'who am I (SelfSubjectReview)' });
    const code = (err as { code?: unknown }).code;
    // A server too old for SelfSubjectReview is not a broken setup; rejected credentials are.
    out.push({ name: 'identity', status: code === 404 ? 'warn' : 'fail', message: e.message, hint: e.hint, exitCode: e.exitCode, data: {} });
  }
  return out;
}
