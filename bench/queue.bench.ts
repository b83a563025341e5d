/**
 * Throughput of the work queue: add/get/done cycles per second with 1 and 8 concurrent async workers on
 * the real clock. Prints one JSON line per measurement.
 *
 * There is nothing to compare against: @kubernetes/client-node has no workqueue (nor do the other JS
 * operator libraries listed in the reference notes), so these numbers only track our own queue over time.
 *
 * Run: node bench/queue.bench.ts   (Node 24; optional env BENCH_MS per measurement, default 2000)
 */
import { newQueue, type Queue } from '../src/machinery/workqueue/index.ts';

const MEASURE_MS = Number(process.env.BENCH_MS ?? 2000);
const WARMUP_MS = 300;
const KEYS = 1000;

/** Each worker takes an item, marks it done, and adds it again: one cycle = add + get + done. */
async function worker(q: Queue<string>, deadline: number, counter: { cycles: number }): Promise<void> {
  for (;;) {
    const r = await q.get();
    if (r.shutdown) return;
    q.done(r.item);
    counter.cycles++;
    // Reading the time on every cycle would dominate; the deadline only needs coarse checks.
    if ((counter.cycles & 1023) === 0 && performance.now() >= deadline) {
      q.shutDown();
      return;
    }
    q.add(r.item);
  }
}

async function measure(workers: number, ms: number): Promise<number> {
  const q = newQueue<string>();
  for (let i = 0; i < KEYS; i++) q.add(`ns/item-${i}`);
  const counter = { cycles: 0 };
  const start = performance.now();
  await Promise.all(Array.from({ length: workers }, () => worker(q, start + ms, counter)));
  const elapsed = performance.now() - start;
  return (counter.cycles * 1000) / elapsed;
}

for (const workers of [1, 8]) {
  await measure(workers, WARMUP_MS);
  const opsPerSec = await measure(workers, MEASURE_MS);
  console.log(JSON.stringify({ bench: 'queue', workers, opsPerSec: Math.round(opsPerSec) }));
}
