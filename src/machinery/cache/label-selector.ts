/**
 * Label selectors in the API server's string syntax, evaluated locally so listers can filter the cache the
 * way a `?labelSelector=` query filters on the server.
 *
 * Grammar (comma-separated requirements, all must hold):
 *   key              label present            !key             label absent
 *   key=value        equal (also `==`)        key!=value       absent or different
 *   key in (a,b)     present and one of       key notin (a,b)  absent or none of
 *   key>n / key<n    present, a 64-bit integer, greater / smaller
 *
 * As apimachinery's labels.Parse: requirements are sorted by key and in/notin values sorted and deduplicated,
 * so equal selectors print alike; `()` is the set holding the empty value; a `>`/`<` bound must be a valid label
 * value that is a 64-bit integer (so never negative), and a label that is not one never matches it.
 */

/** `doubleEquals` is `==`: it matches as `equals` does, and is kept apart so that the selector prints as written. */
export type SelectorOperator = 'exists' | 'doesNotExist' | 'equals' | 'doubleEquals' | 'notEquals' | 'in' | 'notIn' | 'gt' | 'lt';

/** One condition on one label key. `values` is empty for exists/doesNotExist and has one entry for the rest but in/notin. */
export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** A selector string the API server would reject; the message says where and why. */
export class SelectorParseError extends Error {
  readonly input: string;

  constructor(message: string, input: string) {
    super(`invalid label selector ${JSON.stringify(input)}: ${message}`);
    this.name = 'SelectorParseError';
    this.input = input;
  }
}

/**
 * A parsed selector: an immutable conjunction of requirements. The empty selector matches everything.
 * Matching follows the API server: `!=` and `notin` also match objects that lack the label.
 */
export class LabelSelector {
  readonly requirements: readonly Requirement[];

  constructor(requirements: Requirement[]) {
    this.requirements = requirements.map((r) => ({ key: r.key, operator: r.operator, values: [...r.values] }));
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, l));
  }

  /** The selector in canonical string syntax (parseable again). */
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'exists':
      return has;
    case 'doesNotExist':
      return !has;
    case 'equals':
    case 'doubleEquals':
    case 'in':
      return has && r.values.includes(value!);
    case 'notEquals':
    case 'notIn':
      return !has || !r.values.includes(value!);
    case 'gt':
    case 'lt': {
      const n = has ? int64(value!) : undefined;
      const bound = r.values.length === 1 ? int64(r.values[0]!) : undefined;
      if (n === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case 'doesNotExist':
      return `!${r.key}`;
    case 'equals':
      return `${r.key}=${r.values[0]}`;
    case 'doubleEquals':
      return `${r.key}==${r.values[0]}`;
    case 'notEquals':
      return `${r.key}!=${r.values[0]}`;
    case 'in':
      return `${r.key} in (${[...r.values].sort(byCodeUnit).join(',')})`;
    case 'notIn':
      return `${r.key} notin (${[...r.values].sort(byCodeUnit).join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
  }
}

/** A selector requiring exactly the given label values (what `matchLabels` means); none (or no set) matches everything. */
export function selectorFromSet(set: Record<string, string> | undefined): LabelSelector {
  return new LabelSelector(sortedByKey(Object.entries(set ?? {}).map(([key, value]) => ({ key, operator: 'equals', values: [value] }))));
}

/** A 64-bit integer as Go's strconv.ParseInt(s, 10, 64) reads it (sign allowed), or undefined. */
function int64(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/** Go's string order (bytes; our keys and values are ASCII), not localeCompare. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Requirements in key order, ties kept as written. */
function sortedByKey(requirements: Requirement[]): Requirement[] {
  return requirements.sort((a, b) => byCodeUnit(a.key, b.key));
}

/** The selector that matches every object. */
export function everything(): LabelSelector {
  return new LabelSelector([]);
}

type Token = { kind: 'ident'; text: string } | { kind: 'op'; text: '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '>' | '<' } | { kind: 'end' };

const IDENT_CHAR = /[A-Za-z0-9._/-]/;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '!' && input[i + 1] === '=') {
      tokens.push({ kind: 'op', text: '!=' });
      i += 2;
    } else if (c === '=' && input[i + 1] === '=') {
      tokens.push({ kind: 'op', text: '==' });
      i += 2;
    } else if (c === '!' || c === '=' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<') {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else if (IDENT_CHAR.test(c)) {
      let j = i;
      while (j < input.length && IDENT_CHAR.test(input[j]!)) j++;
      tokens.push({ kind: 'ident', text: input.slice(i, j) });
      i = j;
    } else {
      throw new SelectorParseError(`unexpected character ${JSON.stringify(c)} at ${i}`, input);
    }
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateKey(key: string, input: string): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new SelectorParseError(`invalid key prefix in ${JSON.stringify(key)}`, input);
  }
  if (!NAME.test(name)) throw new SelectorParseError(`invalid key ${JSON.stringify(key)}`, input);
}

function validateValue(value: string, input: string): void {
  if (value !== '' && !NAME.test(value)) throw new SelectorParseError(`invalid value ${JSON.stringify(value)}`, input);
}

/** Parses the string syntax. Throws SelectorParseError on anything the API server would reject. */
export function parseSelector(input: string): LabelSelector {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const isOp = (t: Token, text: string) => t.kind === 'op' && t.text === text;
  const fail = (what: string): never => {
    const t = peek();
    throw new SelectorParseError(`${what}, found ${t.kind === 'end' ? 'end of input' : JSON.stringify(t.text)}`, input);
  };
  const ident = (what: string): string => {
    const t = peek();
    if (t.kind !== 'ident') return fail(`expected ${what}`);
    pos++;
    return t.text;
  };

  const requirements: Requirement[] = [];
  if (peek().kind === 'end') return new LabelSelector([]);
  for (;;) {
    if (isOp(peek(), '!')) {
      next();
      const key = ident('a label key after "!"');
      validateKey(key, input);
      requirements.push({ key, operator: 'doesNotExist', values: [] });
    } else {
      const key = ident('a label key');
      validateKey(key, input);
      const t = peek();
      if (t.kind === 'end' || isOp(t, ',')) {
        requirements.push({ key, operator: 'exists', values: [] });
      } else if (isOp(t, '=') || isOp(t, '==') || isOp(t, '!=')) {
        next();
        const value = peek().kind === 'ident' ? ident('a value') : '';
        validateValue(value, input);
        requirements.push({ key, operator: isOp(t, '!=') ? 'notEquals' : isOp(t, '==') ? 'doubleEquals' : 'equals', values: [value] });
      } else if (isOp(t, '>') || isOp(t, '<')) {
        next();
        const value = ident('an integer');
        validateValue(value, input);
        if (int64(value) === undefined) throw new SelectorParseError(`${JSON.stringify(value)} is not a 64-bit integer`, input);
        requirements.push({ key, operator: isOp(t, '>') ? 'gt' : 'lt', values: [value] });
      } else if (t.kind === 'ident' && (t.text === 'in' || t.text === 'notin')) {
        next();
        if (!isOp(next(), '(')) {
          pos--;
          fail('expected "("');
        }
        // An empty value is allowed anywhere in the list, so `()` is the set holding only the empty value.
        const values: string[] = [];
        for (;;) {
          const value = peek().kind === 'ident' ? ident('a value') : '';
          validateValue(value, input);
          values.push(value);
          const sep = next();
          if (isOp(sep, ')')) break;
          if (!isOp(sep, ',')) {
            pos--;
            fail('expected "," or ")"');
          }
        }
        requirements.push({ key, operator: t.text === 'in' ? 'in' : 'notIn', values: [...new Set(values)].sort(byCodeUnit) });
      } else {
        fail(`expected an operator after ${JSON.stringify(key)}`);
      }
    }
    const sep = next();
    if (sep.kind === 'end') break;
    if (!isOp(sep, ',')) {
      pos--;
      fail('expected ","');
    }
  }
  return new LabelSelector(sortedByKey(requirements));
}
