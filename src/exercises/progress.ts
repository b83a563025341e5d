/**
 * Which exercises passed. Kept in the same progress store as the guided lessons (`learn`), under keys
 * `exercise:<id>`, so both see the same progress; the store is passed in (it lives in the lessons layer).
 */
import type { Exercise, ExerciseCatalog } from './catalog.ts';

export interface ProgressLike {
  isDone(key: string): boolean;
  markDone(key: string): void;
}

export const progressKey = (e: Exercise): string => `exercise:${e.id}`;

export function isPassed(progress: ProgressLike, e: Exercise): boolean {
  return progress.isDone(progressKey(e));
}

/** The exercise to work on: the first not passed yet, in catalog order (undefined when all passed). */
export function currentExercise(catalog: ExerciseCatalog, progress: ProgressLike): Exercise | undefined {
  return catalog.exercises.find((e) => !isPassed(progress, e));
}

export function nextExercise(catalog: ExerciseCatalog, progress: ProgressLike, after: Exercise): Exercise | undefined {
  const i = catalog.exercises.indexOf(after);
  return catalog.exercises.slice(i + 1).find((e) => !isPassed(progress, e)) ?? currentExercise(catalog, progress);
}
