/**
 * Commander argument parsers: an option's text becomes a number once, while the command line is read, so
 * actions receive values. Bad input throws a one-line usage error (exit 2) through the error funnel.
 */
import { Option } from 'commander';
import { parseDuration } from '../core/duration.ts';
import { ExitCode, UserFacingError } from '../core/errors.ts';

/** An option taking a duration ("30s", "2m", "1500ms"), parsed to milliseconds; help shows the default as typed. */
export function durationOption(flags: string, description: string, defaultText?: string): Option {
  const option = new Option(flags, description).argParser((text: string) => parseDuration(text));
  return defaultText === undefined ? option : option.default(parseDuration(defaultText), defaultText);
}

/** An option taking a whole number from `min` to `max`. */
export function wholeNumberOption(flags: string, description: string, range: { min: number; max: number; example: number; default?: number }): Option {
  const flag = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  const option = new Option(flags, description).argParser((text: string) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < range.min || n > range.max) {
      throw new UserFacingError(
        `${flag} must be a whole number from ${range.min} to ${range.max}, not "${text}"`,
        `for example ${flag} ${range.example}`,
        ExitCode.usage,
      );
    }
    return n;
  });
  return range.default === undefined ? option : option.default(range.default);
}
