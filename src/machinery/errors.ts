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

/** True for "the resource version you asked for is gone": 410 Gone, or reason Expired. */
export function isResourceExpired(err: unknown): boolean {
  return err instanceof ApiStatusError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

/**
 * True when the server has not reached the resource version asked for (client-go's
 * isTooLargeResourceVersionError): the cause ResourceVersionTooLarge, or, from servers before 1.18.6, a
 * Timeout whose cause or message says "Too large resource version".
 */
export function isTooLargeResourceVersion(err: unknown): boolean {
  if (!(err instanceof ApiStatusError)) return false;
  const causes = Array.isArray(err.details?.causes) ? (err.details.causes as { reason?: unknown; message?: unknown }[]) : [];
  if (causes.some((c) => c?.reason === 'ResourceVersionTooLarge')) return true;
  if (err.reason !== 'Timeout') return false;
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
