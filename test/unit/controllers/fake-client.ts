/**
 * A KubeClient stand-in for controller unit tests: it records every request and answers from a script
 * (a function of the request), so sync logic can be checked action by action, as sample-controller's
 * tests do with client-go's fake clientset.
 */
import type { ApiResponse, KubeClient, RequestOptions } from '../../../src/core/client.ts';
import { ApiStatusError } from '../../../src/machinery/errors.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  contentType: string | undefined;
}

/** Returns the response body, or a promise of it. */
export type Responder = (req: RecordedRequest) => unknown;

export class FakeClient {
  readonly requests: RecordedRequest[] = [];
  responder: Responder;

  constructor(responder: Responder = (req) => req.body ?? {}) {
    this.responder = responder;
  }

  asClient(): KubeClient {
    return this as unknown as KubeClient;
  }

  async request<T>(opts: RequestOptions): Promise<ApiResponse<T>> {
    const req: RecordedRequest = {
      method: opts.method ?? 'GET',
      path: opts.path,
      body: opts.body === undefined ? undefined : structuredClone(opts.body),
      contentType: opts.contentType,
    };
    this.requests.push(req);
    const body = (await this.responder(req)) as T;
    return { status: 200, headers: new Headers(), body, bytes: 0, durationMs: 0, url: opts.path };
  }

  /** The requests that were not about Events (what sample-controller's tests call filtering informer actions). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => !r.path.includes('/events'));
  }

  events(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes('/events'));
  }
}

export function statusError(code: number, reason: string, message = reason): ApiStatusError {
  return new ApiStatusError({ code, reason, message });
}
