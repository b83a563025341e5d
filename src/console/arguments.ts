/**
 * Commander argument parsers: an option's text becomes a number once, while the command line is read, so
 * actions receive values. Bad input throws a one-line usage error (exit 2) through the error funnel.
 */
import { Option } from 'commander';
import { parseDuration } from '../core/duration.ts';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { parseSelector, SelectorParseError } from '../machinery/cache/label-selector.ts';

/** --request-timeout when not given: kubectl waits forever; a lesson should not. */
export const DEFAULT_REQUEST_TIMEOUT = '30s';

/** The longest delay a Node timer holds: a longer one fires after 1 ms (with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An option taking a duration ("30s", "2m", "1500ms"), parsed to milliseconds; help shows the default as typed. */
export function durationOption(flags: string, description: string, defaultText?: string): Option {
  const flag = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  const option = new Option(flags, description).argParser((text: string) => {
    const ms = parseDuration(text);
    if (ms > MAX_TIMER_MS) throw new UserFacingError(`${flag} ${text} is too long: at most 596h (24 days)`, 'give a shorter duration', ExitCode.usage);
    return ms;
  });
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

/**
 * A repeatable `key=value` option (labels, node selectors), collected into one record; a later key wins.
 * Its default is an empty record.
 */
export function keyValueOption(flags: string, description: string): Option {
  const flag = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  return new Option(flags, description)
    .argParser((pair: string, previous: Record<string, string>) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UserFacingError(`${flag} "${pair}" is not key=value`, `for example ${flag} app=web`, ExitCode.usage);
      return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
    })
    .default({});
}

/**
 * A label selector (-l), checked here as the API server would check it, so a typo is a usage error at once
 * rather than a 400 from the server (or, for an informer, a list retried with backoff forever). The value is
 * the text as typed: the server gets what the user wrote.
 */
export function selectorOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((text: string) => {
    try {
      parseSelector(text);
    } catch (err) {
      if (err instanceof SelectorParseError)
        throw new UserFacingError(err.message, 'write it like app=web, tier!=db, env in (dev,qa), !legacy', ExitCode.usage);
      throw err;
    }
    return text;
  });
}

/**
 * A name that goes into a URL path (a pod, a namespace), refused as client-go's IsValidPathSegmentName refuses
 * it: "..", "/" or "%" would address another object (`delete-pod ..` the namespace itself), and with `optional`
 * false an empty name the whole collection (`delete-pod ""` every pod in it). An optional one that is empty
 * stays empty: for -n that means the context's namespace, as in kubectl.
 */
export function pathNameParser(what: string, opts: { optional: boolean }): (text: string) => string {
  return (text) => {
    const bad = pathNameProblem(text, opts.optional);
    if (bad) throw new UserFacingError(`invalid ${what} "${text}": a name ${bad}`, `give the ${what} as it appears in \`kubectl get\``, ExitCode.usage);
    return text;
  };
}

/** Why `text` cannot be one segment of a REST path, as the API server refuses it; undefined when it can. */
function pathNameProblem(text: string, optional: boolean): string | undefined {
  if (text === '') return optional ? undefined : 'may not be empty';
  if (text === '.' || text === '..') return `may not be "${text}"`;
  if (text.includes('/')) return 'may not contain "/"';
  if (text.includes('%')) return 'may not contain "%"';
  return undefined;
}

/** A comma-separated list (blank entries dropped); an empty list is a usage error. */
export function listOption(flags: string, description: string, example: string): Option {
  const flag = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  return new Option(flags, description).argParser((text: string) => {
    const items = text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new UserFacingError(`${flag} has no items`, `write them comma-separated, e.g. ${flag} ${example}`, ExitCode.usage);
    return items;
  });
}

/** A parser accepting one of `choices` (case-insensitive), for an option or an argument; `what` names it in the error. */
export function oneOf<T extends string>(what: string, choices: readonly T[], hint: string): (text: string) => T {
  return (text) => {
    const value = choices.find((c) => c === text.toLowerCase());
    if (value === undefined) throw new UserFacingError(`unknown ${what} "${text}"`, hint, ExitCode.usage);
    return value;
  };
}
