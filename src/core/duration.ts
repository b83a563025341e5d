/** Durations as people type them on a command line ("30s", "2m", "1500ms", "1h", bare seconds) and back. */
import { ExitCode, UserFacingError } from './errors.ts';

/** To milliseconds; a usage error for anything else. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserFacingError(`invalid duration "${text}"`, 'write it like 30s, 2m, 1500ms or 1h', ExitCode.usage);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's') as 'ms' | 's' | 'm' | 'h';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]);
}

/** Milliseconds as a person reads them: 500ms, 60s, 1.5s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
