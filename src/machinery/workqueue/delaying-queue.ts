import type { TimerHandle } from '../clock.ts';
import { MinHeap, type HeapEntry } from './heap.ts';
import { WorkQueue, type Queue, type QueueOptions, type QueueSnapshot } from './queue.ts';

/**
 * A Queue that can also add an item later. Guarantees, besides those of Queue:
 * - `addAfter(item, ms)` with `ms <= 0` is `add(item)`;
 * - otherwise the item is added once `ms` have passed on the queue's Clock, never earlier, and is never
 *   dropped while the queue runs (a timer that fires early is simply re-armed);
 * - an item already waiting keeps the earlier of its deadlines: a later deadline does not push it back,
 *   an earlier one pulls it forward;
 * - items whose deadlines pass together are added in deadline order (ties: order of first `addAfter`);
 * - shutting down cancels the timer and drops the waiting items.
 */
export interface DelayingQueue<T> extends Queue<T> {
  addAfter(item: T, delayMs: number): void;
}

/** One waiting item; `seq` keeps equal deadlines in the order the items started waiting. */
interface WaitingEntry<T> extends HeapEntry {
  item: T;
  readyAt: number;
  seq: number;
}

/**
 * The DelayingQueue implementation: waiting items sit in a min-heap by deadline, and a single Clock timer
 * is armed for the earliest one. Unlike client-go it needs no periodic heartbeat, because the timer is
 * re-armed whenever the earliest deadline changes and again after every firing.
 */
export class DelayingWorkQueue<T> extends WorkQueue<T> implements DelayingQueue<T> {
  private readonly waiting = new MinHeap<WaitingEntry<T>>((a, b) => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq));
  private readonly waitingByItem = new Map<T, WaitingEntry<T>>();
  private seq = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(opts: QueueOptions = {}) {
    super(opts);
  }

  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return this.emit('add-ignored-shutdown', item, { delayMs });
    this.metric((m) => m.retry?.());
    // Also catches NaN: a delay that is not positive means "now".
    if (!(delayMs > 0)) return this.add(item);
    const readyAt = this.clock.now() + delayMs;
    let entry = this.waitingByItem.get(item);
    if (!entry) {
      entry = { item, readyAt, seq: this.seq++, heapIndex: -1 };
      this.waitingByItem.set(item, entry);
      this.waiting.push(entry);
    } else if (readyAt < entry.readyAt) {
      entry.readyAt = readyAt;
      this.waiting.fix(entry);
    }
    this.emit('add-after', item, { delayMs, readyAt: entry.readyAt });
    this.armTimer();
  }

  override snapshot(): QueueSnapshot<T> {
    const waiting = this.waiting
      .toArray()
      .sort((a, b) => a.readyAt - b.readyAt || a.seq - b.seq)
      .map((e) => ({ item: e.item, readyAt: e.readyAt }));
    return { ...super.snapshot(), waiting };
  }

  protected override onShutDown(): void {
    this.cancelTimer();
    this.waiting.clear();
    this.waitingByItem.clear();
  }

  /**
   * Makes sure exactly one timer is set, no later than the earliest deadline. `minWaitMs` guarantees
   * progress after a timer fired early: re-arming for the sub-millisecond remainder could spin.
   */
  private armTimer(minWaitMs = 0): void {
    const head = this.waiting.peek();
    if (!head) return this.cancelTimer();
    if (this.timer && this.timerAt <= head.readyAt) return;
    this.cancelTimer();
    this.timerAt = head.readyAt;
    const wait = Math.max(minWaitMs, head.readyAt - this.clock.now());
    this.timer = this.clock.setTimer(() => this.onTimer(), wait);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    let fired = 0;
    for (let head = this.waiting.peek(); head && head.readyAt <= now; head = this.waiting.peek()) {
      this.waiting.pop();
      this.waitingByItem.delete(head.item);
      fired++;
      this.emit('ready', head.item, { readyAt: head.readyAt });
      this.add(head.item);
    }
    this.armTimer(fired === 0 ? 1 : 0);
  }
}

/** Creates a delaying queue. */
export function newDelayingQueue<T = string>(opts: QueueOptions = {}): DelayingQueue<T> {
  return new DelayingWorkQueue<T>(opts);
}
