/**
 * Watch mode, after `rustlings watch`: verify the current exercise, then again on every save of its file;
 * when it passes, record it and move on to the next one (verified at once, so its TODO shows). In a
 * terminal, single keys: h for the next hint, r to run again, q to quit. Editors that save by renaming a new
 * file over the old one are covered: the folder is watched, not the file.
 */
import { watch as watchFolder } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Exercise, ExerciseCatalog } from './catalog.ts';
import { currentExercise, isPassed, nextExercise, progressKey, type ProgressLike } from './progress.ts';
import type { VerifyOutcome } from './verify.ts';
import type { Workspace } from './workspace.ts';

export interface WatchDeps {
  catalog: ExerciseCatalog;
  ws: Workspace;
  progress: ProgressLike;
  verify(e: Exercise): Promise<VerifyOutcome>;
  /** Prints a verify outcome. */
  show(o: VerifyOutcome): void;
  print(line: string): void;
  /** Shows the next hint of an exercise. */
  hint(e: Exercise): void;
  /** Ends the watch (Ctrl-C). */
  signal: AbortSignal;
  /** Keys pressed, when there is a terminal. */
  keys?: AsyncIterable<string>;
  /** Milliseconds to wait for a burst of file events to settle. */
  settleMs?: number;
}

type Wake = { kind: 'saved' } | { kind: 'key'; key: string } | { kind: 'stop' };

/** Runs until every exercise passes, q is pressed, or the signal aborts. */
export async function watchExercises(deps: WatchDeps, start?: Exercise): Promise<'all-passed' | 'quit'> {
  const { catalog, ws, progress } = deps;
  const print = (line: string) => deps.print(line);
  let current = start ?? currentExercise(catalog, progress);
  const wakes = wakeSource(ws, deps);
  try {
    while (current) {
      print(`Watching ${current.file}: save it to check again (h hint, r run again, q quit)`);
      wakes.checking(current);
      const outcome = await deps.verify(current);
      if (deps.signal.aborted) return 'quit';
      deps.show(outcome);
      if (outcome.status === 'passed') {
        progress.markDone(progressKey(current));
        const next = nextExercise(catalog, progress, current);
        if (!next) break;
        print(`Next: exercise ${next.number} ${next.id} (${next.file})`);
        current = next;
        continue;
      }
      for (;;) {
        const wake = await wakes.next(current);
        if (wake.kind === 'stop') return 'quit';
        if (wake.kind === 'key' && wake.key === 'q') return 'quit';
        if (wake.kind === 'key' && wake.key === 'h') {
          deps.hint(current);
          continue;
        }
        if (wake.kind === 'key' && wake.key !== 'r') continue;
        break;
      }
    }
  } finally {
    wakes.close();
  }
  if (catalog.exercises.every((e) => isPassed(progress, e))) print(`All ${catalog.exercises.length} exercises pass. Well done!`);
  return 'all-passed';
}

/**
 * Saves of the current exercise's file, keys and the stop signal, as one stream of wake-ups. A save that
 * lands while a check runs is remembered, so the next wait returns at once instead of missing it.
 */
function wakeSource(ws: Workspace, deps: WatchDeps) {
  let waiting: ((w: Wake) => void) | undefined;
  let watchedFile = '';
  let settle: ReturnType<typeof setTimeout> | undefined;
  const savedSince = new Set<string>();
  const wake = (w: Wake) => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.(w);
  };
  const folder = dirname(join(ws.dir, deps.catalog.exercises[0]!.file));
  const watcher = watchFolder(folder, (_event, name) => {
    if (!name) return;
    const file = basename(name.toString());
    savedSince.add(file);
    if (file !== watchedFile || !waiting) return;
    clearTimeout(settle);
    settle = setTimeout(() => {
      savedSince.delete(file);
      wake({ kind: 'saved' });
    }, deps.settleMs ?? 100);
  });
  const onAbort = () => wake({ kind: 'stop' });
  deps.signal.addEventListener('abort', onAbort);
  if (deps.keys) {
    void (async () => {
      for await (const key of deps.keys!) wake({ kind: 'key', key });
    })();
  }
  return {
    /** A check of `e` starts: saves before this moment are part of it. */
    checking(e: Exercise): void {
      watchedFile = basename(e.file);
      savedSince.delete(watchedFile);
    },
    next(e: Exercise): Promise<Wake> {
      watchedFile = basename(e.file);
      if (deps.signal.aborted) return Promise.resolve({ kind: 'stop' });
      return new Promise<Wake>((resolve) => {
        waiting = resolve;
        if (savedSince.has(watchedFile)) {
          // Saved while it was being checked: let the burst settle, then check again.
          clearTimeout(settle);
          settle = setTimeout(() => {
            savedSince.delete(watchedFile);
            wake({ kind: 'saved' });
          }, deps.settleMs ?? 100);
        }
      });
    },
    close() {
      clearTimeout(settle);
      watcher.close();
      deps.signal.removeEventListener('abort', onAbort);
    },
  };
}
