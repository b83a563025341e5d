/**
 * Our work queue under the loads bench/go/queue-peer gives client-go's, in a process of its own; prints the
 * same JSON line. Scenarios (one op = one add + get + done):
 * - cycle: `keys` items; each worker takes one, marks it done and adds it back;
 * - waiting-get: an empty queue; a producer adds one key and waits until a worker, already waiting in
 *   get(), has taken it and marked it done (the cost of waking a waiting get);
 * - readd-held: each worker takes an item, adds it again while holding it, then marks it done (which is
 *   when the queue puts it back).
 * Workers are async functions on one thread, as every worker of ours is. A warm-up as long as the
 * measurement comes first on both sides.
 *
 *   node bench/queue-child.ts --scenario cycle --workers 8 --ms 1000 --keys 1000
 */
import { parseArgs } from 'node:util';
import { newQueue } from '../src/machinery/workqueue/index.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'cycle' },
    workers: { type: 'string', default: '1' },
    ms: { type: 'string', default: '1000' },
    keys: { type: 'string', default: '1000' },
  },
});
const scenario = values.scenario;
const workers = Number(values.workers);
const ms = Number(values.ms);
const keys = Number(values.keys);
const names = Array.from({ length: keys }, (_, i) => `ns/item-${i}`);

async function run(measureMs: number): Promise<{ ops: number; elapsed: number }> {
  const q = newQueue<string>();
  let ops = 0;
  const start = performance.now();
  const deadline = start + measureMs;
  const tick = () => (++ops & 1023) === 0 && performance.now() >= deadline;
  if (scenario === 'cycle' || scenario === 'readd-held') {
    const readd = scenario === 'readd-held';
    for (const k of names) q.add(k);
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (;;) {
          const r = await q.get();
          if (r.shutdown) return;
          if (readd) {
            q.add(r.item); // held: marked dirty, queued again by done
            q.done(r.item);
          } else {
            q.done(r.item);
            q.add(r.item);
          }
          if (tick()) q.shutDown();
        }
      }),
    );
  } else if (scenario === 'waiting-get') {
    let taken: () => void = () => {};
    const pool = Array.from({ length: workers }, async () => {
      for (;;) {
        const r = await q.get();
        if (r.shutdown) return;
        q.done(r.item);
        taken();
      }
    });
    for (let i = 0; ; i++) {
      const next = new Promise<void>((resolve) => (taken = resolve));
      q.add(names[i % keys]!);
      await next;
      if (tick()) break;
    }
    q.shutDown();
    await Promise.all(pool);
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  return { ops, elapsed: performance.now() - start };
}

await run(ms); // warm-up as long as the measurement: V8 needs it to optimise
const { ops, elapsed } = await run(ms);
console.log(JSON.stringify({ scenario, workers, ops, ms: elapsed, opsPerSec: (ops * 1000) / elapsed }));
