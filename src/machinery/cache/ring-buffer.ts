/**
 * An unbounded FIFO buffer over a circular array that doubles when full (client-go's RingGrowing). Each
 * informer listener keeps its pending notifications in one, so a slow handler only grows its own buffer.
 */

/**
 * Guarantees: items come out in the order they went in; writes never fail or block (the array grows);
 * reads and writes are O(1) amortised; read slots are cleared so delivered items can be collected. A ring
 * made with size 0 holds nothing until its first write, which gives it 16 slots (as k8s.io/utils' ring);
 * a negative or fractional size throws a RangeError (Go's make would panic).
 */
export class RingGrowing<T> {
  private data: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(initialSize = 1024) {
    if (!Number.isInteger(initialSize) || initialSize < 0) throw new RangeError(`ring size must be a whole number >= 0, got ${initialSize}`);
    this.data = new Array<T | undefined>(initialSize);
  }

  get length(): number {
    return this.count;
  }

  /** Current capacity (grows by doubling). */
  get capacity(): number {
    return this.data.length;
  }

  writeOne(item: T): void {
    if (this.count === this.data.length) this.grow();
    this.data[(this.start + this.count) % this.data.length] = item;
    this.count++;
  }

  /** The oldest item wrapped as `{ value }`, or undefined when empty (so T may itself include undefined). */
  readOne(): { value: T } | undefined {
    if (this.count === 0) return undefined;
    const value = this.data[this.start] as T;
    this.data[this.start] = undefined;
    this.start = (this.start + 1) % this.data.length;
    this.count--;
    return { value };
  }

  /** Drops every item. */
  clear(): void {
    this.data = new Array<T | undefined>(this.data.length);
    this.start = 0;
    this.count = 0;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.data.length === 0 ? emptyRingGrowth : this.data.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.data[(this.start + i) % this.data.length];
    this.data = next;
    this.start = 0;
  }
}

/** The size an empty ring grows to on its first write. */
const emptyRingGrowth = 16;
