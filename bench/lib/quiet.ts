/**
 * Waiting for a quiet machine before timing. The CLI case runs right after the private sandbox comes up,
 * while its controllers and kwok are still busy, and the informer case right after creating thousands of
 * pods, while the API server, etcd and the controllers still work through them; the timed processes then
 * compete for the CPU, and a single-threaded Node process loses more of its time than a Go one's several
 * threads. The wait reads the whole machine's idle share from /proc/stat, the same for every implementation
 * timed afterwards.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.ts';

/** The aggregate `cpu` line of /proc/stat: total and idle (idle + iowait) jiffies. */
export interface CpuTimes {
  total: number;
  idle: number;
}

/** Parses the first (`cpu `) line of a /proc/stat text. */
export function parseCpuTimes(stat: string): CpuTimes {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 5 || fields.some((f) => !Number.isFinite(f))) throw new Error(`unreadable /proc/stat cpu line: ${line}`);
  // user nice system idle iowait irq softirq steal (guest times are already inside user and nice)
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: fields[3]! + fields[4]! };
}

/** The share of CPU time spent idle between two readings, 0..1; 1 when no time passed. */
export function idleShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 1;
  return Math.min(1, Math.max(0, (after.idle - before.idle) / total));
}

const readCpuTimes = (): CpuTimes => parseCpuTimes(readFileSync('/proc/stat', 'utf8'));

/**
 * Waits until a whole `windowMs` window was at least `minIdle` idle, or `timeoutMs` passed; returns the last
 * window's idle share and whether it was reached. Without /proc/stat (not Linux) it returns at once, with an
 * unknown (NaN) idle share.
 */
export async function waitForQuietMachine(opts: { minIdle: number; windowMs: number; timeoutMs: number }): Promise<{ idle: number; quiet: boolean }> {
  let before: CpuTimes;
  try {
    before = readCpuTimes();
  } catch {
    return { idle: Number.NaN, quiet: false };
  }
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    await sleep(opts.windowMs);
    const after = readCpuTimes();
    const idle = idleShare(before, after);
    if (idle >= opts.minIdle || Date.now() >= deadline) return { idle, quiet: idle >= opts.minIdle };
    before = after;
  }
}

/**
 * Waits for a quiet machine (85% idle over 2 s, for up to a minute) before `what` is timed, saying so in the
 * log; a machine still busy after the minute gets a note in the results under `caseName`.
 */
export async function quietBeforeTiming(ctx: Pick<BenchContext, 'log' | 'results'>, caseName: string, what: string): Promise<void> {
  const { idle, quiet } = await waitForQuietMachine({ minIdle: 0.85, windowMs: 2000, timeoutMs: 60_000 });
  if (Number.isNaN(idle)) {
    ctx.log(`CPU idle unknown here (no /proc/stat): timing ${what} without waiting for a quiet machine`);
    return;
  }
  const idleText = `CPU idle ${Math.round(idle * 100)}% over 2 s`;
  ctx.log(`machine ${quiet ? 'quiet' : 'still busy after a minute'} (${idleText}): timing ${what}`);
  if (!quiet) ctx.results.note(`${caseName}: the machine was still busy when ${what} was timed (${idleText})`);
}
