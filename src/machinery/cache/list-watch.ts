/**
 * The two API calls a reflector needs, abstracted from the transport. The real implementation
 * (src/core/list-watch-client.ts) speaks HTTP to the API server; unit tests pass a scripted one.
 */

/** The fields of a Kubernetes object the machinery reads. Any API object satisfies it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    deletionTimestamp?: string | Date;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface ListOptions {
  resourceVersion?: string | undefined;
  /** 'NotOlderThan' | 'Exact' as the API defines; omitted means the server's default. */
  resourceVersionMatch?: string | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface ListResult<T extends KubeObject = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

export interface WatchOptions {
  resourceVersion?: string | undefined;
  /** 'NotOlderThan' for a watch-list (required with sendInitialEvents); omitted otherwise. */
  resourceVersionMatch?: string | undefined;
  allowWatchBookmarks?: boolean | undefined;
  /**
   * Watch-list: the server first sends the current state as ADDED events, then a BOOKMARK annotated
   * `k8s.io/initial-events-end: "true"`, then the changes, all on this one stream.
   */
  sendInitialEvents?: boolean | undefined;
  /** Server-side timeout of the watch, in seconds. */
  timeoutSeconds?: number | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  signal?: AbortSignal | undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** For ERROR events this is a Status object (code 410 = resource version too old). */
  object: T;
}

/**
 * An open watch: events arrive through the async iterator; iteration ends when the server closes the
 * stream, and throws on a transport error. `close()` ends it from our side.
 */
export interface WatchStream<T extends KubeObject = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  close(): void;
}

/** The annotation on the BOOKMARK that ends a watch-list's initial events. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

/**
 * A watch stream's bytes did not parse as an event, or its read failed in a way client-go reports as one (a
 * connection that stopped answering pings). Thrown from the stream's iterator; the reflector treats it as
 * client-go treats a decode error (an internal error: relist), unlike a broken connection (resume).
 */
export class WatchDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchDecodeError';
  }
}

export interface ListerWatcher<T extends KubeObject = KubeObject> {
  /** Rejects with an ApiStatusError (see src/machinery/errors.ts) for non-2xx answers. */
  list(options: ListOptions): Promise<ListResult<T>>;
  /** Resolves once the server accepted the watch (HTTP 200); rejects with an ApiStatusError otherwise. */
  watch(options: WatchOptions): Promise<WatchStream<T>>;
  /**
   * True when this transport cannot honour watch-list semantics (client-go's
   * IsWatchListSemanticsUnSupported, which its fake clients implement): the reflector then lists.
   */
  isWatchListSemanticsUnsupported?(): boolean;
}
