/**
 * SharedProcessor: the fan-out from one informer to its listeners, and the bookkeeping of which listeners
 * are due a resync.
 */
import type { Notification, ProcessorListener } from './processor-listener.ts';

/**
 * Guarantees:
 * - a non-sync notification goes to every listener; a sync one (a resync, or an update that did not change
 *   the resourceVersion) only to listeners that the last `shouldResync` found due (all of them until the
 *   first check);
 * - listeners added while running start delivering at once; a removed listener receives nothing more;
 * - `stop()` stops every listener and resolves when all delivery loops have ended.
 */
export class SharedProcessor<T> {
  /** listener -> whether it is taking part in the current resync */
  private readonly listeners = new Map<ProcessorListener<T>, boolean>();
  private readonly stopping = new Set<Promise<void>>();
  private started = false;

  addListener(listener: ProcessorListener<T>): void {
    this.listeners.set(listener, true);
    if (this.started) listener.run();
  }

  /** False when the listener was not registered. */
  removeListener(listener: ProcessorListener<T>): boolean {
    if (!this.listeners.delete(listener)) return false;
    const done = listener.stop();
    this.stopping.add(done);
    void done.finally(() => this.stopping.delete(done));
    return true;
  }

  has(listener: ProcessorListener<T>): boolean {
    return this.listeners.has(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  distribute(notification: Notification<T>, isSync: boolean): void {
    for (const [listener, syncing] of this.listeners) {
      if (!isSync || syncing) listener.add(notification);
    }
  }

  run(): void {
    this.started = true;
    for (const listener of this.listeners.keys()) listener.run();
  }

  async stop(): Promise<void> {
    this.started = false;
    const loops = [...this.listeners.keys()].map((l) => l.stop());
    this.listeners.clear();
    await Promise.all([...loops, ...this.stopping]);
  }

  /** Marks which listeners are due a resync now (and schedules their next one); true if any is. */
  shouldResync(now: number): boolean {
    let any = false;
    for (const listener of this.listeners.keys()) {
      const due = listener.shouldResync(now);
      this.listeners.set(listener, due);
      if (due) {
        any = true;
        listener.determineNextResync(now);
      }
    }
    return any;
  }

  /** Re-derives every listener's effective period after the informer's check period changed. */
  resyncCheckPeriodChanged(checkPeriodMs: number, derive: (requested: number, check: number) => number): void {
    for (const listener of this.listeners.keys()) {
      listener.setResyncPeriod(derive(listener.requestedResyncPeriodMs, checkPeriodMs));
    }
  }
}
