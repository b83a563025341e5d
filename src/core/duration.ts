/** Durations as people type them on a command line ("30s", "2m", "1500ms", "1h", bare seconds) and back. */
import { ExitCode, UserFacingError } from './errors.ts';

const UNIT_MS = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** One number and its unit as Go's time.ParseDuration reads them: "1.5h", ".5s", "1.s", "500us". */
const TERM = String.raw`(\d+(?:\.\d*)?|\.\d+)(ns|us|ms|s|m|h)`;
const TERMS = new RegExp(`^\\+?(?:${TERM})+$`);
const EACH_TERM = new RegExp(TERM, 'g');

/**
 * To milliseconds; a usage error for anything else. As kubectl's --request-timeout (clientcmd.ParseTimeout):
 * a bare number is seconds, and units may follow one another as in Go's time.ParseDuration ("1m30s"). A
 * positive duration shorter than a millisecond is 1 ms, not 0 (which means no timeout).
 */
export function parseDuration(text: string): number {
  // The micro sign (U+00B5) or Greek mu (U+03BC) before s, as Go also reads them.
  const t = text.trim().replace(/[\u00b5\u03bc]s/g, 'us');
  const bare = /^\d+(?:\.\d+)?$/.test(t);
  if (!bare && !TERMS.test(t)) {
    throw new UserFacingError(`invalid duration "${text}"`, 'write it like 30s, 2m, 1m30s, 1500ms or 1h', ExitCode.usage);
  }
  if (bare) return Math.round(Number(t) * 1000);
  let ms = 0;
  for (const [, n, unit] of t.matchAll(EACH_TERM)) ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return ms > 0 && ms < 1 ? 1 : Math.round(ms);
}

/** Milliseconds as a person reads them: 500ms, 60s, 1.5s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
