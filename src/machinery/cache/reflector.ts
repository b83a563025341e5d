/**
 * Reflector: keeps a store in step with the API server. Its initial sync is a streaming watch-list where
 * the server offers one (client-go 1.35+), else a list; then it watches from the synced resource version and
 * recovers from everything a long-lived watch meets (server timeouts, dropped or hung connections, expired
 * versions, throttling, outages).
 */
import type { Clock, TimerHandle } from '../clock.ts';
import { realClock } from '../clock.ts';
import {
  ApiStatusError,
  apiStatusError,
  isConnectionRefused,
  isReasonExpired,
  isResourceExpired,
  isTooLargeResourceVersion,
  isTooManyRequests,
} from '../errors.ts';
import type { Tracer } from '../trace.ts';
import { safeEmit } from '../trace.ts';
import { untilAborted } from '../until-aborted.ts';
import type { Backoff } from './backoff.ts';
import { ExponentialBackoff } from './backoff.ts';
import type { ReflectorStore } from './delta-fifo.ts';
import { deletionHandlingMetaNamespaceKeyFunc, metaNamespaceKeyFunc, readMeta, resourceVersionOf } from './keys.ts';
import type { KubeObject, ListerWatcher, ListOptions, WatchEvent, WatchOptions, WatchStream } from './list-watch.ts';
import { INITIAL_EVENTS_END_ANNOTATION, WatchDecodeError } from './list-watch.ts';

/** Reflector settings; all optional, defaults as client-go's reflector. */
export interface ReflectorOptions {
  clock?: Clock;
  tracer?: Tracer;
  /** Names this reflector in traces (e.g. 'pods'). Defaults to expectedTypeName or 'reflector'. */
  name?: string;
  /**
   * Items per list page (client-go's WatchListPageSize). When set, every list asks for pages of this size.
   * Unset (or 0): 500 per page at RV "0" or "", none at a specific version unless the server showed it paginates.
   */
  pageSize?: number;
  /** How often to call the store's resync (ms). 0 or absent: never. */
  resyncPeriodMs?: number;
  /** Asked before each periodic resync; false skips it (the informer uses it for per-handler periods). */
  shouldResync?: () => boolean;
  /**
   * Shortest server-side watch timeout (client-go's MinWatchTimeout); each watch draws its timeout uniformly
   * from [min, 2 * min) whole seconds. Honoured only above the default, 300 000 ms (5 min): a shorter one
   * would only make the server end watches more often. Capped as a Go time.Duration is (about 292 years; the
   * timeout is then fixed at the cap), so Infinity asks for the longest.
   */
  minWatchTimeoutMs?: number;
  /**
   * A watch (or watch request) silent for longer than this is closed and resumed from the last resource
   * version: the cure for half-dead connections that never end. Default 120 000 ms (twice the usual
   * bookmark interval); 0 disables it.
   */
  idleTimeoutMs?: number;
  /** Delays after failures and between list-and-watch rounds. Default: ExponentialBackoff on the same clock. */
  backoff?: Backoff;
  /**
   * Told about every error a list-and-watch round ends with: a failed list, or a watch request rejected
   * with something other than 429 / connection refused. Not told about watches that end (ERROR events,
   * closes) nor about the retries the reflector makes quietly. Must not throw; if it does, it is ignored.
   */
  watchErrorHandler?: (err: unknown) => void;
  labelSelector?: string;
  fieldSelector?: string;
  /** The `kind` watch events must carry; events of another kind or apiVersion are reported and dropped. */
  expectedTypeName?: string;
  /** The `apiVersion` ("group/version", "v1" for the core group) watch events must carry, with expectedTypeName. */
  expectedApiVersion?: string;
  /** Random numbers in [0, 1) for the watch timeout; injectable for tests. Default Math.random. */
  random?: () => number;
  /**
   * Sync with a streaming watch-list (client-go's WatchListClient feature, on by default since 1.35).
   * Default true; ignored (lists instead) when the transport says it cannot (isWatchListSemanticsUnsupported).
   */
  useWatchList?: boolean;
}

/** A store that transforms what it receives (client-go's TransformingStore): the watch-list's temporary store applies the same transform. */
export interface TransformingStore<T> extends ReflectorStore<T> {
  transformer(): ((obj: T) => T) | undefined;
}

/** The pager's page size when `pageSize` is not set (client-go's pager defaultPageSize). */
const DEFAULT_PAGE_SIZE = 500;

/** The shortest server-side watch timeout (client-go's defaultMinWatchTimeout); the longest is twice it. */
const DEFAULT_MIN_WATCH_TIMEOUT_MS = 300_000;

/** The longest time.Duration (2^63 - 1 ns), in ms: what client-go's MinWatchTimeout can hold. */
const MAX_GO_DURATION_MS = 9_223_372_036_854.775;

/**
 * Seconds a watch timeout is drawn from (client-go's NewReflectorWithOptions): [5, 10) minutes, or [min, 2 * min)
 * for a `minWatchTimeoutMs` above 5 minutes. As a time.Duration it is at most 2^63 - 1 ns, and a max that would
 * pass that (overflows, in Go) is set to the min; NaN counts as unset. So every watch asks for whole seconds.
 */
function watchTimeoutRange(minWatchTimeoutMs: number | undefined): { minSeconds: number; maxSeconds: number } {
  let minMs = DEFAULT_MIN_WATCH_TIMEOUT_MS;
  let maxMs = 2 * DEFAULT_MIN_WATCH_TIMEOUT_MS;
  if (minWatchTimeoutMs !== undefined && minWatchTimeoutMs > DEFAULT_MIN_WATCH_TIMEOUT_MS) {
    minMs = Math.min(minWatchTimeoutMs, MAX_GO_DURATION_MS);
    maxMs = 2 * minMs > MAX_GO_DURATION_MS ? minMs : 2 * minMs;
  }
  return { minSeconds: minMs / 1000, maxSeconds: maxMs / 1000 };
}

/** A watch that ends within this long with no event counts as a failure (client-go's VeryShortWatchError). */
const SHORT_WATCH_MS = 1000;

/** How one watch stream ended. */
type StreamEnd<T extends KubeObject> =
  | { kind: 'stopped' }
  /** The server closed it, the connection broke (client-go: a probable EOF), or it sat idle too long. */
  | { kind: 'closed'; events: number; idle: boolean }
  /** An ERROR event, a decode error, or a very short watch. */
  | { kind: 'failed'; error: unknown }
  /** The watch-list's initial state is complete; the stream stays open for the changes that follow. */
  | { kind: 'initial-events-end'; resourceVersion: string; stream: OpenWatch<T> };

/** An open watch request and what cancels it. */
interface OpenWatch<T extends KubeObject> {
  stream: WatchStream<T>;
  request: AbortController;
  startedAt: number;
}

/**
 * client-go's Reflector (RunWithContext / ListAndWatchWithContext, v0.36), on a Clock.
 *
 * Guarantees, each as client-go's reflector.go:
 * - run() repeats list-and-watch rounds until the signal aborts, waiting the backoff's delay after every
 *   round that ends (Until with the reflector's backoff, 800 ms doubling to 30 s, reset after 2 min); the
 *   watch error handler hears only the errors a round ends with (a failed list, a rejected watch request);
 * - a round syncs first. With watch-list (the default): one watch with sendInitialEvents=true,
 *   resourceVersionMatch=NotOlderThan, bookmarks allowed, from the last synced version ("" at first: a
 *   consistent snapshot). Its events fill a temporary store; the BOOKMARK annotated
 *   `k8s.io/initial-events-end: "true"` ends the initial state, then the store is replaced with the temporary
 *   store's content at the bookmark's version and the same stream carries on as the watch. A stream that ends
 *   before that bookmark is started again with a clean temporary store; 429 and refused connections back
 *   off and retry; 410 / too-large-RV retries at once from "". Any other failure (e.g. 422 from a server
 *   without watch-list) falls back to a list for this round;
 * - a list asks for resourceVersion "0" first (the API server's cache), later for the last synced version;
 *   "" only after the last synced version proved unavailable. A list that answers 410 (Expired or Gone) or
 *   "too large resource version" is retried at once with "" (a consistent read), paged as the first attempt.
 *   Pages (limit) are asked for always when `pageSize` is set, else only at RV "0" or "" or once an RV "0"
 *   list came back in pages (even when it was its "" retry that did). A continue token answered with reason
 *   Expired falls back to one full list at the requested version (the pager's FullListIfExpired); any other
 *   error there, 410 Gone included, fails the attempt. A list in pages is at its first page's version;
 * - the store gets the temporary store's objects, each already transformed once by the store's transformer;
 *   a queue transforms again what replace hands it, as client-go's does, so transforms must be idempotent;
 * - watch events whose kind or apiVersion differ from the expected ones, and meta.k8s.io Tables, are reported
 *   and skipped before anything else: they neither count as events nor move the resource version;
 * - a watch bookmark is passed to the store's `bookmark` when it has one (client-go's ReflectorBookmarkStore:
 *   the RealFIFO then queues a Bookmark entry), even without a version; a store that throws is reported and
 *   the watch goes on; the bookmarks of a watch-list's initial events are not passed on;
 * - the watch resumes from the resource version of the last event or bookmark, even an empty one (then the
 *   next watch asks for ""); a watch from "" or "0" moves it only from its first event that is not an ADDED.
 *   A store with `updateResourceVersion` is told each version the watch moves to (client-go's
 *   ResourceVersionUpdater; not a list's nor a watch-list sync's);
 * - every watch asks the server to end it after a timeout drawn from [5, 10) minutes, or from [min, 2 * min)
 *   for a `minWatchTimeoutMs` above 5 minutes; a stream the server closes (or the connection drops) is
 *   re-opened at once; a watch request refused or answered 429, or an ERROR event with 429, backs off and
 *   watches again;
 * - a watch ending with 410 Expired does NOT mark the version unavailable: the next round relists from the
 *   last version seen (a list at an RV returns data at least that fresh, served from the watch cache); only
 *   when that list answers 410 / too-large does it fall back to "" (see DefaultWatchErrorHandler);
 * - any other watch failure (an ERROR event, an undecodable event, a failed resync, a watch lasting under a
 *   second with no event, timed from when watching starts, so a stream handed over by the watch-list counts
 *   from the hand-over) ends the round: back off, then relist; a rejected watch request does too, and is the
 *   error the round ends with;
 * - resync ticks run only while watching, restarting with each round; the first failing resync ends the
 *   watch and no further resync runs in that round.
 * Deliberate differences: a watch (or watch request) silent for `idleTimeoutMs` is closed and resumed
 * (client-go relies on the server's timeout); MaxInternalErrorRetryDuration is not offered (client-go's
 * default, 0, never retries); an object that carries neither kind nor apiVersion is not checked against the
 * expected ones (client-go checks typed objects by Go type instead); a list is not refused for being a
 * meta.k8s.io Table (client-go's isUnsupportedTableListObject), as a ListResult carries no kind: one that
 * comes back without items is taken as empty.
 * `run(signal)` resolves once the signal aborts, after closing the watch and cancelling every timer it made;
 * it never rejects and leaves no unhandled rejection behind (a second concurrent run returns at once).
 */
export class Reflector<T extends KubeObject = KubeObject> {
  private readonly lw: ListerWatcher<T>;
  private readonly store: ReflectorStore<T>;
  private readonly clock: Clock;
  private readonly tracer: Tracer | undefined;
  private readonly name: string;
  /** The page size asked for (client-go's WatchListPageSize); undefined: the pager's default rule. */
  private readonly pageSize: number | undefined;
  private readonly resyncPeriodMs: number;
  private readonly shouldResync: (() => boolean) | undefined;
  /** Seconds the watch timeout is drawn from: [min, max). */
  private readonly watchTimeoutRange: { minSeconds: number; maxSeconds: number };
  private readonly idleTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly watchErrorHandler: ((err: unknown) => void) | undefined;
  private readonly labelSelector: string | undefined;
  private readonly fieldSelector: string | undefined;
  private readonly expectedTypeName: string | undefined;
  private readonly expectedApiVersion: string | undefined;
  private readonly random: () => number;
  private readonly useWatchList: boolean;

  private lastSyncRV = '';
  /** The last synced version proved unavailable (410 / too large): the next sync must be a consistent read. */
  private rvUnavailable = false;
  /** The server paginated an RV "0" list, so it honours limits for this resource: keep paginating. */
  private paginatedResult = false;
  private running = false;
  private resyncTimer: TimerHandle | undefined;
  /** A failed resync waiting to end the watch (client-go's resyncerrc); cleared with each round. */
  private resyncError: { error: unknown } | undefined;
  /** Ends the watch stream being consumed, so that it sees resyncError at once. */
  private interruptWatch: (() => void) | undefined;

  constructor(lw: ListerWatcher<T>, store: ReflectorStore<T>, options: ReflectorOptions = {}) {
    this.lw = lw;
    this.store = store;
    this.clock = options.clock ?? realClock;
    this.tracer = options.tracer;
    this.name = options.name ?? options.expectedTypeName ?? 'reflector';
    this.pageSize = options.pageSize !== undefined && options.pageSize > 0 ? options.pageSize : undefined;
    this.resyncPeriodMs = options.resyncPeriodMs ?? 0;
    this.shouldResync = options.shouldResync;
    this.watchTimeoutRange = watchTimeoutRange(options.minWatchTimeoutMs);
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    this.backoff = options.backoff ?? new ExponentialBackoff({ clock: this.clock });
    this.watchErrorHandler = options.watchErrorHandler;
    this.labelSelector = options.labelSelector;
    this.fieldSelector = options.fieldSelector;
    this.expectedTypeName = options.expectedTypeName;
    this.expectedApiVersion = options.expectedApiVersion;
    this.random = options.random ?? Math.random;
    this.useWatchList = (options.useWatchList ?? true) && !lw.isWatchListSemanticsUnsupported?.();
  }

  /** The resource version of the last sync or watch event applied to the store ('' before the first sync). */
  lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  /** Whether this reflector syncs with a watch-list (it still falls back to a list where the server refuses). */
  usesWatchList(): boolean {
    return this.useWatchList;
  }

  /** Lists (or watch-lists) and watches until `signal` aborts. Resolves after everything is closed; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) {
      this.emit('error', { phase: 'run', error: 'already running; second run ignored' });
      return;
    }
    this.running = true;
    try {
      while (!signal.aborted) {
        const err = await this.listAndWatch(signal);
        if (signal.aborted) break;
        if (err !== undefined) this.reportError(err, 'list-and-watch');
        await this.wait(err, 'list-and-watch', signal);
      }
    } catch (err) {
      // Only a bug can get here; report it rather than reject into a caller that may not listen.
      this.emit('error', { phase: 'run', error: describe(err) });
    } finally {
      this.stopResync();
      this.running = false;
    }
  }

  /** One round: sync, then watch until the watch needs a relist. Returns the error it ended with, if any. */
  private async listAndWatch(signal: AbortSignal): Promise<unknown> {
    let open: OpenWatch<T> | undefined;
    if (this.useWatchList) {
      const synced = await this.watchList(signal);
      if (synced.kind === 'stopped') return undefined;
      if (synced.kind === 'synced') open = synced.open;
      else this.emit('watch-list-fallback', { error: describe(synced.error), code: codeOf(synced.error) });
    }
    if (!open) {
      const err = await this.list(signal);
      if (err !== undefined || signal.aborted) return err;
    }
    this.startResync(signal);
    try {
      return await this.watch(signal, open);
    } finally {
      this.stopResync();
    }
  }

  /** Lists everything and replaces the store. Returns the error on failure (after the one "" retry client-go makes). */
  private async list(signal: AbortSignal): Promise<unknown> {
    const requestedRV = this.relistResourceVersion();
    let rv = requestedRV;
    // The page size is chosen once, from the version first asked for, as client-go's pager is.
    const pageSize = this.listPageSize(rv);
    this.emit('list-start', { resourceVersion: rv });
    let result: { items: T[]; resourceVersion: string; pages: number };
    try {
      // Even a transport that ignores the signal must not keep run() from returning.
      result = await untilAborted(this.listAll(rv, pageSize, signal), signal);
    } catch (err) {
      if (signal.aborted) return undefined;
      if (!isResourceExpired(err) && !isTooLargeResourceVersion(err)) return err;
      // The version is gone (or not there yet): ask for the latest, as a consistent read.
      this.rvUnavailable = true;
      this.emit('expired-relist', { resourceVersion: rv, phase: 'list', code: codeOf(err) });
      rv = this.relistResourceVersion();
      this.emit('list-start', { resourceVersion: rv });
      try {
        result = await untilAborted(this.listAll(rv, pageSize, signal), signal);
      } catch (retryErr) {
        return signal.aborted ? undefined : retryErr;
      }
    }
    if (signal.aborted) return undefined;
    // Judged by the version first asked for, as client-go: an RV "0" list in pages means no watch cache,
    // even when it is the "" retry that came back in pages.
    if (requestedRV === '0' && result.pages > 1) this.paginatedResult = true;
    this.rvUnavailable = false;
    try {
      this.store.replace(result.items, result.resourceVersion);
    } catch (err) {
      return err;
    }
    this.lastSyncRV = result.resourceVersion;
    this.emit('listed', { count: result.items.length, resourceVersion: result.resourceVersion, pages: result.pages });
    return undefined;
  }

  /** Items per page for a list first asked at `rv`; 0: no limit (client-go's list() choosing the pager's PageSize). */
  private listPageSize(rv: string): number {
    if (this.pageSize !== undefined) return this.pageSize;
    // At a specific version only an unpaged list is served from the watch cache: keep etcd out of relists.
    if (this.paginatedResult || rv === '0' || rv === '') return DEFAULT_PAGE_SIZE;
    return 0;
  }

  private relistResourceVersion(): string {
    if (this.rvUnavailable) return '';
    return this.lastSyncRV === '' ? '0' : this.lastSyncRV;
  }

  private async listAll(rv: string, pageSize: number, signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string; pages: number }> {
    const base: ListOptions = { resourceVersion: rv, signal };
    if (this.labelSelector !== undefined) base.labelSelector = this.labelSelector;
    if (this.fieldSelector !== undefined) base.fieldSelector = this.fieldSelector;
    const first = await this.lw.list(pageSize > 0 ? { ...base, limit: pageSize } : base);
    const items = [...first.items];
    // The first page's version stands for the whole list, as the pager's: later pages are of the same snapshot.
    const resourceVersion = first.metadata.resourceVersion ?? '';
    let meta = first.metadata;
    let pages = 1;
    while (meta.continue) {
      const pageOptions: ListOptions = { limit: pageSize, continue: meta.continue, signal };
      if (this.labelSelector !== undefined) pageOptions.labelSelector = this.labelSelector;
      if (this.fieldSelector !== undefined) pageOptions.fieldSelector = this.fieldSelector;
      let page;
      try {
        page = await this.lw.list(pageOptions);
      } catch (err) {
        // Reason Expired only, as the pager: a 410 Gone fails this attempt (the caller may retry at "").
        if (!isReasonExpired(err)) throw err;
        // The continue token outlived the snapshot it points into: one unpaginated list at the version asked for.
        this.emit('list-continue-expired', { pages });
        const full = await this.lw.list(base);
        return { items: full.items, resourceVersion: full.metadata.resourceVersion ?? '', pages: pages + 1 };
      }
      items.push(...page.items);
      meta = page.metadata;
      pages++;
    }
    return { items, resourceVersion, pages };
  }

  /**
   * The streaming initial sync (client-go's watchList). Collects the initial events in a temporary store
   * until the initial-events-end bookmark, then replaces the real store in one step and hands the open
   * stream on to the watch.
   */
  private async watchList(signal: AbortSignal): Promise<{ kind: 'synced'; open: OpenWatch<T> } | { kind: 'failed'; error: unknown } | { kind: 'stopped' }> {
    const transform = transformerOf(this.store);
    for (;;) {
      if (signal.aborted) return { kind: 'stopped' };
      const rv = this.rvUnavailable ? '' : this.lastSyncRV;
      const temporary = new Map<string, T>();
      const options: WatchOptions = {
        resourceVersion: rv,
        resourceVersionMatch: 'NotOlderThan',
        sendInitialEvents: true,
        allowWatchBookmarks: true,
        timeoutSeconds: this.watchTimeoutSeconds(),
      };
      this.emit('watch-list-start', {
        resourceVersion: rv,
        resourceVersionMatch: 'NotOlderThan',
        sendInitialEvents: true,
        timeoutSeconds: options.timeoutSeconds,
      });
      const opened = await this.openWatch(options, signal);
      if (opened.kind === 'stopped') return opened;
      if (opened.kind === 'idle') continue;
      let error: unknown;
      if (opened.kind === 'failed') {
        error = opened.error;
      } else {
        const end = await this.consume(opened.open, signal, { initialStore: { items: temporary, transform } });
        if (end.kind === 'stopped') return end;
        if (end.kind === 'initial-events-end') {
          this.rvUnavailable = false;
          try {
            this.store.replace([...temporary.values()], end.resourceVersion);
          } catch (err) {
            closeQuietly(end.stream);
            return { kind: 'failed', error: err };
          }
          this.lastSyncRV = end.resourceVersion;
          this.emit('watch-list-synced', { count: temporary.size, resourceVersion: end.resourceVersion });
          return { kind: 'synced', open: end.stream };
        }
        if (end.kind === 'closed') {
          this.emit('watch-list-incomplete', { events: end.events, idle: end.idle });
          continue;
        }
        error = end.error;
      }
      if (isConnectionRefused(error) || isTooManyRequests(error)) {
        this.emit('watch-list-retry', { error: describe(error), code: codeOf(error) });
        await this.wait(error, 'watch-list', signal);
        continue;
      }
      if (isResourceExpired(error) || isTooLargeResourceVersion(error)) {
        this.rvUnavailable = true;
        this.emit('expired-relist', { resourceVersion: rv, phase: 'watch-list', code: codeOf(error) });
        continue;
      }
      return { kind: 'failed', error };
    }
  }

  /**
   * Watches from the last synced version (or carries on with `open`) until the watch needs a relist
   * (client-go's watch). Returns an error only when a watch request was rejected.
   */
  private async watch(signal: AbortSignal, open: OpenWatch<T> | undefined): Promise<unknown> {
    let current = open;
    for (;;) {
      if (signal.aborted) {
        // A stream handed over by the watch-list may still be open.
        if (current) closeQuietly(current);
        return undefined;
      }
      // A stream handed over by the watch-list is already past the initial events.
      let propagateRVFromStart = true;
      if (!current) {
        const rv = this.lastSyncRV;
        propagateRVFromStart = rv !== '' && rv !== '0';
        const options: WatchOptions = { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: this.watchTimeoutSeconds() };
        this.emit('watch-start', { resourceVersion: rv, timeoutSeconds: options.timeoutSeconds });
        const opened = await this.openWatch(options, signal);
        if (opened.kind === 'stopped') return undefined;
        if (opened.kind === 'idle') continue;
        if (opened.kind === 'failed') {
          if (isConnectionRefused(opened.error) || isTooManyRequests(opened.error)) {
            // Retried quietly: the error handler hears only what ends a round.
            this.emit('watch-retry', { resourceVersion: rv, error: describe(opened.error), code: codeOf(opened.error) });
            await this.wait(opened.error, 'watch', signal);
            continue;
          }
          if (isResourceExpired(opened.error)) this.emit('expired-relist', { resourceVersion: rv, phase: 'watch', code: codeOf(opened.error) });
          return opened.error;
        }
        current = opened.open;
      } else {
        // Timed from now, not from the watch-list request: a close right after the hand-over is a very short watch.
        current = { ...current, startedAt: this.clock.now() };
        this.emit('watch-continues', { resourceVersion: this.lastSyncRV });
      }
      const end = await this.consume(current, signal, { propagateRVFromStart });
      current = undefined;
      if (end.kind === 'stopped') return undefined;
      if (end.kind === 'closed' || end.kind === 'initial-events-end') continue;
      const err = end.error;
      if (isResourceExpired(err)) {
        // Relist from the last version seen; "" only if that list answers 410 too.
        this.emit('expired-relist', { resourceVersion: this.lastSyncRV, phase: 'watch', code: codeOf(err) });
        return undefined;
      }
      if (isTooManyRequests(err)) {
        this.emit('watch-retry', { resourceVersion: this.lastSyncRV, error: describe(err), code: codeOf(err) });
        await this.wait(err, 'watch', signal);
        continue;
      }
      this.emit('watch-ended', { resourceVersion: this.lastSyncRV, error: describe(err), code: codeOf(err) });
      return undefined;
    }
  }

  /** Opens a watch request, giving up on it if the signal aborts or it stays unanswered past the idle timeout. */
  private async openWatch(
    options: WatchOptions,
    signal: AbortSignal,
  ): Promise<{ kind: 'opened'; open: OpenWatch<T> } | { kind: 'failed'; error: unknown } | { kind: 'idle' } | { kind: 'stopped' }> {
    const request = new AbortController();
    const startedAt = this.clock.now();
    const full: WatchOptions = { ...options, signal: request.signal };
    if (this.labelSelector !== undefined) full.labelSelector = this.labelSelector;
    if (this.fieldSelector !== undefined) full.fieldSelector = this.fieldSelector;
    const guard = new WatchGuard(signal, this.clock, this.idleTimeoutMs, () => request.abort());
    const stopped = () => {
      if (guard.reason === 'abort') return { kind: 'stopped' } as const;
      this.emit('watch-idle-timeout', { resourceVersion: options.resourceVersion ?? '', idleMs: this.idleTimeoutMs, events: 0 });
      return { kind: 'idle' } as const;
    };
    try {
      const pending = Promise.resolve().then(() => this.lw.watch(full));
      // If we give up on the request (abort, idle), a stream that still arrives must be closed.
      pending.then(
        (s) => {
          if (guard.reason) closeQuietly({ stream: s, request });
        },
        () => {},
      );
      const opened = await Promise.race([pending, guard.until()]);
      if (opened === 'stop' || guard.reason) {
        if (opened !== 'stop') closeQuietly({ stream: opened, request });
        return stopped();
      }
      return { kind: 'opened', open: { stream: opened, request, startedAt } };
    } catch (err) {
      request.abort();
      if (guard.reason) return stopped();
      return signal.aborted ? { kind: 'stopped' } : { kind: 'failed', error: err };
    } finally {
      guard.dispose();
    }
  }

  /**
   * Applies a stream's events (client-go's handleAnyWatch). With `initialStore`, events go to that
   * temporary store and the initial-events-end bookmark ends consumption with the stream left open;
   * otherwise they go to the real store. The stream is closed on every other way out.
   */
  private async consume(
    open: OpenWatch<T>,
    signal: AbortSignal,
    mode: { initialStore?: { items: Map<string, T>; transform: ((obj: T) => T) | undefined }; propagateRVFromStart?: boolean },
  ): Promise<StreamEnd<T>> {
    const guard = new WatchGuard(signal, this.clock, this.idleTimeoutMs, () => closeQuietly(open));
    const iterator = open.stream[Symbol.asyncIterator]();
    let events = 0;
    let besidesAdded = false;
    let initialRV = '';
    let keepOpen = false;
    // A resync failure ends the real watch, even one that failed before this stream opened (resyncerrc).
    if (!mode.initialStore) this.interruptWatch = () => guard.interrupt();
    try {
      if (!mode.initialStore && this.resyncError) return this.resyncFailed();
      for (;;) {
        const next = iterator.next();
        next.catch(() => {});
        let step: IteratorResult<WatchEvent<T>> | 'stop';
        try {
          step = await Promise.race([next, guard.until()]);
        } catch (err) {
          if (guard.reason) step = 'stop';
          else if (signal.aborted) return { kind: 'stopped' };
          else {
            // Bytes that are not an event are an internal error to client-go; a broken connection is just the end.
            if (err instanceof WatchDecodeError) return { kind: 'failed', error: err };
            this.emit('watch-closed', { resourceVersion: this.lastSyncRV, events, durationMs: this.clock.now() - open.startedAt, error: describe(err) });
            return this.closedOrShort(open, events);
          }
        }
        if (step === 'stop' || guard.reason) {
          if (guard.reason === 'abort') return { kind: 'stopped' };
          if (guard.reason === 'interrupt') return this.resyncFailed();
          this.emit('watch-idle-timeout', { resourceVersion: this.lastSyncRV, idleMs: this.idleTimeoutMs, events });
          return { kind: 'closed', events, idle: true };
        }
        if (step.done) {
          this.emit('watch-closed', { resourceVersion: this.lastSyncRV, events, durationMs: this.clock.now() - open.startedAt });
          return this.closedOrShort(open, events);
        }
        guard.arm();
        const event = step.value;
        if (event.type === 'ERROR') return { kind: 'failed', error: apiStatusError(event.object, { fallbackMessage: 'watch ERROR event' }) };
        // Before anything else: an object of another type, or a Table, neither counts nor moves the version.
        if (!this.isExpectedType(event.object) || this.isTable(event.object)) continue;
        const rv = resourceVersionOf(event.object) ?? '';
        if (event.type === 'MODIFIED' || event.type === 'DELETED' || event.type === 'BOOKMARK') besidesAdded = true;
        const initialEnd = this.apply(event, mode.initialStore);
        events++;
        if (mode.initialStore) {
          if (besidesAdded) initialRV = rv;
          if (initialEnd) {
            this.emit('initial-events-end', { resourceVersion: initialRV, objects: mode.initialStore.items.size, events });
            keepOpen = true;
            return { kind: 'initial-events-end', resourceVersion: initialRV, stream: open };
          }
        } else if (mode.propagateRVFromStart || besidesAdded) {
          // An empty version too: the next watch then asks for "" (client-go's setLastSyncResourceVersion).
          this.lastSyncRV = rv;
          this.tellResourceVersion(rv);
        }
      }
    } finally {
      if (!mode.initialStore) this.interruptWatch = undefined;
      guard.dispose();
      if (!keepOpen) closeQuietly(open);
    }
  }

  /** Passes a version the watch moved to on to a store that wants it (client-go's ResourceVersionUpdater). */
  private tellResourceVersion(rv: string): void {
    if (!this.store.updateResourceVersion) return;
    try {
      this.store.updateResourceVersion(rv);
    } catch (err) {
      // The store's problem, not the watch's: report it and go on, as for a bookmark.
      this.emit('error', { phase: 'update-resource-version', error: describe(err) });
    }
  }

  /** Hands the pending resync failure to the watch, which it ends. */
  private resyncFailed(): StreamEnd<T> {
    const error = this.resyncError?.error;
    this.resyncError = undefined;
    return { kind: 'failed', error };
  }

  /** Whether a watch event's object has the expected kind and apiVersion; reports those that do not. */
  private isExpectedType(obj: T): boolean {
    if (this.expectedTypeName === undefined && this.expectedApiVersion === undefined) return true;
    const kind = obj?.kind;
    const apiVersion = obj?.apiVersion;
    // Nothing to compare on an object that names no type (see the class comment).
    if (kind === undefined && apiVersion === undefined) return true;
    const kindOk = this.expectedTypeName === undefined || kind === this.expectedTypeName;
    const versionOk = this.expectedApiVersion === undefined || apiVersion === this.expectedApiVersion;
    if (kindOk && versionOk) return true;
    const expected = `${this.expectedApiVersion ?? '*'} ${this.expectedTypeName ?? '*'}`;
    this.emit('error', { phase: 'watch-event', error: `unexpected watch event object type: expected ${expected}, got ${String(apiVersion)} ${String(kind)}` });
    return false;
  }

  /**
   * Whether a watch event's object is a meta.k8s.io Table (a server's tabular rendering, asked for by kubectl's
   * Accept header, never an object to cache); reports those that are.
   */
  private isTable(obj: T): boolean {
    if (obj?.kind !== 'Table' || (obj.apiVersion !== 'meta.k8s.io/v1' && obj.apiVersion !== 'meta.k8s.io/v1beta1')) return false;
    this.emit('error', { phase: 'watch-event', error: `unsupported watch event object: ${obj.apiVersion} Table` });
    return true;
  }

  private closedOrShort(open: OpenWatch<T>, events: number): StreamEnd<T> {
    const durationMs = this.clock.now() - open.startedAt;
    if (events === 0 && durationMs < SHORT_WATCH_MS) {
      return {
        kind: 'failed',
        error: new Error(`very short watch: ${this.name}: unexpected watch close - watch lasted ${durationMs} ms and no items received`),
      };
    }
    return { kind: 'closed', events, idle: false };
  }

  /** Applies one event to the real store, or to the watch-list's temporary store. True for the initial-events-end bookmark. */
  private apply(event: WatchEvent<T>, initial: { items: Map<string, T>; transform: ((obj: T) => T) | undefined } | undefined): boolean {
    const obj = event.object;
    const rv = resourceVersionOf(obj);
    if (event.type === 'BOOKMARK') {
      const annotations = (readMeta(obj) as { annotations?: Record<string, unknown> } | undefined)?.annotations;
      const end = annotations?.[INITIAL_EVENTS_END_ANNOTATION] === 'true';
      this.emit('bookmark', end ? { resourceVersion: rv, initialEventsEnd: true } : { resourceVersion: rv });
      if (!initial && this.store.bookmark) {
        try {
          this.store.bookmark(rv ?? '');
        } catch (err) {
          // client-go: "Unable to send bookmark event to store", and the watch goes on.
          this.emit('error', { phase: 'bookmark', error: describe(err) });
        }
      }
      return end;
    }
    let key: string | undefined;
    try {
      key = metaNamespaceKeyFunc(obj);
      // Reported on arrival, before the store: traces then read reflector -> queue -> indexer in order.
      this.emit('watch-event', initial ? { type: event.type, resourceVersion: rv, initial: true } : { type: event.type, resourceVersion: rv }, key);
      if (initial) applyToTemporary(initial.items, event, initial.transform);
      else if (event.type === 'ADDED') this.store.add(obj);
      else if (event.type === 'MODIFIED') this.store.update(obj);
      else if (event.type === 'DELETED') this.store.delete(obj);
      else this.emit('error', { phase: 'watch-event', error: `unknown watch event type ${String(event.type)}` });
    } catch (err) {
      // One bad object must not end the watch; the next relist will set things right.
      this.emit('error', { phase: 'watch-event', key, error: describe(err) });
    }
    return false;
  }

  private watchTimeoutSeconds(): number {
    const { minSeconds, maxSeconds } = this.watchTimeoutRange;
    return Math.floor(minSeconds + this.random() * Math.max(0, maxSeconds - minSeconds));
  }

  private reportError(err: unknown, phase: string): void {
    this.emit('error', { phase, error: describe(err), code: codeOf(err) });
    if (this.watchErrorHandler) {
      try {
        this.watchErrorHandler(err);
      } catch {
        // a faulty handler must not stop the reflector
      }
    }
  }

  /**
   * Waits the backoff's next delay before the next attempt, whatever failed: a 429's Retry-After was already
   * waited out by the client, up to ten times, before the 429 reached here (as in client-go).
   */
  private async wait(err: unknown, phase: string, signal: AbortSignal): Promise<void> {
    const delayMs = this.backoff.next();
    const data: Record<string, unknown> = { delayMs, phase };
    if (err !== undefined) data.error = describe(err);
    this.emit('backoff', data);
    try {
      await this.clock.sleep(delayMs, signal);
    } catch {
      // aborted while waiting
    }
  }

  private startResync(signal: AbortSignal): void {
    this.resyncError = undefined;
    if (this.resyncPeriodMs <= 0 || this.resyncTimer || signal.aborted) return;
    const tick = () => {
      this.resyncTimer = undefined;
      if (signal.aborted) return;
      try {
        if (!this.shouldResync || this.shouldResync()) {
          this.emit('resync', {});
          this.store.resync();
        }
      } catch (err) {
        // As client-go's startResync: stop resyncing and end the watch with the error (then relist).
        this.emit('error', { phase: 'resync', error: describe(err) });
        this.resyncError = { error: err };
        this.interruptWatch?.();
        return;
      }
      this.resyncTimer = this.clock.setTimer(tick, this.resyncPeriodMs);
    };
    this.resyncTimer = this.clock.setTimer(tick, this.resyncPeriodMs);
  }

  private stopResync(): void {
    this.resyncTimer?.cancel();
    this.resyncTimer = undefined;
    this.resyncError = undefined;
  }

  private emit(action: string, data: Record<string, unknown>, key?: string): void {
    if (!this.tracer) return;
    const event = { component: 'reflector', action, data: { reflector: this.name, ...data }, at: this.clock.now() };
    safeEmit(this.tracer, key === undefined ? event : { ...event, key });
  }
}

/**
 * Ends a wait on a watch when the run's signal aborts, nothing arrives for `idleMs`, or the reflector
 * interrupts it (a failed resync). `until()` gives a
 * fresh promise per wait: racing each event against one long-lived promise would pile a reaction onto it
 * per event for the whole life of the watch. An event only notes its time: the one idle timer, when it
 * fires early, sleeps again for the rest (no timer made and cancelled per event of a busy stream).
 */
class WatchGuard {
  reason: 'abort' | 'idle' | 'interrupt' | undefined;
  private wake: () => void = () => {};
  private idleTimer: TimerHandle | undefined;
  private lastEventAt: number;
  private readonly signal: AbortSignal;
  private readonly clock: Clock;
  private readonly idleMs: number;
  private readonly onStop: () => void;
  private readonly onAbort = () => this.stop('abort');

  constructor(signal: AbortSignal, clock: Clock, idleMs: number, onStop: () => void) {
    this.signal = signal;
    this.clock = clock;
    this.idleMs = idleMs;
    this.onStop = onStop;
    this.lastEventAt = clock.now();
    signal.addEventListener('abort', this.onAbort, { once: true });
    if (signal.aborted) this.onAbort();
    this.arm();
  }

  until(): Promise<'stop'> {
    if (this.reason) return Promise.resolve('stop');
    return new Promise((resolve) => {
      this.wake = () => resolve('stop');
    });
  }

  /** Restarts the idle countdown (after every event). */
  arm(): void {
    this.lastEventAt = this.clock.now();
    if (!this.idleTimer && this.idleMs > 0 && !this.reason) this.sleep(this.idleMs);
  }

  private sleep(ms: number): void {
    this.idleTimer = this.clock.setTimer(() => {
      this.idleTimer = undefined;
      const quiet = this.clock.now() - this.lastEventAt;
      if (quiet >= this.idleMs) this.stop('idle');
      else if (!this.reason) this.sleep(this.idleMs - quiet);
    }, ms);
  }

  /** Ends the wait from outside (a failed resync). */
  interrupt(): void {
    this.stop('interrupt');
  }

  dispose(): void {
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    this.signal.removeEventListener('abort', this.onAbort);
  }

  private stop(reason: 'abort' | 'idle' | 'interrupt'): void {
    this.reason ??= reason;
    this.idleTimer?.cancel();
    // Wake first: whoever waits must see the stop before the closed stream's own ending.
    this.wake();
    try {
      this.onStop();
    } catch {
      // closing is best effort
    }
  }
}

function applyToTemporary<T extends KubeObject>(items: Map<string, T>, event: WatchEvent<T>, transform: ((obj: T) => T) | undefined): void {
  const key = deletionHandlingMetaNamespaceKeyFunc(event.object);
  if (event.type === 'DELETED') items.delete(key);
  else if (event.type === 'ADDED' || event.type === 'MODIFIED') items.set(key, transform ? transform(event.object) : event.object);
}

function transformerOf<T>(store: ReflectorStore<T>): ((obj: T) => T) | undefined {
  const s = store as Partial<TransformingStore<T>>;
  return typeof s.transformer === 'function' ? s.transformer() : undefined;
}

function closeQuietly<T extends KubeObject>(open: Pick<OpenWatch<T>, 'stream' | 'request'>): void {
  try {
    open.stream.close();
  } catch {
    // closing is best effort
  }
  open.request.abort();
}

function codeOf(err: unknown): number | undefined {
  return err instanceof ApiStatusError ? err.code : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
