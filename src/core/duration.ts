/** Durations as people type them on a command line ("30s", "2m", "1500ms", "1h", bare seconds) and back. */
import { ExitCode, UserFacingError } from './errors.ts';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * To milliseconds; a usage error for anything else. As kubectl's --request-timeout (clientcmd.ParseTimeout):
 * a bare number is seconds, and units may follow one another as in Go's time.ParseDuration ("1m30s").
 */
export function parseDuration(text: string): number {
  const t = text.trim();
  const bare = /^\d+(?:\.\d+)?$/.test(t);
  if (!bare && !/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(t)) {
    throw new UserFacingError(`invalid duration "${text}"`, 'write it like 30s, 2m, 1m30s, 1500ms or 1h', ExitCode.usage);
  }
  if (bare) return Math.round(Number(t) * 1000);
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Math.round(ms);
}

/** Milliseconds as a person reads them: 500ms, 60s, 1.5s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
