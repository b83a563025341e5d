/**
 * An API answer that was not a success, carrying the Kubernetes Status fields the machinery and the CLI's
 * error funnel decide on (410 Gone means "relist", 429 carries Retry-After, 409 is a conflict...).
 */
export class ApiStatusError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds the server asked us to wait (Retry-After header or status details). */
  readonly retryAfterSeconds: number | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;

  constructor(init: {
    code: number;
    message: string;
    reason?: string | undefined;
    details?: Record<string, unknown> | undefined;
    retryAfterSeconds?: number | undefined;
    method?: string | undefined;
    url?: string | undefined;
  }) {
    super(init.message);
    this.name = 'ApiStatusError';
    this.code = init.code;
    this.reason = init.reason;
    this.details = init.details;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.method = init.method;
    this.url = init.url;
  }
}

/**
 * The Status reasons apimachinery knows (its knownReasons). A code alone (410, 504...) only counts when the
 * reason is not one of these, as apierrors.IsGone / IsTimeout decide.
 */
const KNOWN_REASONS = new Set([
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'AlreadyExists',
  'Conflict',
  'Gone',
  'Invalid',
  'ServerTimeout',
  'StoreReadError',
  'Timeout',
  'TooManyRequests',
  'BadRequest',
  'MethodNotAllowed',
  'NotAcceptable',
  'RequestEntityTooLarge',
  'UnsupportedMediaType',
  'InternalError',
  'Expired',
  'ServiceUnavailable',
]);

/** Reason `reason`, or code `code` with a reason apimachinery does not know (apierrors' reasonAndCode checks). */
function hasReasonOrCode(err: ApiStatusError, reason: string, code: number): boolean {
  return err.reason === reason || (!KNOWN_REASONS.has(err.reason ?? '') && err.code === code);
}

/**
 * True for "the resource version you asked for is gone" (the reflector's isExpiredError): reason Expired,
 * reason Gone, or 410 with a reason apimachinery does not know.
 */
export function isResourceExpired(err: unknown): boolean {
  return err instanceof ApiStatusError && (err.reason === 'Expired' || hasReasonOrCode(err, 'Gone', 410));
}

/**
 * Reason Expired only (apierrors.IsResourceExpired): what client-go's pager checks before it trades an
 * expired continue token for one full list. A 410 Gone there fails the list instead.
 */
export function isReasonExpired(err: unknown): boolean {
  return err instanceof ApiStatusError && err.reason === 'Expired';
}

/**
 * True when the server has not reached the resource version asked for, exactly as client-go's
 * isTooLargeResourceVersionError: a cause of type ResourceVersionTooLarge; or, from servers before 1.18.6, a
 * timeout (reason Timeout, or 504 with an unknown reason) that has details and either a cause or its message
 * saying "Too large resource version". A timeout without details never counts, whatever its message.
 */
export function isTooLargeResourceVersion(err: unknown): boolean {
  if (!(err instanceof ApiStatusError)) return false;
  const causes = Array.isArray(err.details?.causes) ? (err.details.causes as { reason?: unknown; message?: unknown }[]) : [];
  // A cause's type is `reason` on the wire (metav1.StatusCause).
  if (causes.some((c) => c?.reason === 'ResourceVersionTooLarge')) return true;
  if (!hasReasonOrCode(err, 'Timeout', 504) || err.details === undefined) return false;
  return causes.some((c) => c?.message === 'Too large resource version') || err.message.includes('Too large resource version');
}

/** 429 Too Many Requests. */
export function isTooManyRequests(err: unknown): boolean {
  return err instanceof ApiStatusError && (err.code === 429 || err.reason === 'TooManyRequests');
}

/** The TCP connection was refused (searched through `cause` chains and aggregate errors). */
export function isConnectionRefused(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const c = cur as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (c.code === 'ECONNREFUSED') return true;
    cur = Array.isArray(c.errors) && c.errors.length > 0 ? c.errors[0] : c.cause;
  }
  return false;
}

/** Where a Status came from: an HTTP answer (its code wins) or a watch ERROR event (the Status's own code). */
export interface StatusSource {
  /** The HTTP status code; absent for a watch event. */
  httpStatus?: number | undefined;
  /** Used when the body has no message (a proxy's HTML page, an empty body). */
  fallbackMessage: string;
  /** The Retry-After header, when there was one. */
  retryAfterHeader?: string | null | undefined;
  method?: string | undefined;
  url?: string | undefined;
}

/**
 * The one reader of a Kubernetes Status (metav1.Status) on the wire: `body` may be the JSON text of a
 * response, an already parsed object, or anything else (then only `source` speaks). Retry-After comes from the
 * header or from details.retryAfterSeconds; 0 is a real answer ("retry now") and is kept.
 */
export function apiStatusError(body: unknown, source: StatusSource): ApiStatusError {
  const status = asRecord(typeof body === 'string' ? parseJson(body) : body);
  const details = asRecord(status.details);
  const retryAfter = [source.retryAfterHeader == null ? NaN : Number(source.retryAfterHeader), Number(details.retryAfterSeconds)].find(
    (n) => Number.isFinite(n) && n >= 0,
  );
  return new ApiStatusError({
    code: source.httpStatus ?? (typeof status.code === 'number' ? status.code : 500),
    message: typeof status.message === 'string' && status.message ? status.message : source.fallbackMessage,
    reason: typeof status.reason === 'string' ? status.reason : undefined,
    details: typeof status.details === 'object' && status.details !== null ? details : undefined,
    retryAfterSeconds: retryAfter,
    method: source.method,
    url: source.url,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not a Status (a proxy's HTML page, say)
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
