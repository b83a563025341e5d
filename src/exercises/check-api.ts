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
  /** For live exercises: a client on the learner's cluster and a namespace made for this run. */
  kube?: { client: KubeClient; namespace: string };
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

/** Short, stable rendering of a value for "expected X, got Y". */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  let s: string;
  try {
    s =
      JSON.stringify(v, (_k, x: unknown): unknown => (x instanceof Map ? Object.fromEntries(x) : x instanceof Set ? [...(x as Set<unknown>)] : x)) ?? typeof v;
  } catch {
    s = `a ${typeof v} that cannot be shown as JSON`;
  }
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** Fails unless `got` deep-equals `expected` (JSON-wise), blaming `exportName`. */
export function expectEqual(got: unknown, expected: unknown, exportName: string): void {
  if (show(normalise(got)) !== show(normalise(expected))) throw new Mismatch(show(expected), show(got), exportName);
}

function normalise(v: unknown): unknown {
  return v instanceof Map ? Object.fromEntries(v) : v;
}
