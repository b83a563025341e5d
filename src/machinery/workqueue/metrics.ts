/**
 * Optional hooks a queue calls as it works, mirroring the numbers client-go's workqueue exports (depth,
 * adds, queue latency, work duration, retries, unfinished work). Every hook is optional; a queue given no
 * metrics calls nothing. Hooks must be cheap; a hook that throws is ignored so metrics can never break a
 * controller. Times are milliseconds of the queue's Clock. As in client-go, only a named queue reports them,
 * and unfinished work is reported until the queue shuts down.
 */
export interface QueueMetrics {
  /**
   * The number of items added and not yet taken changed: `len()`, plus held items added again (client-go's
   * depth gauge counts those from their add, not from the `done` that queues them).
   */
  depth?(depth: number): void;
  /** An add was accepted (the item was not already waiting). */
  added?(): void;
  /** How long an item waited between being added and a worker taking it. */
  queueLatency?(ms: number): void;
  /** How long a worker held an item, from `get` to `done`. */
  workDuration?(ms: number): void;
  /** `addAfter` (so also `addRateLimited`) was called on a delaying queue that is not shutting down, as client-go counts. */
  retry?(): void;
  /**
   * Reported periodically while items are being processed: the summed time the items currently held by
   * workers have been held, and the longest of them. A growing value points at a stuck worker.
   */
  unfinishedWork?(totalMs: number, longestMs: number): void;
}

export const noopQueueMetrics: QueueMetrics = {};

/** How often a queue with an `unfinishedWork` hook reports it, as client-go does. */
export const UNFINISHED_WORK_UPDATE_PERIOD_MS = 500;

/** Keeps every reported value in memory; for tests and for lessons that summarise a run. */
export class RecordingQueueMetrics implements Required<QueueMetrics> {
  readonly depths: number[] = [];
  adds = 0;
  readonly queueLatencies: number[] = [];
  readonly workDurations: number[] = [];
  retries = 0;
  readonly unfinished: { totalMs: number; longestMs: number }[] = [];

  depth(depth: number): void {
    this.depths.push(depth);
  }
  added(): void {
    this.adds++;
  }
  queueLatency(ms: number): void {
    this.queueLatencies.push(ms);
  }
  workDuration(ms: number): void {
    this.workDurations.push(ms);
  }
  retry(): void {
    this.retries++;
  }
  unfinishedWork(totalMs: number, longestMs: number): void {
    this.unfinished.push({ totalMs, longestMs });
  }
}
