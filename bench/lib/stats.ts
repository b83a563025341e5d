/**
 * Figures and their summaries. A figure is every sample of one metric for one implementation; it is shown
 * as min/median/max with n, and compared with its peer as a ratio of medians (plus the range of the
 * per-round ratios when both sides ran the same rounds, alternating).
 */

export type Unit = 'ms' | 's' | 'MB' | 'B' | 'ops/s' | 'requests' | 'connections';

/** Lower is better for times, memory, requests and connections; higher for throughput. */
export const higherIsBetter = (unit: Unit): boolean => unit === 'ops/s';

export interface Figure {
  /** Which benchmark case ('informer 5000 pods, list+watch'). */
  case: string;
  /** What was measured ('initial sync'). */
  metric: string;
  /** Whose it is: 'ours', 'client-go', 'client-node', 'kubectl', ... */
  impl: string;
  unit: Unit;
  samples: number[];
}

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  const median = s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return { n: s.length, min: s[0] ?? NaN, median, max: s[s.length - 1] ?? NaN };
}

export interface Ratio {
  case: string;
  metric: string;
  peer: string;
  unit: Unit;
  ours: Summary;
  theirs: Summary;
  /** ours.median / theirs.median. */
  ratio: number;
  /** The per-round ratios' spread, when both sides have the same number of samples (alternating rounds). */
  paired?: Summary;
}

export function ratio(ours: Figure, theirs: Figure): Ratio {
  const o = summarize(ours.samples);
  const t = summarize(theirs.samples);
  const r: Ratio = { case: ours.case, metric: ours.metric, peer: theirs.impl, unit: ours.unit, ours: o, theirs: t, ratio: o.median / t.median };
  if (ours.samples.length === theirs.samples.length && ours.samples.length > 1) {
    r.paired = summarize(ours.samples.map((x, i) => x / theirs.samples[i]!));
  }
  return r;
}

/** A number with a sensible number of digits for its size. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function fmtSummary(s: Summary, unit: Unit): string {
  return `${fmt(s.median)} ${unit} [${fmt(s.min)}..${fmt(s.max)}, n=${s.n}]`;
}

/** Fixed-width text table: the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function ratioTable(ratios: Ratio[]): string {
  const rows = [['case / metric', 'peer', 'ours (median [min..max, n])', 'peer (median [min..max, n])', 'ours/peer', 'per-round range', 'better']];
  for (const r of ratios) {
    rows.push([
      `${r.case}: ${r.metric}`,
      r.peer,
      fmtSummary(r.ours, r.unit),
      fmtSummary(r.theirs, r.unit),
      `${r.ratio.toFixed(2)}x`,
      r.paired ? `${r.paired.min.toFixed(2)}..${r.paired.max.toFixed(2)}` : '-',
      higherIsBetter(r.unit) ? 'higher' : 'lower',
    ]);
  }
  return table(rows);
}
