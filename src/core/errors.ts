/**
 * Turns any failure into what a person needs: one line saying what failed and why, a hint, and a distinct
 * exit code. The CLI's error funnel prints these; library code throws ordinary errors and ApiStatusError.
 */
import { ApiStatusError, apiStatusError } from '../machinery/errors.ts';

/**
 * The exit-code rule, the one place it is written in code (the README's table says the same): every
 * command, `sandbox`, `doctor` and `learn` included, exits with the code of the first thing that failed.
 */
export const ExitCode = {
  ok: 0,
  /** Anything not below: a failed lesson or check, a pod that failed, a sandbox that would not start. */
  failure: 1,
  /** Bad command line: unknown command or option, missing or extra argument, bad value. */
  usage: 2,
  /** Nothing usable to talk to: no kubeconfig (and no running sandbox), an unreadable or malformed one, an unknown context, a file or exec plugin it names missing or unreadable, a credential no header can carry. */
  config: 3,
  /** The server cannot be reached: refused, unresolvable, a port fetch refuses, an answer that is not HTTP; or a sandbox component unhealthy. */
  unreachable: 4,
  /** TLS failed: the server's certificate does not match the kubeconfig's certificate authority. */
  tls: 5,
  /** 401, or an exec plugin gave no credential (it failed, printed none, or needs a terminal). */
  unauthorized: 6,
  forbidden: 7,
  notFound: 8,
  /** 409: already exists, or changed since read. */
  conflict: 9,
  /** 422: the server rejected fields of the object. */
  invalid: 10,
  /** A deadline passed: --timeout, --request-timeout, a cache that never synced, a 408/504. */
  timeout: 11,
  /** The server failed (5xx) or asked us to slow down (429). */
  serverError: 12,
  /** Ctrl-C (SIGINT) and SIGTERM: 128 + the signal's number, the shell's convention. */
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that already knows how to present itself. */
export class UserFacingError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  constructor(message: string, hint: string | undefined, exitCode: ExitCodeValue, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserFacingError';
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

export class KubeconfigError extends UserFacingError {
  constructor(message: string, hint: string) {
    super(message, hint, ExitCode.config);
    this.name = 'KubeconfigError';
  }
}

/**
 * Why a file a kubeconfig (or the kubeconfig itself) names cannot be used, from the fs error: a bare code
 * such as EACCES tells a person little. Reads as the end of "FILE ...".
 */
export function fileProblem(err: unknown): { why: string; missing: boolean; denied: boolean } {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { why: 'does not exist', missing: true, denied: false };
  if (code === 'EACCES' || code === 'EPERM') return { why: 'cannot be read (permission denied)', missing: false, denied: true };
  if (code === 'EISDIR') return { why: 'is a folder, not a file', missing: false, denied: false };
  return { why: `cannot be read (${code ?? firstLine(String((err as Error | null)?.message ?? err))})`, missing: false, denied: false };
}

/** What to do about a file that exists but may not be read by this user. */
export function permissionHint(file: string): string {
  return `check its permissions and owner, and those of the folders above it (\`ls -l ${file}\`)`;
}

/** The run was stopped by a signal; whatever was in flight was wound down first. */
export class InterruptedError extends UserFacingError {
  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(signal === 'SIGTERM' ? 'terminated' : 'interrupted', undefined, signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted);
    this.name = 'InterruptedError';
  }
}

/** The signal behind main.ts's abort: it aborts with an AbortError whose message is 'terminated' on SIGTERM. */
export function stopSignalOf(reason: unknown): 'SIGINT' | 'SIGTERM' {
  return (reason as { message?: unknown } | null | undefined)?.message === 'terminated' ? 'SIGTERM' : 'SIGINT';
}

export interface ErrorContext {
  /** What we were doing: "list nodes", "create pod my-pod". */
  action?: string;
  server?: string;
  contextName?: string;
}

/** Classifies an error into a UserFacingError. Never throws. */
export function describeError(err: unknown, ctx: ErrorContext = {}): UserFacingError {
  if (err instanceof UserFacingError) return err;
  const apiErr = toApiStatusError(err);
  if (apiErr) return describeApiError(apiErr, ctx);
  const what = ctx.action ? `${ctx.action}: ` : '';
  const e = err as { name?: string; message?: string; code?: string; cause?: unknown };
  // Aborts come from Ctrl-C or SIGTERM (main.ts says which): timeouts surface as TimeoutError below.
  if (e?.name === 'AbortError') return new InterruptedError(stopSignalOf(e));
  if (e?.name === 'TimeoutError' || e?.code === 'UND_ERR_CONNECT_TIMEOUT' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'ETIMEDOUT') {
    return new UserFacingError(
      `${what}timed out talking to ${ctx.server ?? 'the API server'}`,
      'check the server is up and reachable, or raise --request-timeout',
      ExitCode.timeout,
      { cause: err },
    );
  }
  const code = networkCode(err);
  if (code) {
    const server = ctx.server ?? 'the API server';
    if (['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'].includes(code)) {
      const hint =
        ctx.contextName === 'kube-lessons-sandbox'
          ? 'the sandbox is not running: start it with `kube-lessons sandbox up`'
          : 'is the cluster running? check the server URL with `kube-lessons doctor`, or start the sandbox with `kube-lessons sandbox up`';
      return new UserFacingError(`${what}cannot reach ${server} (${code})`, hint, ExitCode.unreachable, { cause: err });
    }
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|TLS|SSL/.test(code)) {
      return new UserFacingError(
        `${what}TLS handshake with ${server} failed (${code})`,
        "the server's certificate does not match the kubeconfig's certificate-authority; check the cluster entry",
        ExitCode.tls,
        { cause: err },
      );
    }
    if (code === 'ETIMEDOUT')
      return new UserFacingError(`${what}timed out connecting to ${server}`, 'check the server is reachable', ExitCode.timeout, { cause: err });
    // Something answered, but not in HTTP/1.1 (http1-response-parser.ts): not an API server.
    if (code === 'ERR_KUBE_LESSONS_MALFORMED_ANSWER')
      return new UserFacingError(
        `${what}${server} sent a ${firstLine(e.message ?? '')}`,
        "is the kubeconfig's server a Kubernetes API server over HTTPS? check the server URL with `kube-lessons doctor`",
        ExitCode.unreachable,
        { cause: err },
      );
    // Our own headers are plain ASCII: a header value a request refused came from the credentials (never shown).
    if (code === 'ERR_INVALID_CHAR')
      return new UserFacingError(
        `${what}${firstLine(e.message ?? '')}`,
        "a credential of this context (its token, or what its exec plugin printed) holds a character an HTTP header cannot carry: fix the user's entry in your kubeconfig",
        ExitCode.config,
        { cause: err },
      );
  }
  // fetch's own failure says only "fetch failed": the reason is down its cause chain.
  if (err instanceof TypeError && err.message === 'fetch failed') {
    const chain = causeChain(err);
    const hint = chain.includes('bad port')
      ? "the Fetch standard blocks this port (1, 6000 and others); Node's HTTP client will not connect to it: serve the API on another port"
      : 'check the server URL and that the cluster is up (`kube-lessons doctor`)';
    return new UserFacingError(`${what}cannot reach ${ctx.server ?? 'the API server'}: ${chain}`, hint, ExitCode.unreachable, { cause: err });
  }
  const message = firstLine(e?.message ?? String(err));
  return new UserFacingError(`${what}${message}`, undefined, ExitCode.failure, { cause: err });
}

/** "fetch failed: bad port": each message down the `cause` chain, once, on one line. */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const c = cur as { message?: unknown; code?: unknown; cause?: unknown };
    const msg = typeof c.message === 'string' && c.message ? firstLine(c.message) : typeof c.code === 'string' ? c.code : JSON.stringify(cur);
    if (!parts.includes(msg)) parts.push(msg);
    cur = c.cause;
  }
  return parts.join(': ');
}

function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const c = cur as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === 'string' && c.code !== 'ERR_INVALID_ARG_TYPE') return c.code;
    if (Array.isArray(c.errors) && c.errors.length) cur = c.errors[0];
    else cur = c.cause;
  }
  return undefined;
}

/** Accepts our ApiStatusError and @kubernetes/client-node's ApiException (code + JSON body). */
export function toApiStatusError(err: unknown): ApiStatusError | undefined {
  if (err instanceof ApiStatusError) return err;
  const e = err as { code?: unknown; body?: unknown; headers?: Record<string, string>; constructor?: { name?: string } };
  if (e && typeof e.code === 'number' && e.constructor?.name === 'ApiException') {
    return apiStatusError(e.body, { httpStatus: e.code, fallbackMessage: `HTTP ${e.code}`, retryAfterHeader: e.headers?.['retry-after'] });
  }
  return undefined;
}

function describeApiError(err: ApiStatusError, ctx: ErrorContext): UserFacingError {
  const what = ctx.action ? `${ctx.action}: ` : '';
  const details = err.details ?? {};
  const kind = typeof details.kind === 'string' ? details.kind : '';
  const name = typeof details.name === 'string' ? details.name : '';
  const msg = firstLine(err.message);
  switch (err.code) {
    case 401:
      return new UserFacingError(
        `${what}unauthorized (401): the API server did not accept the credentials of this context`,
        'the token or certificate is wrong or expired: refresh your kubeconfig, or pick another --context',
        ExitCode.unauthorized,
        { cause: err },
      );
    case 403: {
      const m = /User "([^"]*)" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)")?/.exec(err.message);
      if (m) {
        const [, user, verb, resource, group, ns] = m;
        const res = group ? `${resource}.${group}` : resource;
        const where = ns ? ` in namespace "${ns}"` : ' (cluster-wide)';
        return new UserFacingError(
          `${what}forbidden (403): user "${user}" may not ${verb} ${res}${where}`,
          `RBAC denied it: ask for a Role granting "${verb}" on "${res}", or use another --context`,
          ExitCode.forbidden,
          { cause: err },
        );
      }
      // NamespaceLifecycle refuses new objects in a namespace being deleted (no Role would help), and says so
      // with a cause of type NamespaceTerminating, as client-go's HasStatusCause checks: not its wording.
      if (hasCause(err, 'NamespaceTerminating')) {
        const namespace = namespaceOf(err);
        return new UserFacingError(
          `${what}forbidden (403): ${namespace ? `namespace "${namespace}"` : 'the namespace'} is being deleted, and takes no new objects`,
          'wait until it is gone and create it again, or use another -n',
          ExitCode.forbidden,
          { cause: err },
        );
      }
      return new UserFacingError(`${what}forbidden (403): ${msg}`, 'RBAC or an admission policy denied the request', ExitCode.forbidden, { cause: err });
    }
    case 404: {
      const thing = kind && name ? `${kind} "${name}"` : 'the resource';
      return new UserFacingError(`${what}${thing} not found (404)${ns(err)}`, 'check the name and namespace (-n), or list what exists', ExitCode.notFound, {
        cause: err,
      });
    }
    case 409: {
      if (err.reason === 'AlreadyExists') {
        return new UserFacingError(
          `${what}${kind || 'object'} "${name}" already exists (409)`,
          'delete it first, or give the new one another name',
          ExitCode.conflict,
          { cause: err },
        );
      }
      return new UserFacingError(`${what}conflict (409): ${msg}`, 'the object changed since it was read: read it again and retry', ExitCode.conflict, {
        cause: err,
      });
    }
    case 422: {
      const causes = (details.causes as { field?: string; message?: string; reason?: string }[] | undefined) ?? [];
      const fields = causes.length ? causes.map((c) => `${c.field ?? '?'}: ${firstLine(c.message ?? c.reason ?? '')}`).join('; ') : msg;
      return new UserFacingError(
        `${what}invalid ${kind || 'object'}${name ? ` "${name}"` : ''} (422): ${fields}`,
        'fix the fields named above',
        ExitCode.invalid,
        { cause: err },
      );
    }
    case 410:
      return new UserFacingError(`${what}resource version too old (410 Gone): ${msg}`, 'list again to get a current resourceVersion', ExitCode.failure, {
        cause: err,
      });
    case 429:
      return new UserFacingError(
        `${what}too many requests (429)`,
        `the server asked us to slow down${err.retryAfterSeconds ? `; retry after ${err.retryAfterSeconds} s` : ''}`,
        ExitCode.serverError,
        { cause: err },
      );
    case 504:
    case 408:
      return new UserFacingError(`${what}the server timed out (${err.code}): ${msg}`, 'retry, or narrow the request', ExitCode.timeout, { cause: err });
  }
  if (err.code >= 500)
    return new UserFacingError(
      `${what}server error (${err.code}): ${msg}`,
      'the API server failed; check its health with `kube-lessons doctor`',
      ExitCode.serverError,
      { cause: err },
    );
  return new UserFacingError(`${what}request failed (${err.code}): ${msg}`, undefined, ExitCode.failure, { cause: err });
}

function ns(err: ApiStatusError): string {
  const namespace = namespaceOf(err);
  return namespace ? ` in namespace "${namespace}"` : '';
}

/** The namespace in the request's path, if it had one. */
function namespaceOf(err: ApiStatusError): string | undefined {
  return (err.url ? /\/namespaces\/([^/?]+)\//.exec(err.url) : null)?.[1];
}

/** A cause of this type in the Status's details (a cause's type is `reason` on the wire). */
function hasCause(err: ApiStatusError, type: string): boolean {
  const causes: unknown = err.details?.causes;
  return Array.isArray(causes) && causes.some((c) => (c as { reason?: unknown } | null)?.reason === type);
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
