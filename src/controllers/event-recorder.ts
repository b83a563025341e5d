/**
 * An EventRecorder in the manner of client-go's record package: controllers call `event(obj, type, reason,
 * message)` and move on; the recorder writes a core/v1 Event about `obj` in the background.
 *
 * Like client-go's event correlator (in simple form), a repeat of an identical event (same source, object,
 * type, reason and message) does not create a new Event: the existing one gets its `count` bumped and its
 * `lastTimestamp` moved with a PATCH. The recorder remembers up to `maxCacheEntries` events (least recently
 * used are forgotten). It does not aggregate similar events with different messages, nor filter spam.
 *
 * Recording is best effort: a failure is logged and never reaches the controller.
 */
import type { KubeClient } from '../core/client.ts';
import { BUILTIN_RESOURCES, resourcePath } from '../core/resources.ts';
import { ApiStatusError } from '../machinery/errors.ts';
import type { KubeObject } from '../machinery/cache/list-watch.ts';

/** Structured logging for controllers, in the spirit of klog's `logger.Info(msg, key, value...)`. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const noopLogger: Logger = { info() {}, error() {} };

export type EventType = 'Normal' | 'Warning';

/** The Event fields we write (core/v1 Event). */
export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  // Undefined fields are left out when the event is serialised.
  involvedObject: {
    apiVersion?: string | undefined;
    kind?: string | undefined;
    name?: string | undefined;
    namespace?: string | undefined;
    uid?: string | undefined;
    resourceVersion?: string | undefined;
  };
  reason: string;
  message: string;
  type: EventType;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

export interface EventRecorderOptions {
  /** The source component named on every event, e.g. 'sample-controller'. */
  component: string;
  /** The source host (client-go puts the node or pod name here). */
  host?: string;
  logger?: Logger;
  /** Wall clock for event timestamps. */
  now?: () => Date;
  /** How many distinct events are remembered for deduplication. Default 4096, as client-go. */
  maxCacheEntries?: number;
}

export interface EventRecorderStats {
  /** Events recorded by callers. */
  recorded: number;
  /** POSTs of new Events attempted. */
  created: number;
  /** PATCHes of repeated Events attempted. */
  patched: number;
  /** Writes that failed (logged and dropped). */
  failed: number;
}

interface Entry {
  /** The Event's name once created. */
  name: string | undefined;
  namespace: string;
  count: number;
  firstTimestamp: string;
  /** Writes for one event are made in order, each after the previous finished. */
  chain: Promise<void>;
}

const EVENTS = BUILTIN_RESOURCES.events;

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly component: string;
  private readonly host: string;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Set<Promise<void>>();
  private seq = 0;
  private readonly counters: EventRecorderStats = { recorded: 0, created: 0, patched: 0, failed: 0 };

  constructor(client: KubeClient, options: EventRecorderOptions) {
    this.client = client;
    this.component = options.component;
    this.host = options.host ?? '';
    this.logger = options.logger ?? noopLogger;
    this.now = options.now ?? (() => new Date());
    this.maxEntries = options.maxCacheEntries ?? 4096;
  }

  /** Records an event about `obj`. Returns at once; the write happens in the background (see `flush`). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.counters.recorded++;
    const meta = obj.metadata ?? {};
    const involvedObject = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
    };
    const objectName = `${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '?'}`;
    this.logger.info(`event ${type} ${reason}: ${message}`, { object: objectName, kind: obj.kind });

    // The resourceVersion is left out of the key: the same event about a newer version is still a repeat.
    const key = [
      this.component,
      this.host,
      involvedObject.apiVersion,
      involvedObject.kind,
      involvedObject.namespace,
      involvedObject.name,
      involvedObject.uid,
      type,
      reason,
      message,
    ].join('\u0000');
    const timestamp = rfc3339(this.now());
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-inserted below: most recently used last
    } else {
      entry = { name: undefined, namespace: meta.namespace || 'default', count: 0, firstTimestamp: timestamp, chain: Promise.resolve() };
      this.evictIfFull();
    }
    this.entries.set(key, entry);
    entry.count++;
    const e = entry;
    const base = { involvedObject, reason, message, type };
    const count = entry.count;
    const write = e.chain.then(() => this.write(e, base, count, timestamp));
    e.chain = write;
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  /** Resolves once every event recorded so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  stats(): EventRecorderStats {
    return { ...this.counters };
  }

  /** API requests made so far (each POST and PATCH attempted). */
  requests(): number {
    return this.counters.created + this.counters.patched;
  }

  private async write(entry: Entry, base: Pick<CoreEvent, 'involvedObject' | 'reason' | 'message' | 'type'>, count: number, timestamp: string): Promise<void> {
    try {
      if (entry.name !== undefined) {
        try {
          this.counters.patched++;
          await this.client.request({
            method: 'PATCH',
            path: resourcePath(EVENTS, { namespace: entry.namespace, name: entry.name }),
            contentType: 'application/merge-patch+json',
            body: { count, lastTimestamp: timestamp, message: base.message },
          });
          return;
        } catch (err) {
          // The Event expired (events live an hour by default) or was deleted: create it again, with the
          // count so far, as client-go does.
          if (!(err instanceof ApiStatusError && err.code === 404)) throw err;
          entry.name = undefined;
        }
      }
      const event: CoreEvent = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: this.eventName(base.involvedObject.name ?? 'object'), namespace: entry.namespace },
        ...base,
        source: this.host ? { component: this.component, host: this.host } : { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.host,
        firstTimestamp: entry.firstTimestamp,
        lastTimestamp: timestamp,
        count,
      };
      this.counters.created++;
      const res = await this.client.request<CoreEvent>({ method: 'POST', path: resourcePath(EVENTS, { namespace: entry.namespace }), body: event });
      entry.name = res.body.metadata?.name ?? event.metadata.name;
    } catch (err) {
      this.counters.failed++;
      this.logger.error('could not record event (dropped)', {
        reason: base.reason,
        object: `${base.involvedObject.namespace ?? ''}/${base.involvedObject.name ?? ''}`,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** `<object>.<hex nanoseconds>`, as client-go names events; a sequence number keeps same-millisecond names apart. */
  private eventName(objectName: string): string {
    const nanos = BigInt(this.now().getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return `${objectName}.${nanos.toString(16)}`;
  }

  private evictIfFull(): void {
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.entries.delete(oldest.value);
    }
  }
}

/** Kubernetes timestamps have whole seconds: 2026-01-02T03:04:05Z. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
