/**
 * What the machinery reports about itself. Components call `tracer.emit` at each step (a list, a watch
 * event, a delta queued or popped, an index update, a handler call, a queue add/get/done); the CLI's trace
 * mode renders the events. Emitting must be cheap and must never throw into the caller.
 */
export interface TraceEvent {
  /** Which part speaks: 'reflector', 'deltafifo', 'indexer', 'informer', 'processor', 'workqueue', ... */
  component: string;
  /** What it did, as a short verb phrase: 'listed', 'watch-event', 'queued', 'popped', 'handler-called'. */
  action: string;
  /** Object key or queue item, when there is one. */
  key?: string | undefined;
  /** Small structured details (counts, resource versions, delays). Never credentials. */
  data?: Record<string, unknown>;
  /** Clock time of the event in ms. */
  at: number;
}

export interface Tracer {
  emit(event: TraceEvent): void;
}

export const noopTracer: Tracer = { emit() {} };

/** Collects events in memory; used by tests and by lesson commands that summarise a run. */
export class RecordingTracer implements Tracer {
  readonly events: TraceEvent[] = [];
  emit(event: TraceEvent): void {
    this.events.push(event);
  }
}

/** Calls the tracer, swallowing its errors so a faulty renderer cannot break a controller. */
export function safeEmit(tracer: Tracer | undefined, event: TraceEvent): void {
  if (!tracer) return;
  try {
    tracer.emit(event);
  } catch {
    // tracing is best effort
  }
}
