/**
 * Reflector: keeps a store in step with the API server by listing once, then watching from the list's
 * resource version, and recovering from everything a long-lived watch meets (server timeouts, dropped or
 * hung connections, expired versions, throttling, outages).
 */
import type { Clock, TimerHandle } from '../clock.ts';
import { realClock } from '../clock.ts';
import { ApiStatusError, apiStatusError, isResourceExpired } from '../errors.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import type { Backoff } from './backoff.ts';
import { ExponentialBackoff } from './backoff.ts';
import type { ReflectorStore } from './delta-fifo.ts';
import { metaNamespaceKeyFunc, resourceVersionOf } from './keys.ts';
import type { KubeObject, ListerWatcher, ListOptions, WatchEvent, WatchOptions, WatchStream } from './list-watch.ts';

/** Reflector settings; all optional, defaults as client-go's reflector. */
export interface ReflectorOptions {
  clock?: Clock;
  tracer?: Tracer;
  /** Names this reflector in traces (e.g. 'pods'). Defaults to expectedTypeName or 'reflector'. */
  name?: string;
  /** Items per list page when paginating. Default 500. */
  pageSize?: number;
  /** How often to call the store's resync (ms). 0 or absent: never. */
  resyncPeriodMs?: number;
  /** Asked before each periodic resync; false skips it (the informer uses it for per-handler periods). */
  shouldResync?: () => boolean;
  /** Server-side watch timeout, drawn uniformly from this range of seconds. Default 300..600 (5–10 min). */
  watchTimeoutRange?: { minSeconds: number; maxSeconds: number };
  /**
   * A watch (or watch request) silent for longer than this is closed and resumed from the last resource
   * version: the cure for half-dead connections that never end. Default 120 000 ms (twice the usual
   * bookmark interval); 0 disables it.
   */
  idleTimeoutMs?: number;
  /** Delays after failures. Default: ExponentialBackoff on the same clock. */
  backoff?: Backoff;
  /** Told about every list/watch failure (after tracing). Must not throw; if it does, it is ignored. */
  watchErrorHandler?: (err: unknown) => void;
  labelSelector?: string;
  fieldSelector?: string;
  /** The `kind` watch events must carry; events of another kind are reported and dropped. */
  expectedTypeName?: string;
  /** Random numbers in [0, 1) for the watch timeout; injectable for tests. Default Math.random. */
  random?: () => number;
}

/** A watch that ends within this long with no event counts as a failure (backs off before resuming). */
const SHORT_WATCH_MS = 1000;

type WatchOutcome = 'resume' | 'relist' | 'stopped';

/**
 * client-go's Reflector (ListAndWatch), on a Clock.
 *
 * Guarantees:
 * - the first list asks for resourceVersion "0" (served from the API server's cache); later relists ask
 *   for the last synced version, or "" (a consistent read) once that version is known to be expired;
 *   lists follow `continue` tokens, and ask for pages (limit) only when a page can be honoured: RV "0"
 *   or "" or once the server showed it paginates;
 * - each successful list replaces the store's content, then a watch starts from the list's version with
 *   bookmarks and a random 5–10 min server timeout; every event and bookmark advances the last seen
 *   version, and a watch that ends is resumed from it without relisting;
 * - 410 Gone / Expired (from list, watch request, or an ERROR event) causes a relist with RV "";
 * - 429 waits Retry-After when the server gave it; every other failure waits the backoff's delay; a watch
 *   that ends within a second with no event backs off too, so a flapping server is not flooded;
 * - a watch silent for longer than `idleTimeoutMs` is closed and resumed;
 * - `run(signal)` resolves once the signal aborts, after closing the watch and cancelling every timer it
 *   made; it never rejects and leaves no unhandled rejection behind (a second concurrent run returns at once).
 */
export class Reflector<T extends KubeObject = KubeObject> {
  private readonly lw: ListerWatcher<T>;
  private readonly store: ReflectorStore<T>;
  private readonly clock: Clock;
  private readonly tracer: Tracer | undefined;
  private readonly name: string;
  private readonly pageSize: number;
  private readonly resyncPeriodMs: number;
  private readonly shouldResync: (() => boolean) | undefined;
  private readonly watchTimeoutRange: { minSeconds: number; maxSeconds: number };
  private readonly idleTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly watchErrorHandler: ((err: unknown) => void) | undefined;
  private readonly labelSelector: string | undefined;
  private readonly fieldSelector: string | undefined;
  private readonly expectedTypeName: string | undefined;
  private readonly random: () => number;

  private lastSyncRV = '';
  /** The last synced version is known to be gone: the next list must be a consistent read. */
  private rvUnavailable = false;
  /** The server paginated an RV "0" list, so it honours limits for this resource: keep paginating. */
  private paginatedResult = false;
  private running = false;
  private resyncTimer: TimerHandle | undefined;

  constructor(lw: ListerWatcher<T>, store: ReflectorStore<T>, options: ReflectorOptions = {}) {
    this.lw = lw;
    this.store = store;
    this.clock = options.clock ?? realClock;
    this.tracer = options.tracer;
    this.name = options.name ?? options.expectedTypeName ?? 'reflector';
    this.pageSize = options.pageSize ?? 500;
    this.resyncPeriodMs = options.resyncPeriodMs ?? 0;
    this.shouldResync = options.shouldResync;
    this.watchTimeoutRange = options.watchTimeoutRange ?? { minSeconds: 300, maxSeconds: 600 };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    this.backoff = options.backoff ?? new ExponentialBackoff({ clock: this.clock });
    this.watchErrorHandler = options.watchErrorHandler;
    this.labelSelector = options.labelSelector;
    this.fieldSelector = options.fieldSelector;
    this.expectedTypeName = options.expectedTypeName;
    this.random = options.random ?? Math.random;
  }

  /** The resource version of the last list or watch event applied to the store ('' before the first list). */
  lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  /** Lists and watches until `signal` aborts. Resolves after everything is closed; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) {
      this.emit('error', { phase: 'run', error: 'already running; second run ignored' });
      return;
    }
    this.running = true;
    try {
      let needList = true;
      while (!signal.aborted) {
        if (needList) {
          if (!(await this.listAndReplace(signal))) continue;
          needList = false;
          this.startResync(signal);
        }
        const outcome = await this.watchOnce(signal);
        if (outcome === 'relist') needList = true;
      }
    } catch (err) {
      // Only a bug can get here; report it rather than reject into a caller that may not listen.
      this.emit('error', { phase: 'run', error: describe(err) });
    } finally {
      this.resyncTimer?.cancel();
      this.resyncTimer = undefined;
      this.running = false;
    }
  }

  /** Lists everything and replaces the store. True on success; on failure it has already waited as needed. */
  private async listAndReplace(signal: AbortSignal): Promise<boolean> {
    const rv = this.relistResourceVersion();
    this.emit('list-start', { resourceVersion: rv });
    let result: { items: T[]; resourceVersion: string; pages: number };
    try {
      // Even a transport that ignores the signal must not keep run() from returning.
      result = await untilAborted(this.listAll(rv, signal), signal);
    } catch (err) {
      if (signal.aborted) return false;
      if (isResourceExpired(err) && rv !== '') {
        // Retry at once as a consistent read: the version we asked for is gone.
        this.rvUnavailable = true;
        this.emit('expired-relist', { resourceVersion: rv, phase: 'list' });
        return false;
      }
      await this.failed(err, 'list', signal);
      return false;
    }
    if (signal.aborted) return false;
    try {
      this.store.replace(result.items, result.resourceVersion);
    } catch (err) {
      await this.failed(err, 'replace', signal);
      return false;
    }
    this.rvUnavailable = false;
    this.lastSyncRV = result.resourceVersion;
    this.emit('listed', { count: result.items.length, resourceVersion: result.resourceVersion, pages: result.pages });
    return true;
  }

  private relistResourceVersion(): string {
    if (this.rvUnavailable) return '';
    return this.lastSyncRV === '' ? '0' : this.lastSyncRV;
  }

  private async listAll(rv: string, signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string; pages: number }> {
    // A list at a specific version is served from the watch cache only without a limit, so page only
    // where paging is honoured or harmless.
    const paginate = this.pageSize > 0 && (rv === '0' || rv === '' || this.paginatedResult);
    const base: ListOptions = { resourceVersion: rv, signal };
    if (this.labelSelector !== undefined) base.labelSelector = this.labelSelector;
    if (this.fieldSelector !== undefined) base.fieldSelector = this.fieldSelector;
    const first = await this.lw.list(paginate ? { ...base, limit: this.pageSize } : base);
    const items = [...first.items];
    let meta = first.metadata;
    let pages = 1;
    while (meta.continue) {
      const pageOptions: ListOptions = { limit: this.pageSize, continue: meta.continue, signal };
      if (this.labelSelector !== undefined) pageOptions.labelSelector = this.labelSelector;
      if (this.fieldSelector !== undefined) pageOptions.fieldSelector = this.fieldSelector;
      let page;
      try {
        page = await this.lw.list(pageOptions);
      } catch (err) {
        if (!isResourceExpired(err)) throw err;
        // The continue token outlived the snapshot it points into: fall back to one unpaginated list.
        this.emit('list-continue-expired', { pages });
        const full = await this.lw.list(base);
        return { items: full.items, resourceVersion: full.metadata.resourceVersion ?? '', pages: pages + 1 };
      }
      items.push(...page.items);
      meta = page.metadata;
      pages++;
    }
    if (rv === '0' && pages > 1) this.paginatedResult = true;
    return { items, resourceVersion: meta.resourceVersion ?? '', pages };
  }

  /** Runs one watch from the last synced version until it ends, and says what to do next. */
  private async watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    if (signal.aborted) return 'stopped';
    const rv = this.lastSyncRV;
    const { minSeconds, maxSeconds } = this.watchTimeoutRange;
    const timeoutSeconds = Math.floor(minSeconds + this.random() * Math.max(0, maxSeconds - minSeconds));
    const request = new AbortController();
    let stopReason: 'abort' | 'idle' | undefined;
    let wakeStop: () => void = () => {};
    // A fresh promise for every wait: racing each event against one long-lived promise would pile a
    // reaction onto it per event for the whole life of the watch.
    const untilStopped = () =>
      stopReason
        ? Promise.resolve('stop' as const)
        : new Promise<'stop'>((resolve) => {
            wakeStop = () => resolve('stop');
          });
    const stop = (reason: 'abort' | 'idle') => {
      stopReason ??= reason;
      request.abort();
      wakeStop();
    };
    const onAbort = () => stop('abort');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();

    let idleTimer: TimerHandle | undefined;
    const armIdle = () => {
      idleTimer?.cancel();
      if (this.idleTimeoutMs > 0) idleTimer = this.clock.setTimer(() => stop('idle'), this.idleTimeoutMs);
    };

    const startedAt = this.clock.now();
    let events = 0;
    let stream: WatchStream<T> | undefined;
    // Before waiting out a failure: no idle timer ticking, no stream held open.
    const release = () => {
      idleTimer?.cancel();
      idleTimer = undefined;
      const s = stream;
      stream = undefined;
      try {
        s?.close();
      } catch {
        // closing is best effort
      }
    };
    const onStop = (): WatchOutcome => {
      if (stopReason === 'idle') {
        this.emit('watch-idle-timeout', { resourceVersion: this.lastSyncRV, idleMs: this.idleTimeoutMs, events });
        return 'resume';
      }
      return 'stopped';
    };

    try {
      this.emit('watch-start', { resourceVersion: rv, timeoutSeconds });
      armIdle();
      const watchOptions: WatchOptions = { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds, signal: request.signal };
      if (this.labelSelector !== undefined) watchOptions.labelSelector = this.labelSelector;
      if (this.fieldSelector !== undefined) watchOptions.fieldSelector = this.fieldSelector;
      const pending = this.lw.watch(watchOptions);
      // If we give up on the request (abort, idle), a stream that still arrives must be closed.
      pending.then(
        (s) => {
          if (stopReason) s.close();
        },
        () => {},
      );
      const opened = await Promise.race([pending, untilStopped()]);
      if (opened === 'stop') return onStop();
      stream = opened;
      const iterator = stream[Symbol.asyncIterator]();
      for (;;) {
        const nextEvent = iterator.next();
        nextEvent.catch(() => {});
        const step = await Promise.race([nextEvent, untilStopped()]);
        if (step === 'stop') return onStop();
        if (step.done) {
          const durationMs = this.clock.now() - startedAt;
          this.emit('watch-closed', { resourceVersion: this.lastSyncRV, events, durationMs });
          if (events === 0 && durationMs < SHORT_WATCH_MS) {
            release();
            await this.failed(new Error(`very short watch: ended after ${durationMs} ms with no event`), 'watch', signal);
          }
          return signal.aborted ? 'stopped' : 'resume';
        }
        events++;
        armIdle();
        if (this.handleEvent(step.value) === 'relist') return 'relist';
      }
    } catch (err) {
      if (signal.aborted) return 'stopped';
      if (stopReason === 'idle') return onStop();
      if (isResourceExpired(err)) {
        this.rvUnavailable = true;
        this.emit('expired-relist', { resourceVersion: this.lastSyncRV, phase: 'watch' });
        return 'relist';
      }
      release();
      await this.failed(err, 'watch', signal);
      return signal.aborted ? 'stopped' : 'resume';
    } finally {
      release();
      signal.removeEventListener('abort', onAbort);
      request.abort();
    }
  }

  /** Applies one watch event to the store. Throws the Status of a non-410 ERROR event. */
  private handleEvent(event: WatchEvent<T>): 'ok' | 'relist' {
    const obj = event.object;
    if (event.type === 'ERROR') {
      const err = apiStatusError(obj, { fallbackMessage: 'watch ERROR event' });
      if (isResourceExpired(err)) {
        this.rvUnavailable = true;
        this.emit('expired-relist', { resourceVersion: this.lastSyncRV, phase: 'watch-event', code: err.code });
        return 'relist';
      }
      throw err;
    }
    const rv = resourceVersionOf(obj);
    if (event.type === 'BOOKMARK') {
      if (rv) this.lastSyncRV = rv;
      this.emit('bookmark', { resourceVersion: rv });
      return 'ok';
    }
    if (this.expectedTypeName && typeof obj?.kind === 'string' && obj.kind !== this.expectedTypeName) {
      this.emit('error', { phase: 'watch-event', error: `expected kind ${this.expectedTypeName}, got ${obj.kind}` });
      return 'ok';
    }
    let key: string | undefined;
    try {
      key = metaNamespaceKeyFunc(obj);
      // Reported on arrival, before the store: traces then read reflector -> DeltaFIFO -> indexer in order.
      this.emit('watch-event', { type: event.type, resourceVersion: rv }, key);
      switch (event.type) {
        case 'ADDED':
          this.store.add(obj);
          break;
        case 'MODIFIED':
          this.store.update(obj);
          break;
        case 'DELETED':
          this.store.delete(obj);
          break;
        default:
          this.emit('error', { phase: 'watch-event', error: `unknown watch event type ${String(event.type)}` });
          return 'ok';
      }
    } catch (err) {
      // One bad object must not end the watch; the next relist will set things right.
      this.emit('error', { phase: 'watch-event', key, error: describe(err) });
    }
    if (rv) this.lastSyncRV = rv;
    return 'ok';
  }

  /** Reports a failure and waits before the next attempt: Retry-After for a 429 that has one, else the backoff. */
  private async failed(err: unknown, phase: string, signal: AbortSignal): Promise<void> {
    this.emit('error', { phase, error: describe(err), code: err instanceof ApiStatusError ? err.code : undefined });
    if (this.watchErrorHandler) {
      try {
        this.watchErrorHandler(err);
      } catch {
        // a faulty handler must not stop the reflector
      }
    }
    const retryAfter = err instanceof ApiStatusError && err.code === 429 ? err.retryAfterSeconds : undefined;
    const delayMs = retryAfter !== undefined && retryAfter >= 0 ? retryAfter * 1000 : this.backoff.next();
    this.emit('backoff', { delayMs, error: describe(err), retryAfter: retryAfter !== undefined, phase });
    try {
      await this.clock.sleep(delayMs, signal);
    } catch {
      // aborted while waiting
    }
  }

  private startResync(signal: AbortSignal): void {
    if (this.resyncPeriodMs <= 0 || this.resyncTimer || signal.aborted) return;
    const tick = () => {
      if (signal.aborted) return;
      try {
        if (!this.shouldResync || this.shouldResync()) {
          this.emit('resync', {});
          this.store.resync();
        }
      } catch (err) {
        this.emit('error', { phase: 'resync', error: describe(err) });
      }
      this.resyncTimer = this.clock.setTimer(tick, this.resyncPeriodMs);
    };
    this.resyncTimer = this.clock.setTimer(tick, this.resyncPeriodMs);
  }

  private emit(action: string, data: Record<string, unknown>, key?: string): void {
    const event = { component: 'reflector', action, data: { reflector: this.name, ...data }, at: this.clock.now() };
    safeEmit(this.tracer, key === undefined ? event : { ...event, key });
  }
}

/** Settles like `p`, or rejects as soon as `signal` aborts (then `p`'s own outcome is ignored). */
function untilAborted<R>(p: Promise<R>, signal: AbortSignal): Promise<R> {
  p.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<R>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
