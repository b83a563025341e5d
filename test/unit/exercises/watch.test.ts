/** Watch mode on the fixture catalog: a save re-verifies, a pass is recorded and the next exercise is shown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createColors } from '../../../src/console/colors.ts';
import { renderOutcome } from '../../../src/exercises/render.ts';
import { Checker } from '../../../src/exercises/typecheck.ts';
import { verifyExercise } from '../../../src/exercises/verify.ts';
import { watchExercises } from '../../../src/exercises/watch.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { fixtureCatalog, fixtureWorkspace, MemoryProgress, solve, writeExercise } from './helpers.ts';

/** What watch mode printed; `until` resolves when `check` holds, checked as each line arrives (30 s bound). */
function printed() {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  return {
    lines,
    push(...more: string[]) {
      lines.push(...more);
      for (const w of [...waiters]) w();
    },
    until(what: string, check: () => boolean): Promise<void> {
      return new Promise((resolve, reject) => {
        const bound = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`timed out waiting for ${what}; printed:\n${lines.join('\n')}`));
        }, 30_000);
        const test = () => {
          if (!check()) return;
          clearTimeout(bound);
          waiters.delete(test);
          resolve();
        };
        waiters.add(test);
        test();
      });
    },
  };
}

test('a wrong save shows the failure, the right one passes and moves to the next exercise, until all pass', { timeout: 120_000 }, async () => {
  const catalog = fixtureCatalog();
  const ws = fixtureWorkspace(catalog);
  const [double, greet] = catalog.exercises as [(typeof catalog.exercises)[0], (typeof catalog.exercises)[0]];
  const progress = new MemoryProgress();
  const out = printed();
  const stop = new AbortController();
  const keys: string[] = [];
  let pushKey: (() => void) | undefined;
  async function* keyStream(): AsyncGenerator<string> {
    for (;;) {
      while (keys.length) yield keys.shift()!;
      await new Promise<void>((r) => (pushKey = r));
    }
  }
  const checker = new Checker();
  const plain = createColors(0);
  const done = watchExercises({
    catalog,
    ws,
    progress,
    verify: (e) => verifyExercise(catalog, ws, e, { checker }),
    show: (o) => out.push(...renderOutcome(o, 2, plain)),
    print: (l) => out.push(l),
    hint: (e) => out.push(`hint for ${e.id}`),
    signal: stop.signal,
    keys: keyStream(),
  });
  const seen = (re: RegExp, times = 1) => out.lines.filter((l) => re.test(l)).length >= times;
  try {
    await out.until('the scaffold failure', () => seen(/✗ doubles 2: expected 4, got 0/));
    writeExercise(ws, double, 'export function double(n: number): number {\n  return n + 1;\n}\n');
    await out.until('the wrong answer', () => seen(/✗ doubles 2: expected 4, got 3/));
    keys.push('h');
    pushKey?.();
    await out.until('the hint', () => seen(/hint for double/));
    solve(catalog, ws, double);
    await out.until('the pass and the next exercise', () => seen(/✓ greets by name|✗ greets by name/));
    assert.ok(seen(/✓ double passes/));
    assert.ok(seen(/Next: exercise 2 greet/));
    assert.ok(progress.isDone('exercise:double'));
    assert.ok(!progress.isDone('exercise:greet'));
    solve(catalog, ws, greet);
    assert.equal(await done, 'all-passed');
    assert.ok(seen(/All 2 exercises pass/));
  } finally {
    // A failed step must not leave the watcher holding the test process open.
    stop.abort();
  }
});

test('a save while a check runs cancels that check and checks the saved file at once', { timeout: 120_000 }, async () => {
  const catalog = fixtureCatalog();
  const ws = fixtureWorkspace(catalog);
  const double = catalog.exercises[0]!;
  const out = printed();
  const stop = new AbortController();
  const checker = new Checker();
  const plain = createColors(0);
  // The endless loop would be stopped only after 10 minutes: a verdict within the 30 s bound means it was cancelled.
  const runs: { signal: AbortSignal; settled: boolean }[] = [];
  const done = watchExercises({
    catalog,
    ws,
    progress: new MemoryProgress(),
    verify: (e, signal) => {
      const run = { signal, settled: false };
      runs.push(run);
      out.push(`verify ${runs.length} started`);
      return verifyExercise(catalog, ws, e, { checker, signal, timeoutMs: 600_000 }).finally(() => (run.settled = true));
    },
    show: (o) => out.push(...renderOutcome(o, 2, plain)),
    print: (l) => out.push(l),
    hint: () => {},
    signal: stop.signal,
  });
  const seen = (re: RegExp) => out.lines.some((l) => re.test(l));
  try {
    await out.until('the scaffold failure', () => seen(/✗ doubles 2: expected 4, got 0/));
    // The loop says when it runs (a file written by the learner's code), so the fix is saved while it does.
    const running = join(ws.dir, 'loop-running');
    writeExercise(
      ws,
      double,
      `import { writeFileSync } from 'node:fs';\nexport function double(n: number): number {\n  writeFileSync(${JSON.stringify(running)}, '');\n  for (;;) n++;\n}\n`,
    );
    await waitUntil('the endless loop to run', () => existsSync(running));
    solve(catalog, ws, double);
    await out.until('the pass of the saved solution', () => seen(/✓ double passes/));
    assert.ok(runs[1]!.signal.aborted, 'the check of the endless loop was aborted');
    assert.ok(!seen(/did not finish within/), 'no stale verdict about the endless loop');
    assert.ok(seen(/saved: stopped the check in progress, checking again/));
  } finally {
    stop.abort();
  }
  assert.equal(await done, 'quit');
  assert.ok(
    runs.every((r) => r.settled),
    'the cancelled check wound down before watch returned',
  );
});

test('a "checking <id>…" status is shown while each check runs, and gone before its verdict', { timeout: 60_000 }, async () => {
  const catalog = fixtureCatalog();
  const ws = fixtureWorkspace(catalog);
  const out = printed();
  const stop = new AbortController();
  const checker = new Checker();
  const plain = createColors(0);
  const done = watchExercises({
    catalog,
    ws,
    progress: new MemoryProgress(),
    verify: (e, signal) => verifyExercise(catalog, ws, e, { checker, signal }),
    show: (o) => out.push(...renderOutcome(o, 2, plain)),
    print: (l) => out.push(l),
    hint: () => {},
    checking: (e) => {
      out.push(`status on: checking ${e.id}`);
      return { around: (p) => p(), stop: () => out.push('status off') };
    },
    signal: stop.signal,
  });
  try {
    await out.until('the scaffold failure', () => out.lines.some((l) => /✗ doubles 2/.test(l)));
    const from = out.lines.findIndex((l) => l === 'status on: checking double');
    assert.ok(from >= 0, out.lines.join('\n'));
    assert.equal(out.lines[from + 1], 'status off');
    assert.match(out.lines[from + 2]!, /^Exercise 1\/2 double/);
  } finally {
    stop.abort();
  }
  assert.equal(await done, 'quit');
});

test('without a status of its own, watch prints one plain "checking <id>…" line per check', { timeout: 60_000 }, async () => {
  const catalog = fixtureCatalog();
  const ws = fixtureWorkspace(catalog);
  const out = printed();
  const stop = new AbortController();
  const checker = new Checker();
  const done = watchExercises({
    catalog,
    ws,
    progress: new MemoryProgress(),
    verify: (e, signal) => verifyExercise(catalog, ws, e, { checker, signal }),
    show: (o) => out.push(...renderOutcome(o, 2, createColors(0))),
    print: (l) => out.push(l),
    hint: () => {},
    signal: stop.signal,
  });
  try {
    await out.until('the scaffold failure', () => out.lines.some((l) => /✗ doubles 2/.test(l)));
    assert.equal(out.lines.filter((l) => l === 'checking double…').length, 1, out.lines.join('\n'));
  } finally {
    stop.abort();
  }
  assert.equal(await done, 'quit');
});
