/**
 * An EventRecorder in the manner of client-go's record package (tools/record/event.go, v0.36): controllers
 * call `event(obj, type, reason, message)` and move on; the recorder writes a core/v1 Event about `obj` in
 * the background, one event at a time in the order recorded, after the EventCorrelator (event-correlator.ts)
 * has aggregated, counted and spam-filtered it. As recordToSink: an event counted more than once is a
 * strategic-merge PATCH of count, lastTimestamp and message (an empty message left out, as client-go's patch
 * has it; a CREATE again if the Event is gone, 404); a first one is a CREATE; the server's answer updates the
 * correlator. An API error (any Status) abandons the event; a transport error, or a 2xx answer that is no
 * JSON object (client-go cannot decode one), is retried, up to 12 tries, 10 s apart (the first wait
 * randomized).
 * Recording is best effort: a failure is logged and never reaches the controller. At most 1000 events wait
 * to be written; more are dropped and logged (client-go's broadcaster queue). An event type other than
 * Normal or Warning is logged and not recorded, and an event whose `<object>.<hex>` name is not a valid DNS
 * subdomain is named by a random UUID instead (client-go's ValidateEventType and GenerateEventName).
 * `shutDown()` is client-go's broadcaster Shutdown: later events are dropped, a retry wait in progress ends
 * and abandons its event with no further try, and events still queued get one try each (ours writes them;
 * client-go's watcher may stop before it reaches them).
 */
import type { KubeClient } from '../core/client.ts';
import { BUILTIN_RESOURCES, resourcePath } from '../core/resources.ts';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../machinery/clock.ts';
import { realClock } from '../machinery/clock.ts';
import { ApiStatusError } from '../machinery/errors.ts';
import type { KubeObject } from '../machinery/cache/list-watch.ts';
import { EventCorrelator, rfc3339, type EventPatch } from './event-correlator.ts';

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
    fieldPath?: string | undefined;
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
  /** Wall clock for event timestamps and correlation (aggregation window, spam filter). */
  now?: () => Date;
  /** Timer for the waits between retries. Default the real clock. */
  clock?: Clock;
  /** Random numbers in [0, 1) for the first retry wait. Default Math.random. */
  random?: () => number;
  /** Entries per correlation cache. Default 4096, as client-go. */
  maxCacheEntries?: number;
}

export interface EventRecorderStats {
  /** Events recorded by callers. */
  recorded: number;
  /** CREATEs attempted. */
  created: number;
  /** PATCHes attempted. */
  patched: number;
  /** Events dropped by the spam filter (no request made). */
  skipped: number;
  /** Events written as part of a "(combined from similar events)" aggregate. */
  aggregated: number;
  /** Events abandoned after an API error or too many transport errors, or dropped from a full queue (logged). */
  failed: number;
}

/** client-go's maxTriesPerEvent, defaultSleepDuration and maxQueuedEvents. */
export const MAX_TRIES_PER_EVENT = 12;
export const RETRY_SLEEP_MS = 10_000;
export const MAX_QUEUED_EVENTS = 1000;

const EVENTS = BUILTIN_RESOURCES.events;

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly component: string;
  private readonly host: string;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly correlator: EventCorrelator;
  private readonly queue: CoreEvent[] = [];
  private worker: Promise<void> | undefined;
  private seq = 0;
  /** Aborted by shutDown(): ends a retry wait. */
  private readonly stopping = new AbortController();
  private readonly counters: EventRecorderStats = { recorded: 0, created: 0, patched: 0, skipped: 0, aggregated: 0, failed: 0 };

  constructor(client: KubeClient, options: EventRecorderOptions) {
    this.client = client;
    this.component = options.component;
    this.host = options.host ?? '';
    this.logger = options.logger ?? noopLogger;
    this.now = options.now ?? (() => new Date());
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.correlator = new EventCorrelator(this.now, options.maxCacheEntries, (now) => this.nanos(now));
  }

  /** Records an event about `obj`. Returns at once; the write happens in the background (see `flush`). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const meta = obj.metadata ?? {};
    const objectName = `${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '?'}`;
    // The type is checked at run time too: a caller in JavaScript (or with a cast) can pass anything.
    if (type !== 'Normal' && type !== 'Warning') {
      this.logger.error('unsupported event type, not recorded', { eventType: String(type), reason, object: objectName });
      return;
    }
    if (this.stopping.signal.aborted) {
      this.logger.error('could not record event: the recorder is shut down', { reason, object: objectName });
      return;
    }
    this.counters.recorded++;
    this.logger.info(`event ${type} ${reason}: ${message}`, { object: objectName, kind: obj.kind });
    if (this.queue.length >= MAX_QUEUED_EVENTS) {
      this.counters.failed++;
      this.logger.error('could not record event: too many queued events, dropped', { reason, object: objectName });
      return;
    }
    this.queue.push(this.makeEvent(obj, type, reason, message));
    this.worker ??= this.drain().finally(() => {
      this.worker = undefined;
    });
  }

  /** Resolves once every event recorded so far has been written, skipped or abandoned. */
  async flush(): Promise<void> {
    while (this.worker) await this.worker;
  }

  /** Stops recording: see the module comment. Call `flush()` to wait for the last writes. */
  shutDown(): void {
    this.stopping.abort();
  }

  stats(): EventRecorderStats {
    return { ...this.counters };
  }

  /** API requests made so far (each CREATE and PATCH attempted). */
  requests(): number {
    return this.counters.created + this.counters.patched;
  }

  /** client-go's makeEvent: count 1, both timestamps now, named `<object>.<hex nanoseconds>`. */
  private makeEvent(obj: KubeObject, type: EventType, reason: string, message: string): CoreEvent {
    const meta = obj.metadata ?? {};
    const involvedObject: CoreEvent['involvedObject'] = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
    };
    const now = this.now();
    const stamp = rfc3339(now);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: this.eventName(meta.name ?? '', now), namespace: meta.namespace || 'default' },
      involvedObject,
      reason,
      message,
      type,
      source: this.host ? { component: this.component, host: this.host } : { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.host,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    };
  }

  /** One event at a time, in order: correlation reads what the previous write taught it. */
  private async drain(): Promise<void> {
    for (let event = this.queue.shift(); event; event = this.queue.shift()) {
      try {
        await this.recordToSink(event);
      } catch (err) {
        // recordToSink handles its own failures; this is a bug, and must not stop the queue.
        this.counters.failed++;
        this.logger.error('could not record event (dropped)', { reason: event.reason, error: describe(err) });
      }
    }
  }

  private async recordToSink(event: CoreEvent): Promise<void> {
    const result = this.correlator.correlate(event);
    if (result.skip) {
      this.counters.skipped++;
      return;
    }
    if (result.aggregated) this.counters.aggregated++;
    for (let tries = 1; ; tries++) {
      const outcome = await this.write(result.event, result.patch);
      if (outcome !== 'retry') return;
      if (tries >= MAX_TRIES_PER_EVENT) return this.abandon(event, 'retry limit exceeded');
      if (this.stopping.signal.aborted) return this.abandon(event, 'the recorder is shut down');
      // The first wait is randomized so clients do not all come back at once after an outage.
      try {
        await this.clock.sleep(tries === 1 ? RETRY_SLEEP_MS * this.random() : RETRY_SLEEP_MS, this.stopping.signal);
      } catch {
        // Shut down while waiting: given up at once, without another try, as client-go does.
        return this.abandon(event, 'the recorder is shut down');
      }
    }
  }

  private abandon(event: CoreEvent, why: string): void {
    this.counters.failed++;
    this.logger.error(`could not record event: ${why} (dropped)`, { reason: event.reason, object: objectOf(event) });
  }

  /** client-go's recordEvent: PATCH a repeat (CREATE if it is gone), CREATE a first. 'retry' on transport errors. */
  private async write(event: CoreEvent, patch: EventPatch | undefined): Promise<'done' | 'retry'> {
    try {
      let written: unknown;
      let create = !(patch && event.count > 1);
      if (!create) {
        try {
          this.counters.patched++;
          const res = await this.client.request<unknown>({
            method: 'PATCH',
            path: resourcePath(EVENTS, { namespace: event.metadata.namespace, name: event.metadata.name }),
            contentType: 'application/strategic-merge-patch+json',
            body: patch,
          });
          written = decodable(res.body);
        } catch (err) {
          // The Event expired (events live an hour by default) or was deleted: create it again, with the count so far.
          if (!(err instanceof ApiStatusError && err.code === 404)) throw err;
          create = true;
        }
      }
      if (create) {
        const { resourceVersion: _rv, ...metadata } = event.metadata;
        this.counters.created++;
        const res = await this.client.request<unknown>({
          method: 'POST',
          path: resourcePath(EVENTS, { namespace: event.metadata.namespace }),
          body: { ...event, metadata },
        });
        written = decodable(res.body);
      }
      this.correlator.updateState(isEvent(written) ? written : event);
      return 'done';
    } catch (err) {
      const apiError = err instanceof ApiStatusError;
      if (apiError) this.counters.failed++;
      this.logger.error(apiError ? 'could not record event: the server rejected it (will not retry)' : 'could not record event (may retry after sleeping)', {
        reason: event.reason,
        object: objectOf(event),
        error: describe(err),
      });
      return apiError ? 'done' : 'retry';
    }
  }

  /**
   * `<object>.<hex nanoseconds>`, as client-go names events, or a random UUID when that is no valid name (too
   * long, or the object's name is not a DNS subdomain: kubernetes/kubernetes#127594).
   */
  private eventName(objectName: string, now: Date): string {
    const name = `${objectName}.${this.nanos(now).toString(16)}`;
    return name.length <= 253 && DNS_SUBDOMAIN.test(name) ? name : randomUUID();
  }

  /** Nanoseconds of `now`; a sequence number in the sub-millisecond digits keeps same-millisecond names apart. */
  private nanos(now: Date): bigint {
    return BigInt(now.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A 2xx answer that is no JSON object (empty, or not JSON) is an error that is retried, as client-go's
 * decoder fails on it; a JSON object is taken, whatever its fields.
 */
function decodable(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('the answer is no object, cannot be read as an Event');
  return body;
}

function isEvent(body: unknown): body is CoreEvent {
  const e = body as Partial<CoreEvent> | undefined;
  return typeof e?.metadata?.name === 'string' && typeof e.count === 'number' && typeof e.message === 'string';
}

function objectOf(event: CoreEvent): string {
  return `${event.involvedObject.namespace ?? ''}/${event.involvedObject.name ?? ''}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
