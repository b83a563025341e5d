/**
 * A binary min-heap whose entries remember their position, so an entry already in the heap can be moved
 * after its key changes (`fix`) in O(log n). The delaying queue needs that to pull a waiting item's
 * deadline forward without a second entry for the same item.
 */
export interface HeapEntry {
  /** Position in the heap, maintained by the heap; -1 when not in it. */
  heapIndex: number;
}

export class MinHeap<E extends HeapEntry> {
  private readonly entries: E[] = [];
  private readonly less: (a: E, b: E) => boolean;

  /** `less(a, b)` must be a strict weak order; the smallest entry is at the top. */
  constructor(less: (a: E, b: E) => boolean) {
    this.less = less;
  }

  get size(): number {
    return this.entries.length;
  }

  peek(): E | undefined {
    return this.entries[0];
  }

  push(entry: E): void {
    entry.heapIndex = this.entries.length;
    this.entries.push(entry);
    this.up(entry.heapIndex);
  }

  pop(): E | undefined {
    const n = this.entries.length;
    if (n === 0) return undefined;
    const top = this.entries[0]!;
    const last = this.entries.pop()!;
    if (n > 1) {
      this.entries[0] = last;
      last.heapIndex = 0;
      this.down(0);
    }
    top.heapIndex = -1;
    return top;
  }

  /** Restores order after the key of `entry` (which must be in this heap) changed. */
  fix(entry: E): void {
    const i = entry.heapIndex;
    if (i < 0 || this.entries[i] !== entry) throw new Error('MinHeap.fix: entry is not in this heap');
    if (!this.down(i)) this.up(i);
  }

  /** The entries in heap (not sorted) order; a copy. */
  toArray(): E[] {
    return this.entries.slice();
  }

  clear(): void {
    for (const e of this.entries) e.heapIndex = -1;
    this.entries.length = 0;
  }

  private up(i: number): void {
    const a = this.entries;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i]!, a[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Sifts down; returns whether the entry moved. */
  private down(start: number): boolean {
    const a = this.entries;
    const n = a.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = left;
      const right = left + 1;
      if (right < n && this.less(a[right]!, a[left]!)) child = right;
      if (!this.less(a[child]!, a[i]!)) break;
      this.swap(i, child);
      i = child;
    }
    return i > start;
  }

  private swap(i: number, j: number): void {
    const a = this.entries;
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
    a[i].heapIndex = i;
    a[j].heapIndex = j;
  }
}
