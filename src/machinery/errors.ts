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
