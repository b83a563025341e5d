/**
 * Controllers II, "list, then watch": the two calls a reflector makes. Lists a resource, notes the list's
 * resourceVersion, then watches from it (or from --resource-version) and reports each event: its type, the
 * object's key and resourceVersion. With watch-list (client-go's default since 1.35) the list is replaced by
 * the watch itself: sendInitialEvents=true streams the current state as ADDED events, a BOOKMARK annotated
 * k8s.io/initial-events-end marks its end, and the same stream carries on with the changes; a server that
 * refuses it gets the list. A 410 Gone / Expired answer (the version is older than the history the server
 * keeps) ends the watch with the facts a reflector acts on: it would relist. With `raw`, the HTTP request
 * (headers redacted) and every line of the chunked response are reported as they arrive.
 * Gathering and logic only: the command renders.
 */
import type { KubeClient, HttpTraceHooks } from '../core/client.ts';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { listerWatcherFor } from '../core/list-watch-client.ts';
import { redactHeaders } from '../core/redact.ts';
import type { ResourceRef } from '../core/resources.ts';
import { ApiStatusError, isResourceExpired } from '../machinery/errors.ts';
import { metaNamespaceKeyFunc, resourceVersionOf } from '../machinery/cache/keys.ts';
import type { KubeObject, WatchEvent, WatchEventType, WatchOptions, WatchStream } from '../machinery/cache/list-watch.ts';
import { INITIAL_EVENTS_END_ANNOTATION } from '../machinery/cache/list-watch.ts';
import { resolveTarget, type ResourceStep } from './resolve-resource.ts';
import { stopControl } from './run-until-stopped.ts';

export const WATCH_EVENT_TYPES: WatchEventType[] = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'];

export interface WatchRequest {
  resource: string;
  /** The namespace to watch in (namespaced resources), unless allNamespaces. */
  namespace: string;
  allNamespaces?: boolean;
  labelSelector?: string | undefined;
  /** Start the watch here instead of at the list's resourceVersion. */
  resourceVersion?: string | undefined;
  /** Ask for BOOKMARK events (allowWatchBookmarks). Default true. */
  bookmarks?: boolean;
  /**
   * Start with a watch-list instead of a list (default true, as client-go 1.36; not with resourceVersion,
   * which names where a plain watch starts). Needs bookmarks: the end of the initial state is one.
   */
  watchList?: boolean;
  /** Report the HTTP exchange and every raw line of the stream. */
  raw?: boolean;
  /** Ctrl-C: stop and report. */
  signal: AbortSignal;
  /** Stop after this long (ms). */
  timeoutMs?: number | undefined;
}

export type StopReason = 'interrupted' | 'terminated' | 'timeout' | 'expired' | 'error';

export type WatchStep =
  | ResourceStep
  | { type: 'http-request'; method: string; url: string; headers: Record<string, string> }
  | { type: 'http-response'; method: string; url: string; status: number; statusText: string; contentType: string; bytes: number; durationMs: number }
  | { type: 'chunk'; line: string }
  | { type: 'listed'; count: number; resourceVersion: string }
  /** A watch-list request: the initial state will stream in as ADDED events. */
  | { type: 'watch-list'; resourceVersionMatch: 'NotOlderThan' }
  /** The BOOKMARK annotated k8s.io/initial-events-end: the initial state is complete at this version. */
  | { type: 'initial-events-end'; count: number; resourceVersion: string }
  /** The server refused watch-list: list, then watch, as client-go falls back. */
  | { type: 'watch-list-refused'; code: number | undefined; message: string }
  | {
      type: 'watching';
      resourceVersion: string;
      from: 'list' | 'flag' | 'resume';
      bookmarks: boolean;
      /** How a --resource-version compares with the list's, read as numbers (only when both are). */
      comparedToList?: 'older' | 'same' | 'newer';
    }
  | { type: 'event'; eventType: Exclude<WatchEventType, 'ERROR'>; key: string; resourceVersion: string; kind?: string }
  | { type: 'error-event'; code: number; reason: string; message: string }
  /** The version is gone: the facts a reflector acts on (it relists from the last version it saw). */
  | {
      type: 'expired';
      resourceVersion: string;
      listResourceVersion: string;
      code: number;
      reason: string;
      message: string;
      via: 'watch ERROR event' | 'HTTP status';
    }
  | { type: 'closed'; resourceVersion: string; events: number }
  | { type: 'stopped'; reason: StopReason; counts: Record<WatchEventType, number>; durationMs: number; lastResourceVersion: string };

export interface WatchSummary {
  reason: StopReason;
  counts: Record<WatchEventType, number>;
  lastResourceVersion: string;
  /** Set when the watch ended on an error the caller should fail with. */
  error?: UserFacingError;
}

/** Lists, then watches until stopped (signal, timeout, an expired version or an error), emitting each step. */
export async function watchResource(client: KubeClient, req: WatchRequest, emit: (s: WatchStep) => void): Promise<WatchSummary> {
  const { ref, namespace, step } = await resolveTarget(client, req.resource, req.namespace, req.allNamespaces);
  emit(step);

  const stop = stopControl<StopReason>(req.signal, req.timeoutMs ? { ms: req.timeoutMs, reason: 'timeout' } : undefined);
  const stopWith = stop.stopWith;

  const savedHooks = client.hooks;
  if (req.raw) client.hooks = rawHooks(emit);
  const counts = Object.fromEntries(WATCH_EVENT_TYPES.map((t) => [t, 0])) as Record<WatchEventType, number>;
  let lastRV = '';
  let listRV = '';
  /** While a watch-list streams its initial state: how many ADDED so far. */
  let initialCount: number | undefined;
  let started = performance.now();
  let error: UserFacingError | undefined;
  try {
    // JSON on the wire: this lesson shows the chunked JSON lines of a watch (--raw).
    const lw = listerWatcherFor<KubeObject>(client, ref, { namespace, wire: 'json' });
    const bookmarks = req.bookmarks ?? true;
    let initial: WatchStream<KubeObject> | undefined;
    if ((req.watchList ?? true) && req.resourceVersion === undefined) {
      emit({ type: 'watch-list', resourceVersionMatch: 'NotOlderThan' });
      try {
        initial = await lw.watch({
          resourceVersionMatch: 'NotOlderThan',
          sendInitialEvents: true,
          allowWatchBookmarks: true,
          labelSelector: req.labelSelector,
          signal: stop.signal,
        });
        initialCount = 0;
      } catch (err) {
        if (stop.signal.aborted) return finish();
        // Any refusal (422 from a server without the WatchList feature) means list + watch, as client-go falls back.
        emit({
          type: 'watch-list-refused',
          code: err instanceof ApiStatusError ? err.code : undefined,
          message: err instanceof Error ? err.message.split('\n')[0]! : String(err),
        });
      }
    }
    if (!initial) {
      try {
        const list = await lw.list({ labelSelector: req.labelSelector, signal: stop.signal });
        listRV = list.metadata.resourceVersion ?? '';
        emit({ type: 'listed', count: list.items.length, resourceVersion: listRV });
      } catch (err) {
        if (stop.signal.aborted) return finish();
        throw err;
      }
      lastRV = req.resourceVersion ?? listRV;
      const watching: Extract<WatchStep, { type: 'watching' }> = {
        type: 'watching',
        resourceVersion: lastRV,
        from: req.resourceVersion !== undefined ? 'flag' : 'list',
        bookmarks,
      };
      if (req.resourceVersion !== undefined) {
        const cmp = compareVersions(req.resourceVersion, listRV);
        if (cmp) watching.comparedToList = cmp;
      }
      emit(watching);
    }
    started = performance.now();

    while (!stop.signal.aborted) {
      let stream: WatchStream<KubeObject>;
      try {
        const options: WatchOptions = { resourceVersion: lastRV, allowWatchBookmarks: bookmarks, labelSelector: req.labelSelector, signal: stop.signal };
        stream = initial ?? (await lw.watch(options));
      } catch (err) {
        if (stop.signal.aborted) break;
        if (isResourceExpired(err)) {
          const e = err as ApiStatusError;
          emit({
            type: 'expired',
            resourceVersion: lastRV,
            listResourceVersion: listRV,
            code: e.code,
            reason: e.reason ?? 'Gone',
            message: e.message,
            via: 'HTTP status',
          });
          counts.ERROR++;
          error = expiredError(ref, lastRV);
          stopWith('expired');
          break;
        }
        throw invalidVersion(err, req.resourceVersion) ?? err;
      }
      const close = () => stream.close();
      stop.signal.addEventListener('abort', close, { once: true });
      let events = 0;
      try {
        for await (const event of stream) {
          events++;
          const outcome = handle(event);
          if (outcome) {
            stopWith(outcome);
            break;
          }
        }
      } catch (err) {
        if (!stop.signal.aborted) throw err;
      } finally {
        stop.signal.removeEventListener('abort', close);
        stream.close();
      }
      if (stop.signal.aborted) break;
      if (initialCount !== undefined) {
        // A reflector would start the watch-list again; the lesson stops and says so.
        throw new UserFacingError(
          `watch ${ref.resource}: the server closed the watch-list before the initial state was complete`,
          'run again, or use --watch-list off',
          ExitCode.failure,
        );
      }
      initial = undefined;
      // The server ended the watch (its timeout): a reflector resumes from the last version it saw.
      emit({ type: 'closed', resourceVersion: lastRV, events });
      emit({ type: 'watching', resourceVersion: lastRV, from: 'resume', bookmarks });
    }
    return finish();
  } finally {
    stop.dispose();
    client.hooks = savedHooks;
  }

  function finish(): WatchSummary {
    const r = stop.reason() ?? 'interrupted';
    emit({ type: 'stopped', reason: r, counts: { ...counts }, durationMs: performance.now() - started, lastResourceVersion: lastRV });
    return error ? { reason: r, counts, lastResourceVersion: lastRV, error } : { reason: r, counts, lastResourceVersion: lastRV };
  }

  /** Reports one event; says why to stop when it ends the watch. */
  function handle(event: WatchEvent<KubeObject>): StopReason | undefined {
    const type = event.type;
    if (type === 'ERROR') {
      counts.ERROR++;
      const status = (event.object ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
      const code = typeof status.code === 'number' ? status.code : 500;
      const why = typeof status.reason === 'string' ? status.reason : '';
      const message = typeof status.message === 'string' ? status.message : 'watch ERROR event';
      const asError = new ApiStatusError({ code, reason: why || undefined, message });
      if (isResourceExpired(asError)) {
        emit({ type: 'expired', resourceVersion: lastRV, listResourceVersion: listRV, code, reason: why || 'Gone', message, via: 'watch ERROR event' });
        error = expiredError(ref, lastRV);
        return 'expired';
      }
      emit({ type: 'error-event', code, reason: why, message });
      error = new UserFacingError(
        `watch ${ref.resource}: the server ended the watch with an error (${code}${why ? ` ${why}` : ''}): ${message}`,
        undefined,
        ExitCode.failure,
      );
      return 'error';
    }
    if (!(WATCH_EVENT_TYPES as string[]).includes(type)) return undefined;
    counts[type]++;
    const obj = event.object;
    const rv = resourceVersionOf(obj) ?? '';
    if (rv) lastRV = rv;
    if (initialCount !== undefined) {
      if (type === 'BOOKMARK' && (obj?.metadata?.annotations as Record<string, unknown> | undefined)?.[INITIAL_EVENTS_END_ANNOTATION] === 'true') {
        emit({ type: 'initial-events-end', count: initialCount, resourceVersion: rv });
        listRV = rv;
        initialCount = undefined;
        return undefined;
      }
      if (type === 'ADDED') initialCount++;
    }
    let key = '';
    if (type !== 'BOOKMARK') {
      try {
        key = metaNamespaceKeyFunc(obj);
      } catch {
        key = '<no name>';
      }
    }
    const step: Extract<WatchStep, { type: 'event' }> = { type: 'event', eventType: type, key, resourceVersion: rv };
    if (typeof obj?.kind === 'string') step.kind = obj.kind;
    emit(step);
    return undefined;
  }
}

function expiredError(ref: ResourceRef, rv: string): UserFacingError {
  return new UserFacingError(
    `watch ${ref.resource}: resourceVersion ${rv} is too old (410 Gone, reason Expired): the server no longer keeps the changes since then`,
    'list again and watch from the new list, as a reflector does: run without --resource-version',
    ExitCode.failure,
  );
}

/** A resourceVersion the server cannot even parse ("abc") is answered with 500 "Invalid value". */
function invalidVersion(err: unknown, rv: string | undefined): UserFacingError | undefined {
  if (rv === undefined || !(err instanceof ApiStatusError)) return undefined;
  if (!/resourceVersion/i.test(err.message) || !/invalid/i.test(err.message)) return undefined;
  return new UserFacingError(
    `watch: the server rejected resourceVersion "${rv}" (${err.code}): ${err.message.split('\n')[0]}`,
    'resource versions are opaque strings the server hands out: take one from a list (run without --resource-version to see it)',
    ExitCode.invalid,
    { cause: err },
  );
}

/**
 * How `flag` compares with the list's version when both read as integers. Resource versions are opaque to
 * clients; the lesson compares them only to explain what the server does with them.
 */
export function compareVersions(flag: string, list: string): 'older' | 'same' | 'newer' | undefined {
  if (!/^\d+$/.test(flag) || !/^\d+$/.test(list)) return undefined;
  const a = BigInt(flag);
  const b = BigInt(list);
  return a < b ? 'older' : a > b ? 'newer' : 'same';
}

/** Reports the HTTP exchange. Headers are redacted by the client; Secret data in raw lines is masked here. */
function rawHooks(emit: (s: WatchStep) => void): HttpTraceHooks {
  return {
    request: (info) => emit({ type: 'http-request', method: info.method, url: info.url, headers: redactHeaders(info.headers) }),
    response: (info) => emit({ type: 'http-response', ...info }),
    chunk: (line) => emit({ type: 'chunk', line: maskSecretData(line) }),
  };
}

/** A watch line carrying a Secret, with the values of data and stringData replaced: they are credentials. */
export function maskSecretData(line: string): string {
  if (!line.includes('"Secret"')) return line;
  try {
    const event = JSON.parse(line) as { object?: { kind?: string; data?: Record<string, unknown>; stringData?: Record<string, unknown> } };
    const obj = event.object;
    if (obj?.kind !== 'Secret') return line;
    for (const field of ['data', 'stringData'] as const) {
      const values = obj[field];
      if (values && typeof values === 'object') for (const k of Object.keys(values)) values[k] = '<redacted>';
    }
    // last-applied-configuration annotations repeat the data.
    const annotations = (obj as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations;
    if (annotations?.['kubectl.kubernetes.io/last-applied-configuration']) annotations['kubectl.kubernetes.io/last-applied-configuration'] = '<redacted>';
    return JSON.stringify(event);
  } catch {
    return line;
  }
}
