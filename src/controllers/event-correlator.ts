/**
 * EventCorrelator: what client-go's record package does to every event before it reaches the API server
 * (tools/record/events_cache.go, v0.36), so a controller that reports the same thing over and over costs
 * the server almost nothing:
 * - aggregation: the 10th distinct message for the same object, type and reason within 10 minutes (and
 *   every one after, while they keep coming) becomes one event "(combined from similar events): <message>";
 * - counting: a repeat of an identical event patches the existing Event's count and lastTimestamp instead of
 *   creating a new one;
 * - spam filter: per source and object (and type), a token bucket of 25 events refilled at 1 per 300 s (as
 *   client-go's: a float32 rate, golang.org/x/time/rate's arithmetic); an event with no token is dropped (it
 *   still counts, so the next one written carries the true count).
 * The clock is read once to aggregate an event (a combined event's timestamps and name take that reading)
 * and once to spam-filter it, as client-go reads it.
 * Caches hold 4096 entries each (client-go's LRUCacheSize), least recently used forgotten. Cache keys join
 * their fields with nothing between them, as client-go's do (so "Fail"+"edX" and "Failed"+"X" share a key).
 * Deliberate difference: when the aggregation set is full, client-go drops an arbitrary message from it (Go's
 * map order); we drop the oldest.
 */
import type { CoreEvent } from './event-recorder.ts';

export const MAX_CACHE_ENTRIES = 4096;
export const AGGREGATE_MAX_EVENTS = 10;
export const AGGREGATE_INTERVAL_MS = 600_000;
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
export const AGGREGATE_MESSAGE_PREFIX = '(combined from similar events): ';

/** The fields a repeat PATCHes, as client-go's two-way merge patch has them: an empty message is left out. */
export type EventPatch = Pick<CoreEvent, 'count' | 'lastTimestamp'> & { message?: string };

/** What to do with an event after correlation. */
export type Correlation =
  | { skip: true }
  | {
      skip: false;
      event: CoreEvent;
      /** Set when the Event exists already: the fields to PATCH. */
      patch?: EventPatch;
      aggregated: boolean;
    };

interface Observation {
  count: number;
  firstTimestamp: string;
  name: string;
  resourceVersion: string | undefined;
}

/** Filters, aggregates and counts events (client-go's EventCorrelator with its default options). */
export class EventCorrelator {
  private readonly now: () => Date;
  private readonly aggregates: Lru<{ messages: Set<string>; lastMs: number }>;
  private readonly observations: Lru<Observation>;
  private readonly buckets: Lru<TokenBucket>;

  private readonly nanos: (now: Date) => bigint;

  /** `nanos` gives the nanosecond stamp of a combined event's name: distinct for events made in one millisecond. */
  constructor(now: () => Date, cacheSize = MAX_CACHE_ENTRIES, nanos: (now: Date) => bigint = (d) => BigInt(d.getTime()) * 1_000_000n) {
    this.now = now;
    this.nanos = nanos;
    this.aggregates = new Lru(cacheSize);
    this.observations = new Lru(cacheSize);
    this.buckets = new Lru(cacheSize);
  }

  /** Correlates a freshly made event (count 1, its own name and timestamps). */
  correlate(event: CoreEvent): Correlation {
    const { event: aggregate, key, aggregated } = this.aggregate(event);
    const { event: observed, patch } = this.observe(aggregate, key);
    if (!this.allow(observed)) return { skip: true };
    return patch ? { skip: false, event: observed, patch, aggregated } : { skip: false, event: observed, aggregated };
  }

  /** Records what the server answered (its name, count, resourceVersion), as client-go's UpdateState. */
  updateState(event: CoreEvent): void {
    this.observations.set(eventKey(event), {
      count: event.count,
      firstTimestamp: event.firstTimestamp,
      name: event.metadata.name,
      resourceVersion: event.metadata.resourceVersion,
    });
  }

  /** client-go's EventAggregator.EventAggregate with EventAggregatorByReasonFunc. */
  private aggregate(event: CoreEvent): { event: CoreEvent; key: string; aggregated: boolean } {
    // One reading: the window, the combined event's timestamps and its name all take it, as client-go's do.
    const now = this.now();
    const nowMs = now.getTime();
    const aggregateKey = join(...sourceObjectType(event), event.reason, event.reportingComponent, event.reportingInstance);
    let record = this.aggregates.get(aggregateKey);
    if (!record || nowMs - record.lastMs > AGGREGATE_INTERVAL_MS) record = { messages: new Set(), lastMs: nowMs };
    record.messages.delete(event.message); // re-inserted: most recent last
    record.messages.add(event.message);
    record.lastMs = nowMs;
    this.aggregates.set(aggregateKey, record);
    if (record.messages.size < AGGREGATE_MAX_EVENTS) return { event, key: eventKey(event), aggregated: false };
    // Keep the set below the threshold, so every further distinct message is aggregated too.
    const oldest = record.messages.values().next().value;
    if (oldest !== undefined) record.messages.delete(oldest);
    const stamp = rfc3339(now);
    // Built field by field as client-go's: the reporting controller and instance are left empty.
    const combined: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${event.involvedObject.name ?? ''}.${this.nanos(now).toString(16)}`, namespace: event.metadata.namespace },
      involvedObject: event.involvedObject,
      reason: event.reason,
      message: AGGREGATE_MESSAGE_PREFIX + event.message,
      type: event.type,
      source: event.source,
      reportingComponent: '',
      reportingInstance: '',
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    };
    return { event: combined, key: aggregateKey, aggregated: true };
  }

  /** client-go's eventLogger.eventObserve: a repeat takes the first occurrence's name and counts on. */
  private observe(event: CoreEvent, key: string): { event: CoreEvent; patch?: EventPatch } {
    const last = this.observations.get(key);
    let observed = event;
    let patch: EventPatch | undefined;
    if (last && last.count > 0) {
      const metadata: CoreEvent['metadata'] = { name: last.name, namespace: event.metadata.namespace };
      if (last.resourceVersion !== undefined) metadata.resourceVersion = last.resourceVersion;
      observed = { ...event, metadata, firstTimestamp: last.firstTimestamp, count: last.count + 1 };
      patch = { count: observed.count, lastTimestamp: observed.lastTimestamp };
      // The patch is the difference from an Event with no message: an empty one is no difference.
      if (observed.message) patch.message = observed.message;
    }
    this.observations.set(key, {
      count: observed.count,
      firstTimestamp: observed.firstTimestamp,
      name: observed.metadata.name,
      resourceVersion: observed.metadata.resourceVersion,
    });
    return patch ? { event: observed, patch } : { event: observed };
  }

  /** client-go's EventSourceObjectSpamFilter: one token bucket per source, object and type. */
  private allow(event: CoreEvent): boolean {
    const spamKey = join(...sourceObjectType(event));
    const nowMs = this.now().getTime();
    const bucket = this.buckets.get(spamKey) ?? new TokenBucket(SPAM_BURST, SPAM_QPS, nowMs);
    this.buckets.set(spamKey, bucket);
    return bucket.tryAccept(nowMs);
  }
}

/**
 * A token bucket as client-go's spam filter has it (flowcontrol over golang.org/x/time/rate's Limiter.Allow):
 * starts full, refills continuously up to the burst. Its arithmetic is rate's, so the same events pass at
 * the same instants: the rate is a float32 (client-go's QPS type; 1/300 becomes a little more), elapsed time
 * is counted in whole seconds plus nanoseconds, and an event whose missing token would arrive in less than
 * a nanosecond passes. A wall clock set back adds no tokens and loses none (Go's monotonic clock never goes
 * back).
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  private readonly burst: number;
  private readonly rate: number;

  constructor(burst: number, qps: number, nowMs: number) {
    this.burst = burst;
    this.rate = Math.fround(qps);
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  tryAccept(nowMs: number): boolean {
    const elapsedMs = Math.max(0, nowMs - this.lastMs);
    const wholeSeconds = Math.floor(elapsedMs / 1000);
    const seconds = wholeSeconds + Math.round((elapsedMs - wholeSeconds * 1000) * 1e6) / 1e9;
    const left = Math.min(this.burst, this.tokens + seconds * this.rate) - 1;
    if (left < 0 && Math.trunc((-left / this.rate) * 1e9) > 0) return false;
    this.tokens = left;
    this.lastMs = Math.max(this.lastMs, nowMs);
    return true;
  }
}

/** getEventKey: everything that makes two events identical. */
function eventKey(event: CoreEvent): string {
  const o = event.involvedObject;
  return join(
    event.source.component,
    event.source.host ?? '',
    o.kind,
    o.namespace,
    o.name,
    o.fieldPath,
    o.uid,
    o.apiVersion,
    event.type,
    event.reason,
    event.message,
  );
}

/** The source, the object and the event type: the spam key, and the start of the aggregation key. */
function sourceObjectType(event: CoreEvent): (string | undefined)[] {
  const o = event.involvedObject;
  return [event.source.component, event.source.host ?? '', o.kind, o.namespace, o.name, o.uid, o.apiVersion, event.type];
}

function join(...parts: (string | undefined)[]): string {
  return parts.map((p) => p ?? '').join('');
}

/** Kubernetes timestamps have whole seconds: 2026-01-02T03:04:05Z. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A least-recently-used map of bounded size (k8s.io/utils/lru). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) return;
      this.map.delete(oldest.value);
    }
  }
}
