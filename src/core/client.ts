/**
 * The shared client core: one KubeClient per resolved kubeconfig. Requests go through
 * @kubernetes/client-node's authentication (KubeConfig.applySecurityAuthentication: tokens, client
 * certificates, exec plugins, the TLS dispatcher) and undici's fetch. Non-2xx answers become ApiStatusError
 * carrying the server's Status. Trace hooks see every request and response, with credentials redacted.
 */
import { fetch, type Headers } from 'undici';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiStatusError, type ApiStatusError } from '../machinery/errors.ts';
import type { ResolvedKubeconfig } from './kubeconfig.ts';
import { redact, redactHeaders, redactObject } from './redact.ts';

export interface HttpTraceHooks {
  request?(info: { method: string; url: string; headers: Record<string, string>; body?: unknown }): void;
  response?(info: { method: string; url: string; status: number; statusText: string; contentType: string; bytes: number; durationMs: number }): void;
  /** One line of a streaming (watch) body, as it arrives. */
  chunk?(line: string): void;
}

export interface RequestOptions {
  method?: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal | undefined;
  /** Overall deadline; default the client's timeout. 0 disables it. */
  timeoutMs?: number;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  bytes: number;
  durationMs: number;
  url: string;
}

export interface LineStream extends AsyncIterable<string> {
  close(): void;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export class KubeClient {
  readonly config: ResolvedKubeconfig;
  readonly kc: KubeConfig;
  hooks: HttpTraceHooks;
  private readonly timeoutMs: number;

  constructor(config: ResolvedKubeconfig, options: { timeoutMs?: number; hooks?: HttpTraceHooks } = {}) {
    this.config = config;
    this.kc = config.kc;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.hooks = options.hooks ?? {};
  }

  get server(): string {
    return this.config.server;
  }

  url(path: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    return url;
  }

  /** Makes a typed API client of @kubernetes/client-node (CoreV1Api, AppsV1Api...) on the same config. */
  api<T>(ctor: new (...args: never[]) => T): T {
    return this.kc.makeApiClient(ctor as never) as T;
  }

  async request<T = unknown>(opts: RequestOptions): Promise<ApiResponse<T>> {
    const { response, url, started, method, cleanup } = await this.send(opts, false);
    try {
      const text = await response.text();
      const durationMs = performance.now() - started;
      const bytes = Buffer.byteLength(text);
      this.hooks.response?.({
        method,
        url,
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get('content-type') ?? '',
        bytes,
        durationMs,
      });
      if (!response.ok) throw statusError(response, text, method, url);
      const body = (text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text) as T;
      return { status: response.status, headers: response.headers, body, bytes, durationMs, url };
    } finally {
      cleanup();
    }
  }

  /**
   * Opens a streaming GET (a watch) and yields its body line by line. Resolves once the server answered 200;
   * rejects with ApiStatusError otherwise. Iteration ends when the server closes the stream or `close()` is
   * called; a broken connection throws from the iterator.
   */
  async stream(opts: RequestOptions): Promise<LineStream & { status: number; headers: Headers }> {
    const { response, url, started, method, abort, cleanup } = await this.send({ ...opts, timeoutMs: opts.timeoutMs ?? 0 }, true);
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      cleanup();
      this.hooks.response?.({
        method,
        url,
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get('content-type') ?? '',
        bytes: text.length,
        durationMs: performance.now() - started,
      });
      throw statusError(response, text, method, url);
    }
    this.hooks.response?.({
      method,
      url,
      status: response.status,
      statusText: response.statusText,
      contentType: response.headers.get('content-type') ?? '',
      bytes: -1,
      durationMs: performance.now() - started,
    });
    const hooks = this.hooks;
    let closed = false;
    const body = response.body!;
    async function* lines(): AsyncGenerator<string> {
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      try {
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (err) {
            if (closed) return;
            throw err;
          }
          if (chunk.done) break;
          buffered += decoder.decode(chunk.value as Uint8Array, { stream: true });
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line) {
              hooks.chunk?.(line);
              yield line;
            }
          }
        }
        if (buffered.trim()) yield buffered.trim();
      } finally {
        closed = true;
        abort();
        cleanup();
      }
    }
    const iterable = lines();
    return {
      status: response.status,
      headers: response.headers,
      [Symbol.asyncIterator]: () => iterable,
      close: () => {
        closed = true;
        abort();
      },
    };
  }

  private async send(opts: RequestOptions, streaming: boolean) {
    const method = (opts.method ?? 'GET').toUpperCase();
    const url = this.url(opts.path, opts.query).toString();
    const { RequestContext } = await import('@kubernetes/client-node');
    const ctx = new RequestContext(url, method as never);
    await this.kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { ...ctx.getHeaders(), accept: 'application/json' };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    headers['user-agent'] = 'kube-lessons';
    this.hooks.request?.({ method, url: redact(url), headers: redactHeaders(headers), body: opts.body === undefined ? undefined : redactObject(opts.body) });
    const controller = new AbortController();
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const timer =
      timeoutMs > 0 ? setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs) : undefined;
    timer?.unref();
    const onAbort = () => controller.abort(opts.signal!.reason);
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const dispatcher = ctx.getDispatcher();
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: body ?? null,
        signal: controller.signal,
        ...(dispatcher ? { dispatcher } : {}),
      });
      // A stream's deadline covers only the connect: the body may flow for as long as the watch lasts.
      if (streaming && timer) clearTimeout(timer);
      return { response, url, started, method, abort: () => controller.abort(), cleanup };
    } catch (err) {
      cleanup();
      throw controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : err;
    }
  }
}

function statusError(response: { status: number; statusText: string; headers: Headers }, text: string, method: string, url: string): ApiStatusError {
  return apiStatusError(text, {
    httpStatus: response.status,
    fallbackMessage: `${response.status} ${response.statusText}`,
    retryAfterHeader: response.headers.get('retry-after'),
    method,
    url,
  });
}
