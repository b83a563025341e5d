/**
 * The exercise commands' work, below the CLI: each takes what it needs (output, progress store, cluster
 * access) and returns or prints; the CLI files only parse options and wire these up.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Colors } from '../console/colors.ts';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { findExercise, loadExerciseCatalog, solutionPath, unknownExercise, type Exercise, type ExerciseCatalog } from './catalog.ts';
import { currentExercise, isPassed, nextExercise, type ProgressLike } from './progress.ts';
import { allPassedLine, exerciseLabel, renderHint, renderOutcome } from './render.ts';
import { Checker } from './typecheck.ts';
import { verifyExercise, type KubeAccess, type VerifyChecker, type VerifyOutcome } from './verify.ts';
import { findWorkspace, initWorkspace, linkPackage, readState, staleWorkspaceNote, writeState, type InitReport, type Workspace } from './workspace.ts';

export interface SessionIO {
  line(text?: string): void;
  info(text: string): void;
  color: Colors;
  signal: AbortSignal;
  cwd?: string;
  /** --workspace, else KUBE_LESSONS_WORKSPACE. */
  workspace?: string | undefined;
  progress: ProgressLike;
  kube?: () => Promise<KubeAccess>;
  /** The catalog folder and compiled checks (tests: a fixture). */
  catalogDir?: string;
  checksDir?: string;
}

export interface Opened {
  catalog: ExerciseCatalog;
  ws: Workspace;
}

/** Loads the catalog, finds the workspace, keeps its link to this package current and notes an old workspace. */
export function open(io: SessionIO): Opened {
  const catalog = loadExerciseCatalog(io.catalogDir, io.checksDir);
  const ws = findWorkspace(io.cwd ?? process.cwd(), io.workspace);
  linkPackage(ws.dir);
  const note = staleWorkspaceNote(catalog, ws);
  if (note) io.info(note);
  return { catalog, ws };
}

/** The exercise named, else the current one (the first not passed). */
export function pick(catalog: ExerciseCatalog, progress: ProgressLike, ref: string | undefined): Exercise {
  if (ref !== undefined)
    return (
      findExercise(catalog, ref) ??
      (() => {
        throw unknownExercise(catalog, ref);
      })()
    );
  return currentExercise(catalog, progress) ?? catalog.exercises[catalog.exercises.length - 1]!;
}

export function init(io: SessionIO, dir: string, force: string[]): InitReport {
  const catalog = loadExerciseCatalog(io.catalogDir, io.checksDir);
  return initWorkspace(catalog, dir, force);
}

/**
 * Verifies one exercise, prints it, records a pass; returns whether it passed. Interrupted (io.signal), it
 * rejects with the signal's reason: nothing printed, nothing recorded. `output` shows what the learner's
 * code printed under a pass too (--debug); under a failure it is always shown.
 */
export async function verify(
  io: SessionIO,
  ref: string | undefined,
  checker: VerifyChecker = new Checker(),
  opts: { output?: boolean } = {},
): Promise<VerifyOutcome> {
  const { catalog, ws } = open(io);
  const exercise = pick(catalog, io.progress, ref);
  const outcome = await verifyExercise(catalog, ws, exercise, { checker, signal: io.signal, ...(io.kube ? { kube: io.kube } : {}) });
  for (const l of renderOutcome(outcome, catalog.exercises.length, io.color, opts)) io.line(l);
  if (outcome.status === 'passed') {
    io.progress.markDone(`exercise:${exercise.id}`);
    // As watch does: a pass says where to go next, so the learner is never left guessing.
    const next = nextExercise(catalog, io.progress, exercise);
    io.line(next ? `Next: ${exerciseLabel(next)}: \`npx kube-lessons verify ${next.id}\` when it is written` : allPassedLine(catalog));
  }
  return outcome;
}

/**
 * The one thing to do next, for `exercise list` to end with: make a workspace, work on the current exercise, or
 * none. `catalog`: the one the caller already loaded.
 */
export function nextStep(io: SessionIO, catalog: ExerciseCatalog = loadExerciseCatalog(io.catalogDir, io.checksDir)): string {
  const current = currentExercise(catalog, io.progress);
  if (!current) return allPassedLine(catalog);
  try {
    findWorkspace(io.cwd ?? process.cwd(), io.workspace);
  } catch (err) {
    if (!(err instanceof UserFacingError)) throw err;
    return 'Next: `npx kube-lessons exercise init` makes your workspace, then `npx kube-lessons exercise watch` inside it.';
  }
  return `Next: ${exerciseLabel(current)}; \`npx kube-lessons exercise watch\` checks it on every save.`;
}

/** Shows one more hint than last time (all of them with `all`). */
export function hint(io: SessionIO, ref: string | undefined, all: boolean): void {
  const { catalog, ws } = open(io);
  const e = pick(catalog, io.progress, ref);
  const state = readState(ws);
  const shown = all ? e.hints.length : Math.min(e.hints.length, (state.hintsShown[e.id] ?? 0) + 1);
  state.hintsShown[e.id] = Math.max(shown, state.hintsShown[e.id] ?? 0);
  writeState(ws, state);
  io.line(io.color.bold(`Exercise ${e.number} ${e.id}: ${e.title}`));
  for (const l of renderHint(e, shown, io.color)) io.line(l);
}

/**
 * Prints our solution: freely once the exercise passed; before that only when `confirm` says yes (the CLI
 * asks in a terminal, or takes --yes; 'cannot-ask' elsewhere). It is printed, never written over the
 * learner's file.
 */
export function solution(io: SessionIO, ref: string | undefined, confirm: (e: Exercise) => Promise<boolean | 'cannot-ask'>): Promise<void> {
  const { catalog, ws } = open(io);
  const e = pick(catalog, io.progress, ref);
  return (async () => {
    const shown = isPassed(io.progress, e) || (await confirm(e));
    // The learner said no when asked: their choice, not an error, so no --yes hint and exit 0.
    if (shown === false) {
      io.line(`Kept hidden. \`npx kube-lessons hint ${e.id}\` gives the next hint.`);
      return;
    }
    if (shown === 'cannot-ask') {
      throw new UserFacingError(
        `exercise ${e.id} does not pass yet, so its solution stays hidden`,
        `try \`npx kube-lessons hint ${e.id}\` first, or add --yes to see it anyway`,
        ExitCode.usage,
      );
    }
    io.line(io.color.dim(`// Our solution to ${e.id}; yours is ${relative(io.cwd ?? process.cwd(), ws.dir + '/' + e.file)}`));
    io.line(readFileSync(solutionPath(catalog, e), 'utf8').trimEnd());
  })();
}

export function renderAll(outcome: VerifyOutcome, catalog: ExerciseCatalog, color: Colors): string[] {
  return renderOutcome(outcome, catalog.exercises.length, color);
}

/** The guided mode's view of the exercises: a lesson's exercises with their progress, and verify by id. */
export function lessonExercises(io: SessionIO): {
  forLesson(lessonId: string): { number: number; id: string; title: string; file: string; passed: boolean }[];
  verify(id: string): Promise<boolean>;
} {
  const catalog = loadExerciseCatalog(io.catalogDir, io.checksDir);
  const checker = new Checker();
  return {
    forLesson: (lessonId) =>
      catalog.exercises
        .filter((e) => e.lesson === lessonId)
        .map((e) => ({ number: e.number, id: e.id, title: e.title, file: e.file, passed: isPassed(io.progress, e) })),
    verify: async (id) => (await verify(io, id, checker)).status === 'passed',
  };
}
