/**
 * Watch mode, after `rustlings watch`: verify the current exercise, then again on every save of its file;
 * when it passes, record it and move on to the next one (verified at once, so its TODO shows). In a
 * terminal, single keys: h for the next hint, r to run again, q to quit. Editors that save by renaming a new
 * file over the old one are covered: the folder is watched, not the file. A save (or r) while a check runs
 * cancels that check, whose verdict would be about a file that is gone, and starts a new one at once.
 */
import { watch as watchFolder } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserFacingError } from '../core/errors.ts';
import type { Exercise, ExerciseCatalog } from './catalog.ts';
import { currentExercise, isPassed, nextExercise, progressKey, type ProgressLike } from './progress.ts';
import { allPassedLine, exerciseLabel } from './render.ts';
import type { VerifyOutcome } from './verify.ts';
import type { Workspace } from './workspace.ts';

/** What is shown while a check runs (the CLI: a line with the seconds so far, in a terminal). */
export interface CheckingStatus {
  /** Prints something while the check goes on (a hint) without mangling the status. */
  around(print: () => void): void;
  stop(): void;
}

export interface WatchDeps {
  catalog: ExerciseCatalog;
  ws: Workspace;
  progress: ProgressLike;
  /** Verifies `e`; `signal` aborts when a newer save makes this check moot (or the watch ends). */
  verify(e: Exercise, signal: AbortSignal): Promise<VerifyOutcome>;
  /** Prints a verify outcome. */
  show(o: VerifyOutcome): void;
  print(line: string): void;
  /** Shows the next hint of an exercise. */
  hint(e: Exercise): void;
  /** Shown while a check of `e` runs; default: one line, "checking <id>…". */
  checking?: (e: Exercise) => CheckingStatus;
  /** Ends the watch (Ctrl-C). */
  signal: AbortSignal;
  /** Keys pressed, when there is a terminal. */
  keys?: AsyncIterable<string>;
  /** Milliseconds to wait for a burst of file events to settle. */
  settleMs?: number;
}

type Wake = { kind: 'saved' } | { kind: 'key'; key: string } | { kind: 'stop' };
type Ran = { kind: 'ran'; outcome: VerifyOutcome } | { kind: 'failed'; error: unknown };

/** Runs until every exercise passes, q is pressed, or the signal aborts. */
export async function watchExercises(deps: WatchDeps, start?: Exercise): Promise<'all-passed' | 'quit'> {
  const { catalog, ws, progress } = deps;
  const print = (line: string) => deps.print(line);
  const checking =
    deps.checking ??
    ((e: Exercise): CheckingStatus => {
      print(`checking ${e.id}…`);
      return { around: (p) => p(), stop() {} };
    });
  let current = start ?? currentExercise(catalog, progress);
  const wakes = wakeSource(ws, deps);
  // Cancelled checks still wind down (their child killed, a live exercise's namespace deleted): waited for at the end.
  const cancelled = new Set<Promise<Ran>>();
  try {
    while (current) {
      const e = current;
      print(`Watching ${e.file}: save it to check again (h hint, r run again, q quit)`);
      let ran: Ran | undefined;
      while (!ran) {
        wakes.checking(e);
        const stop = new AbortController();
        const onQuit = () => stop.abort();
        deps.signal.addEventListener('abort', onQuit, { once: true });
        const status = checking(e);
        const run = deps.verify(e, stop.signal).then(
          (outcome): Ran => ({ kind: 'ran', outcome }),
          (error: unknown): Ran => ({ kind: 'failed', error }),
        );
        let wake: Wake | undefined;
        for (;;) {
          const next = await Promise.race([run, wakes.next()]);
          if (next.kind === 'ran' || next.kind === 'failed') {
            ran = next;
            break;
          }
          if (next.kind === 'key' && next.key === 'h') status.around(() => deps.hint(e));
          else if (next.kind === 'key' && next.key !== 'r' && next.key !== 'q') continue;
          else {
            wake = next;
            break;
          }
        }
        status.stop();
        deps.signal.removeEventListener('abort', onQuit);
        if (!wake) continue;
        // A save, r, q or Ctrl-C while checking: this check's verdict no longer matters.
        stop.abort();
        cancelled.add(run);
        void run.then(() => cancelled.delete(run));
        if (wake.kind === 'stop' || (wake.kind === 'key' && wake.key === 'q')) return 'quit';
        print(wake.kind === 'saved' ? `${e.file} saved: stopped the check in progress, checking again` : 'Checking again');
      }
      if (deps.signal.aborted) return 'quit';
      if (ran.kind === 'failed') {
        // A learner's mistake verify cannot run past (a folder in place of the file): say so, wait for a save.
        if (!(ran.error instanceof UserFacingError)) throw ran.error;
        print(`✗ ${ran.error.message}${ran.error.hint ? ` (hint: ${ran.error.hint})` : ''}`);
      } else {
        deps.show(ran.outcome);
        if (ran.outcome.status === 'passed') {
          progress.markDone(progressKey(e));
          const next = nextExercise(catalog, progress, e);
          if (!next) break;
          print(`Next: ${exerciseLabel(next)}`);
          current = next;
          continue;
        }
      }
      for (;;) {
        const wake = await wakes.next();
        if (wake.kind === 'stop') return 'quit';
        if (wake.kind === 'key' && wake.key === 'q') return 'quit';
        if (wake.kind === 'key' && wake.key === 'h') {
          deps.hint(e);
          continue;
        }
        if (wake.kind === 'key' && wake.key !== 'r') continue;
        break;
      }
    }
  } finally {
    wakes.close();
    await Promise.all(cancelled);
  }
  if (catalog.exercises.every((e) => isPassed(progress, e))) print(allPassedLine(catalog));
  return 'all-passed';
}

/**
 * Saves of the current exercise's file, keys and the stop signal, as one queue of wake-ups. A save that
 * lands while a check runs is delivered at once (it cancels the check); one before a check starts is part
 * of that check.
 */
function wakeSource(ws: Workspace, deps: WatchDeps) {
  const queue: Wake[] = [];
  let notify: (() => void) | undefined;
  // One wait at a time: a wait abandoned by a race (the check finished first) is the next one, so no wake is lost.
  let waiting: Promise<Wake> | undefined;
  let watchedFile = '';
  let settle: ReturnType<typeof setTimeout> | undefined;
  const push = (w: Wake) => {
    queue.push(w);
    notify?.();
  };
  const folder = dirname(join(ws.dir, deps.catalog.exercises[0]!.file));
  const watcher = watchFolder(folder, (_event, name) => {
    if (!name || basename(name.toString()) !== watchedFile) return;
    clearTimeout(settle);
    settle = setTimeout(() => push({ kind: 'saved' }), deps.settleMs ?? 100);
  });
  const onAbort = () => push({ kind: 'stop' });
  deps.signal.addEventListener('abort', onAbort);
  if (deps.keys) {
    void (async () => {
      for await (const key of deps.keys!) push({ kind: 'key', key });
    })();
  }
  return {
    /** A check of `e` starts: the saves already queued are part of it. */
    checking(e: Exercise): void {
      watchedFile = basename(e.file);
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.kind === 'saved') queue.splice(i, 1);
    },
    next(): Promise<Wake> {
      if (deps.signal.aborted) return Promise.resolve({ kind: 'stop' });
      return (waiting ??= (async () => {
        while (!queue.length) await new Promise<void>((r) => (notify = r));
        waiting = undefined;
        return queue.shift()!;
      })());
    },
    close() {
      clearTimeout(settle);
      watcher.close();
      deps.signal.removeEventListener('abort', onAbort);
      notify?.();
    },
  };
}
