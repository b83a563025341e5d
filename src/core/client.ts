/**
 * The shared client core: one KubeClient per resolved kubeconfig. Requests are authenticated natively
 * (auth.ts: tokens, token files, client certificates, basic auth, exec plugins). A client sends its requests
 * over HTTP/1.1 while it sends one at a time, and as streams on one HTTP/2 connection (transport.ts) from its
 * first watch or overlapping request on (switching-transport.ts), so concurrent requests share a connection
 * as client-go's do instead of opening one each; client-go speaks HTTP/2 from the first request. Users with
 * an auth-provider plugin go through @kubernetes/client-node's authentication and undici instead, the only
 * time the core loads either.
 * Retries follow client-go's rest client: the transport resends what the server never processed; a GET whose
 * connection broke before the answer is sent again 1 s later, up to 10 times, within the request's deadline;
 * any other method that may have reached the server is not.
 * Non-2xx answers become ApiStatusError carrying the server's Status, or for a body that is not one the
 * reason client-go gives the code (errorFromAnswer). Query strings are written as Go writes them (url()).
 * Trace hooks see every request and response, with credentials redacted.
 * Deliberate difference: client-go's NewForConfig parses the CA and the client key pair (transport.TLSConfigFor)
 * and returns their error; here the constructor never fails, and a CA or key OpenSSL cannot load fails the first
 * request, with the same error each later request gets.
 */
import type { SecureContext } from 'node:tls';
import { realClock, type Clock } from '../machinery/clock.ts';
import { apiStatusError, type ApiStatusError } from '../machinery/errors.ts';
import { authenticator, needsClientNode, tlsOptions, type Authenticator, type Credentials } from './auth.ts';
import { http1Transport } from './http1-transport.ts';
import type { ResolvedKubeconfig } from './kubeconfig.ts';
import {
  fetchTransport,
  http2Transport,
  isConnectionLost,
  secureContextFor,
  type ResponseHeaders,
  type TlsSettings,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport.ts';
import { PROTOBUF_MEDIA_TYPE } from './protobuf/media-type.ts';
import { switchingTransport, type SwitchingTransport } from './switching-transport.ts';
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
  /**
   * The Accept header; default JSON. With protobuf accepted, a protobuf answer (and a protobuf Status on
   * errors) is decoded into the same plain objects JSON would give (src/core/protobuf).
   */
  accept?: string;
  signal?: AbortSignal | undefined;
  /** Overall deadline; default the client's timeout. 0 disables it. */
  timeoutMs?: number;
}

export interface ApiResponse<T> {
  status: number;
  headers: ResponseHeaders;
  body: T;
  bytes: number;
  durationMs: number;
  url: string;
}

export interface LineStream extends AsyncIterable<string> {
  close(): void;
}

/** A streaming answer's body as it arrives, undivided. */
export interface ByteStream extends AsyncIterable<Uint8Array> {
  status: number;
  headers: ResponseHeaders;
  /** The media type the server answered in, without parameters ("application/json"). */
  mediaType: string;
  close(): void;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** client-go's rest client (with_retry.go): at most this many retries of one request, for either reason below. */
const MAX_RETRIES = 10;
/** How long a GET whose connection broke waits before it is sent again. */
const GET_RETRY_WAIT_MS = 1000;

export class KubeClient {
  readonly config: ResolvedKubeconfig;
  hooks: HttpTraceHooks;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private auth: Authenticator | undefined;
  /** One connection per client certificate: an exec plugin may hand out a new one. */
  private transport: { transport: Transport; cert: string | undefined } | undefined;
  /** The transport's protocol choice, when it is ours (not undici's). */
  private switching: SwitchingTransport | undefined;
  private http2Preferred = false;
  /** The server's URL without trailing slashes, which every request path is appended to. */
  private readonly base: string;
  /** Requests handed to the transport so far, lists, watches and this client's GET retries included (not the HTTP/2 transport's resends of unprocessed ones): a count that costs no trace hook. */
  requestsSent = 0;

  constructor(config: ResolvedKubeconfig, options: { timeoutMs?: number; hooks?: HttpTraceHooks; clock?: Clock } = {}) {
    this.config = config;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = options.clock ?? realClock;
    this.hooks = options.hooks ?? {};
    this.base = config.server.replace(/\/+$/, '');
    this.prepareTransport();
  }

  /**
   * Builds the authenticator and the transport with the client, as client-go's NewForConfig does, where the
   * credentials allow it. Its OpenSSL context is made by the first request, or prepare() (transportFor says why).
   * Nothing is connected here; a kubeconfig that cannot be used is reported by the first request.
   */
  private prepareTransport(): void {
    const { cluster, user } = this.config;
    if (needsClientNode(user) || cluster['proxy-url'] || !this.server.startsWith('https:')) return;
    try {
      this.auth = authenticator(user, cluster);
      if (this.auth.tlsIdentity) this.transportFor({ headers: {}, ...this.auth.tlsIdentity });
    } catch {
      this.auth = undefined;
    }
  }

  /**
   * Sends every later request over HTTP/2, on one connection: for an owner that will watch, or send requests
   * at once (informers, controllers, discovery). Without it the client moves there by itself at the first
   * watch or overlapping request (switching-transport.ts); this spares the HTTP/1.1 connection before that.
   */
  preferHttp2(): void {
    this.http2Preferred = true;
    this.switching?.preferHttp2();
  }

  /**
   * Builds now what the first request would: the transport it goes over, with its TLS context (the CA parsed
   * into OpenSSL), and on HTTP/2 Node's http2 module. Connects nothing. For a caller that keeps that cost out
   * of its first request's time, which client-go has behind it once NewForConfig returned (the informer
   * benchmark). A client whose credentials, proxy or scheme leave the transport to the first request builds
   * nothing here.
   */
  prepare(): void {
    this.switching?.prepare();
  }

  /** Closes the client's connections; requests in flight finish first. */
  async close(): Promise<void> {
    const t = this.transport;
    this.transport = undefined;
    await t?.transport.close();
  }

  get server(): string {
    return this.config.server;
  }

  /**
   * The request's URL. Its query is written as client-go's rest client writes it (url.Values.Encode):
   * parameters sorted by name, each escaped as Go's url.QueryEscape does (a space as "+", only letters,
   * digits and "-_.~" left as they are). Parameters undefined or empty are left out. A parameter the path
   * already carries keeps all its values, in order (url.Values holds a list per name), unless `query` sets it.
   */
  url(path: string, query: RequestOptions['query'] = {}): URL {
    const base = this.base + path;
    if (!path.includes('?')) {
      // The usual case, written directly: half the cost of going through URLSearchParams (a controller's every request).
      const names = Object.keys(query)
        .filter((k) => query[k] !== undefined && query[k] !== '')
        .sort();
      return new URL(names.length ? `${base}?${names.map((k) => `${queryEscape(k)}=${queryEscape(String(query[k]))}`).join('&')}` : base);
    }
    const url = new URL(base);
    const params = url.searchParams;
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
    if (params.size > 0) {
      // A stable sort by name: a name's values keep their order, as in url.Values.
      params.sort();
      url.search = [...params].map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`).join('&');
    }
    return url;
  }

  /** Makes a typed API client of @kubernetes/client-node (CoreV1Api, AppsV1Api...) on the same config. */
  async api<T>(ctor: new (...args: never[]) => T): Promise<T> {
    return (await this.config.clientNodeConfig()).makeApiClient(ctor as never) as T;
  }

  /** Tells the response hook (trace, --debug) what came back; `bytes` is -1 for a stream still being read. */
  private reportResponse(method: string, url: string, response: TransportResponse, bytes: number, durationMs: number): void {
    this.hooks.response?.({
      method,
      url,
      status: response.status,
      statusText: response.statusText,
      contentType: response.headers.get('content-type') ?? '',
      bytes,
      durationMs,
    });
  }

  async request<T = unknown>(opts: RequestOptions): Promise<ApiResponse<T>> {
    const { response, url, started, method, cleanup } = await this.send(opts, false);
    try {
      const protobuf = isProtobuf(response.headers);
      if (protobuf && ok(response)) {
        // Decoded as it arrives: a list's items while the rest of it downloads.
        const { ObjectStreamDecoder } = await import('./protobuf/object-stream.ts');
        const decoder = new ObjectStreamDecoder();
        let bytes = 0;
        for await (const chunk of response.body) {
          bytes += chunk.length;
          decoder.push(chunk);
        }
        const durationMs = this.clock.now() - started;
        this.reportResponse(method, url, response, bytes, durationMs);
        const body = bytes ? decoder.finish() : '';
        return { status: response.status, headers: response.headers, body: body as T, bytes, durationMs, url };
      }
      const payload = protobuf ? await readBytes(response.body) : await response.text();
      const durationMs = this.clock.now() - started;
      const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
      this.reportResponse(method, url, response, bytes, durationMs);
      if (!ok(response)) {
        if (response.status === 401) this.auth?.unauthorized();
        throw await errorFromAnswer(response, payload, method, url);
      }
      const body: unknown = payload && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(payload as string) : payload;
      return { status: response.status, headers: response.headers, body: body as T, bytes, durationMs, url };
    } finally {
      cleanup();
    }
  }

  /**
   * Opens a streaming GET (a watch) and yields its body as it arrives. Resolves once the server answered
   * 200; rejects with ApiStatusError otherwise. Iteration ends when the server closes the stream or
   * `close()` is called; a broken connection throws from the iterator.
   */
  async openStream(opts: RequestOptions): Promise<ByteStream> {
    const { response, url, started, method, abort, cleanup } = await this.send({ ...opts, timeoutMs: opts.timeoutMs ?? 0 }, true);
    if (!ok(response)) {
      const payload = await (isProtobuf(response.headers) ? readBytes(response.body) : response.text()).catch(() => '');
      cleanup();
      if (response.status === 401) this.auth?.unauthorized();
      this.reportResponse(method, url, response, payload.length, this.clock.now() - started);
      throw await errorFromAnswer(response, payload, method, url);
    }
    this.reportResponse(method, url, response, -1, this.clock.now() - started);
    let closed = false;
    const body = response.body[Symbol.asyncIterator]();
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          let chunk: IteratorResult<Uint8Array>;
          try {
            chunk = await body.next();
          } catch (err) {
            if (closed) return;
            throw err;
          }
          if (chunk.done) return;
          yield chunk.value;
        }
      } finally {
        closed = true;
        abort();
        cleanup();
      }
    }
    const iterable = chunks();
    return {
      status: response.status,
      headers: response.headers,
      mediaType: mediaTypeOf(response.headers),
      [Symbol.asyncIterator]: () => iterable,
      close: () => {
        closed = true;
        abort();
      },
    };
  }

  /** openStream, line by line (a JSON watch: one event per line). */
  async stream(opts: RequestOptions): Promise<LineStream & { status: number; headers: ResponseHeaders }> {
    return this.lines(await this.openStream(opts));
  }

  /**
   * A stream's body line by line; the chunk hook sees each line. Text after the last newline is yielded as
   * a last line, or given to `onUnterminated` instead when there is one.
   */
  lines(bytes: ByteStream, options: { onUnterminated?: (text: string) => void } = {}): LineStream & { status: number; headers: ResponseHeaders } {
    const hooks = this.hooks;
    async function* lines(): AsyncGenerator<string> {
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of bytes) {
        // Lines are cut from each decoded chunk; only a line split across chunks is joined, so the bytes
        // are not copied again into one growing buffer per chunk.
        const text = decoder.decode(chunk, { stream: true });
        let start = 0;
        let nl: number;
        while ((nl = text.indexOf('\n', start)) >= 0) {
          const line = (buffered ? buffered + text.slice(start, nl) : text.slice(start, nl)).trim();
          buffered = '';
          start = nl + 1;
          if (line) {
            hooks.chunk?.(line);
            yield line;
          }
        }
        buffered += text.slice(start);
      }
      buffered += decoder.decode();
      const last = buffered.trim();
      if (!last) return;
      if (options.onUnterminated) options.onUnterminated(last);
      else yield last;
    }
    const iterable = lines();
    return { status: bytes.status, headers: bytes.headers, [Symbol.asyncIterator]: () => iterable, close: () => bytes.close() };
  }

  private async send(opts: RequestOptions, streaming: boolean) {
    const method = (opts.method ?? 'GET').toUpperCase();
    const target = this.url(opts.path, opts.query);
    const url = target.href;
    const { headers: authHeaders, transport } = await this.authenticate(url, method, opts.signal);
    const headers: Record<string, string> = { ...authHeaders, accept: opts.accept ?? 'application/json' };
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
    const started = this.clock.now();
    try {
      const deadline = timeoutMs > 0 ? started + timeoutMs : Infinity;
      const response = await this.sendRetrying(transport, { method, url: target, headers, body, signal: controller.signal, stream: streaming }, deadline);
      // A stream's deadline covers only the connect: the body may flow for as long as the watch lasts.
      if (streaming && timer) clearTimeout(timer);
      return { response, url, started, method, abort: () => controller.abort(), cleanup };
    } catch (err) {
      cleanup();
      throw controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : err;
    }
  }

  /**
   * Sends a request again as client-go's rest client does, at most MAX_RETRIES times in all: a GET whose
   * connection broke before the answer (safe to repeat), 1 s later; any request answered 429 or 5xx with a
   * Retry-After of whole seconds (the server asks for it), after those seconds. The last answer is returned
   * as it came; the request's deadline covers every try, and a Retry-After that would outlast it returns
   * the server's answer at once rather than a timeout later.
   */
  private async sendRetrying(transport: Transport, req: TransportRequest, deadline: number): Promise<TransportResponse> {
    for (let retry = 0; ; retry++) {
      this.requestsSent++;
      let response: TransportResponse;
      try {
        response = await transport.send(req);
      } catch (err) {
        if (req.method !== 'GET' || retry >= MAX_RETRIES || req.signal.aborted || !isConnectionLost(err)) throw err;
        await this.clock.sleep(GET_RETRY_WAIT_MS, req.signal);
        continue;
      }
      const waitSeconds = retry < MAX_RETRIES ? retryAfterSeconds(response) : undefined;
      if (waitSeconds === undefined || this.clock.now() + waitSeconds * 1000 >= deadline) return response;
      // Read to its end, so that its connection can carry the next try.
      await response.text().catch(() => '');
      await this.clock.sleep(waitSeconds * 1000, req.signal);
    }
  }

  private async authenticate(url: string, method: string, signal: AbortSignal | undefined): Promise<{ headers: Record<string, string>; transport: Transport }> {
    const { cluster, user } = this.config;
    if (needsClientNode(user)) {
      const [{ RequestContext }, kc] = await Promise.all([import('@kubernetes/client-node'), this.config.clientNodeConfig()]);
      const ctx = new RequestContext(url, method as never);
      await kc.applySecurityAuthentication(ctx);
      return { headers: ctx.getHeaders(), transport: fetchTransport(() => ctx.getDispatcher()) };
    }
    this.auth ??= authenticator(user, cluster);
    const creds = await this.auth.credentials(signal);
    return { headers: creds.headers, transport: this.transportFor(creds) };
  }

  private transportFor(creds: Credentials): Transport {
    if (this.transport && this.transport.cert === creds.cert) return this.transport.transport;
    const old = this.transport?.transport;
    const tls = { ...tlsOptions(this.config.cluster), cert: creds.cert, key: creds.key };
    const proxy = this.config.cluster['proxy-url'];
    const viaFetch = () => fetchTransport((undici) => (proxy ? new undici.ProxyAgent({ uri: proxy, requestTls: tls }) : new undici.Agent({ connect: tls })));
    const origin = new URL(this.server);
    let transport: Transport;
    if (proxy || origin.protocol !== 'https:') transport = viaFetch();
    else {
      // One OpenSSL context for both protocols, built with the first of them (by its first request, or
      // prepare()), after the code that sends was loaded: a context waits for the CA certificates Node parses on
      // a thread started with node:tls (NODE_EXTRA_CA_CERTS too), which has then had that much longer to finish.
      let context: SecureContext | undefined;
      const settings: TlsSettings = {
        ...tls,
        get secureContext() {
          return (context ??= secureContextFor(tls));
        },
      };
      const http2 = () => http2Transport(origin, settings, viaFetch, { clock: this.clock });
      // A client that moved to HTTP/2 (or was asked to) stays there with its new certificate.
      transport = this.switching = switchingTransport(() => http1Transport(origin, settings), http2, this.http2Preferred ? 'HTTP/2' : this.switching?.protocol);
    }
    this.transport = { transport, cert: creds.cert };
    // Requests still on the old certificate finish; new ones use the new connection.
    void old?.close().catch(() => undefined);
    return transport;
  }
}

/** The media type of an answer, without parameters. */
function mediaTypeOf(headers: ResponseHeaders): string {
  return (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function isProtobuf(headers: ResponseHeaders): boolean {
  return mediaTypeOf(headers) === PROTOBUF_MEDIA_TYPE;
}

async function readBytes(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * An error answer's Status, when it is one: a JSON (or untyped) or protobuf body of kind Status whose status
 * is Failure, as client-go's Result.Error takes it. Anything else is not a Status.
 */
async function failureStatus(headers: ResponseHeaders, payload: string | Buffer): Promise<Record<string, unknown> | undefined> {
  const type = mediaTypeOf(headers);
  let decoded: unknown;
  if (typeof payload !== 'string') {
    const { decodeObject } = await import('./protobuf/objects.ts');
    try {
      decoded = decodeObject(payload);
    } catch {
      return undefined;
    }
  } else if (type === '' || type === 'application/json') {
    try {
      decoded = JSON.parse(payload);
    } catch {
      return undefined;
    }
  }
  const status = decoded as Record<string, unknown> | null | undefined;
  return typeof status === 'object' && status !== null && status.kind === 'Status' && status.status === 'Failure' ? status : undefined;
}

/** client-go's cap on the text of an error answer that is not a Status. */
const MAX_UNSTRUCTURED_TEXT = 2048;

/**
 * The Status client-go makes up for an error answer that is not one (newUnstructuredResponseError and
 * NewGenericServerResponse): the reason follows from the code alone, and the cause UnexpectedServerResponse
 * carries the body's text when the answer is text (or untyped), else "unknown". The message is left to ours.
 */
function unexpectedAnswerStatus(status: number, method: string, headers: ResponseHeaders, payload: string | Buffer): Record<string, unknown> {
  const type = mediaTypeOf(headers);
  const text = type === '' || type.startsWith('text/') ? Buffer.from(payload).subarray(0, MAX_UNSTRUCTURED_TEXT).toString('utf8').trim() : 'unknown';
  const reason = GENERIC_REASONS[status] ?? (status === 409 ? (method === 'POST' ? 'AlreadyExists' : 'Conflict') : status >= 500 ? 'InternalError' : undefined);
  return { kind: 'Status', status: 'Failure', code: status, reason, details: { causes: [{ reason: 'UnexpectedServerResponse', message: text }] } };
}

/** NewGenericServerResponse's reason for each code it knows (409 depends on the method). */
const GENERIC_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * The error for a non-2xx answer: its Status when the body is one, else the one client-go makes up from the
 * code. Deliberate difference: the code is the HTTP status even when a Status says another (client-go takes
 * the Status's); the API server always writes both alike.
 */
async function errorFromAnswer(response: TransportResponse, payload: string | Buffer, method: string, url: string): Promise<ApiStatusError> {
  const body = (await failureStatus(response.headers, payload)) ?? unexpectedAnswerStatus(response.status, method, response.headers, payload);
  return statusError(response, body, method, url);
}

/** Go's url.QueryEscape: everything but letters, digits and "-_.~" percent-encoded, a space as "+". */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** client-go's checkWait: a 429 or 5xx answer's Retry-After, read as strconv.Atoi reads it (a negative one waits 0). */
function retryAfterSeconds(response: TransportResponse): number | undefined {
  if (response.status !== 429 && response.status < 500) return undefined;
  const header = response.headers.get('retry-after')?.trim();
  return header && /^[+-]?\d+$/.test(header) ? Math.max(0, Number(header)) : undefined;
}

function ok(response: TransportResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function statusError(response: { status: number; statusText: string; headers: ResponseHeaders }, body: unknown, method: string, url: string): ApiStatusError {
  return apiStatusError(body, {
    httpStatus: response.status,
    fallbackMessage: `${response.status} ${response.statusText}`,
    retryAfterHeader: response.headers.get('retry-after'),
    method,
    url,
  });
}
