/**
 * The order a checkpoint's choices are shown in: a permutation fixed for one question in one session (so
 * "Try again" shows the same order), different across questions and sessions, so the right answer's place
 * says nothing. Seeded and pure, so tests can name the order they expect.
 */
import { fnv1a } from '../machinery/fnv1a.ts';

/** A fresh seed for a session. */
export function sessionSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}

/** The display order of `n` choices: order[k] is the catalog index of the choice shown k-th. */
export function choiceOrder(n: number, seed: number, key: string): number[] {
  const next = mulberry32(seed ^ fnv1a(key));
  const order = Array.from({ length: n }, (_, i) => i);
  // Fisher–Yates.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** A small, well-mixed 32-bit generator; uniform enough for shuffling a handful of choices. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
