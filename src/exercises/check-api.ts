/**
 * What a check module (src/exercises/checks/<id>.ts) is: one function per expectation id, run in order in
 * the child process against the learner's module. An expectation passes by returning; it fails by throwing
 * a Mismatch (expected vs got, and which export it blames). Anything else it throws came from the learner's
 * code and is reported with the learner's file and line.
 */
import type { KubeClient } from '../core/client.ts';
import type { FakeClock } from '../machinery/clock.ts';

export interface CheckEnv {
  /** The learner's module namespace. */
  learner: Record<string, unknown>;
  /** A scratch folder of this run (kubeconfig fixtures and the like), removed afterwards. */
  tmpDir: string;
  /**
   * For live exercises: a client on the learner's cluster and a namespace made for this run. `created` tells
   * verify of a pod the learner's code created elsewhere (its path and uid), which verify deletes after the
   * run even when the run is killed first.
   */
  kube?: { client: KubeClient; namespace: string; created?(path: string, uid: string): void };
  /** A fresh fake clock per expectation, for pure exercises that wait. */
  clock(): FakeClock;
}

export type ExpectationCheck = (env: CheckEnv) => Promise<void> | void;

/** A check module: every expectation id of its catalog entry, and nothing else. */
export type CheckModule = { expectations: Record<string, ExpectationCheck> };

export class Mismatch extends Error {
  readonly expected: string;
  readonly got: string;
  /** The export the expectation exercised; verify points at its line. */
  readonly exportName: string | undefined;
  constructor(expected: string, got: string, exportName?: string) {
    super(`expected ${expected}, got ${got}`);
    this.name = 'Mismatch';
    this.expected = expected;
    this.got = got;
    this.exportName = exportName;
  }
}

/** The learner's exported function `name`, or a Mismatch saying it is not there. */
export function exported<F extends ((...args: never[]) => unknown) | (new (...args: never[]) => unknown)>(env: CheckEnv, name: string): F {
  const f = env.learner[name];
  if (typeof f !== 'function') throw new Mismatch(`a function exported as ${name}`, f === undefined ? 'no such export' : `a ${typeof f}`, name);
  return f as F;
}

/** Short, stable rendering of a value for "expected X, got Y": display only, never compared. */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return clip(JSON.stringify(v));
  if (typeof v === 'function') return 'a function';
  // JSON would print these as null, or not at all.
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'symbol') return String(v);
  let s: string;
  try {
    s =
      JSON.stringify(v, (_k, x: unknown): unknown => (x instanceof Map ? Object.fromEntries(x) : x instanceof Set ? [...(x as Set<unknown>)] : x)) ?? typeof v;
  } catch {
    s = `a ${typeof v} that cannot be shown as JSON`;
  }
  return clip(s);
}

const clip = (s: string, max = 160) => (s.length > max ? `${s.slice(0, max - 3)}...` : s);

/**
 * Fails unless `got` equals `expected` as the JSON it would be sent as, blaming `exportName`: objects
 * compare key by key in any order, arrays item by item in order. A property set to undefined counts as
 * absent, as JSON.stringify and the API server see it (`{ replicas: foo.spec.replicas }` with none is
 * right), but null is a value. Maps compare as objects, Sets as arrays, toJSON (a Date) is applied.
 *
 * The message is one line: both values whole when both are short, else the first path that differs
 * (`at` names where `got` sits in what the learner returned: 'metadata.ownerReferences'), e.g.
 * `expected spec.template.spec.containers[0].image = "nginx:latest", got "nginx:latest-typo"`. `of` says
 * what produced the value, for a value that means little without its inputs: 'new ExponentialLimiter(5, 100), when("a") ×8'.
 */
export function expectEqual(got: unknown, expected: unknown, exportName: string, opts: { at?: string; of?: string } = {}): void {
  const d = firstDifference(got, expected, opts.at ?? '');
  if (d) throw describe(d, got, expected, exportName, opts);
}

/** The first place two values differ, in `expected`'s key order (extra keys of `got` after). */
export interface Difference {
  /** `metadata.ownerReferences[0].uid`; '' for the values themselves. */
  path: string;
  kind: 'value' | 'missing-key' | 'extra-key' | 'missing-item' | 'extra-item';
  expected?: unknown;
  got?: unknown;
  /** For items: the lengths. */
  lengths?: { expected: number; got: number };
}

export function firstDifference(got: unknown, expected: unknown, path = ''): Difference | undefined {
  const [g, e] = [plain(got), plain(expected)];
  if (Array.isArray(e) && Array.isArray(g)) {
    for (let i = 0; i < Math.min(e.length, g.length); i++) {
      const d = firstDifference(g[i], e[i], `${path}[${i}]`);
      if (d) return d;
    }
    if (e.length === g.length) return undefined;
    const i = Math.min(e.length, g.length);
    const lengths = { expected: e.length, got: g.length };
    return g.length > e.length ? { path, kind: 'extra-item', got: g[i], lengths } : { path, kind: 'missing-item', expected: e[i], lengths };
  }
  if (isRecord(e) && isRecord(g)) {
    for (const [k, ev] of Object.entries(e)) {
      if (ev === undefined) continue;
      const gv = g[k];
      if (gv === undefined) return { path: join(path, k), kind: 'missing-key', expected: ev };
      const d = firstDifference(gv, ev, join(path, k));
      if (d) return d;
    }
    for (const [k, gv] of Object.entries(g)) if (gv !== undefined && e[k] === undefined) return { path: join(path, k), kind: 'extra-key', got: gv };
    return undefined;
  }
  // 0 and -0 are one number in JSON; NaN is NaN.
  if (g === e || (Number.isNaN(g) && Number.isNaN(e))) return undefined;
  return { path, kind: 'value', expected: e, got: g };
}

function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...(v as Set<unknown>)];
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON(): unknown }).toJSON();
  return v;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);

/** Short enough that both values fit on the line whole, so the difference is in plain sight. */
const WHOLE_MAX = 64;

function describe(d: Difference, got: unknown, expected: unknown, exportName: string, opts: { at?: string; of?: string }): Mismatch {
  const [wholeE, wholeG] = [show(expected), show(inOrderOf(got, expected))];
  const atTop = d.path === (opts.at ?? '') && d.kind === 'value';
  // Whole values that print alike ([undefined] and [null] both print [null]) are told apart at the path instead.
  if (atTop || (wholeE.length <= WHOLE_MAX && wholeG.length <= WHOLE_MAX && wholeE !== wholeG)) {
    const what = [opts.of, opts.at].filter(Boolean).join(' ');
    const [e, g] = differently(wholeE, wholeG, expected, got);
    return new Mismatch(`${what ? `${what} = ` : ''}${e}`, g, exportName);
  }
  const where = [opts.of, d.path].filter(Boolean).join(' ');
  switch (d.kind) {
    case 'missing-key':
      return new Mismatch(`${where} = ${show(d.expected)}`, 'no such key', exportName);
    case 'extra-key':
      return new Mismatch(`no ${where}`, `${show(d.got)} (a key not asked for)`, exportName);
    case 'extra-item':
      return new Mismatch(
        `${where || 'the list'} to have ${items(d.lengths!.expected)}`,
        `an unexpected extra item [${d.lengths!.expected}]: ${show(d.got)}`,
        exportName,
      );
    case 'missing-item':
      return new Mismatch(
        `${where || 'the list'} to have ${items(d.lengths!.expected)}`,
        `${d.lengths!.got}, missing [${d.lengths!.got}]: ${show(d.expected)}`,
        exportName,
      );
    default: {
      const [e, g] = differently(show(d.expected), show(inOrderOf(d.got, d.expected)), d.expected, d.got);
      return new Mismatch(`${where} = ${e}`, g, exportName);
    }
  }
}

const items = (n: number) => `${n} item${n === 1 ? '' : 's'}`;

/** The two texts, made to differ visibly when they print alike (cut before the difference, or 5 against "5"). */
function differently(e: string, g: string, expected: unknown, got: unknown): [string, string] {
  if (g !== e) return [e, g];
  if (typeof got === 'string' && typeof expected === 'string') {
    let i = 0;
    while (got[i] === expected[i]) i++;
    const around = (s: string) => `${i > 20 ? '...' : ''}${JSON.stringify(s.slice(Math.max(0, i - 20), i + 40))}`;
    return [`${around(expected)} (from character ${i})`, around(got)];
  }
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
  return [e, kind(got) === kind(expected) ? `${g} (it differs past what is shown)` : `${g} (${kind(got)}, not ${kind(expected)})`];
}

/** `got` with its keys in `expected`'s order where both have them, for display next to `expected`. */
function inOrderOf(got: unknown, expected: unknown): unknown {
  const [g, e] = [plain(got), plain(expected)];
  if (Array.isArray(g) && Array.isArray(e)) return g.map((x, i) => inOrderOf(x, e[i]));
  if (!isRecord(g) || !isRecord(e)) return g;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(e)) if (k in g) out[k] = inOrderOf(g[k], e[k]);
  for (const k of Object.keys(g)) if (!(k in out)) out[k] = g[k];
  return out;
}
