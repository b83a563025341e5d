/**
 * The exercise catalog: lessons/exercises/catalog.json (order, the lesson each belongs to, what it teaches,
 * the expectations verify reports, the hints) plus, per exercise, `<id>/scaffold.ts` (what the learner
 * starts from) and `<id>/solution.ts` (ours). The code that probes a learner's exports lives in
 * src/exercises/checks/<id>.ts; the catalog test holds both sides to the same expectation ids.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, UserFacingError } from '../core/errors.ts';

export const EXERCISE_CATALOG_FORMAT_VERSION = 1;

/** The catalog shipped with the package: <package>/lessons/exercises/. */
export const DEFAULT_EXERCISES_DIR = fileURLToPath(new URL('../../lessons/exercises/', import.meta.url));

/**
 * The compiled check modules. Always dist/, even when the engine itself runs from src/: the learner's
 * `kube-lessons/machinery` resolves to dist/, and a check must share its classes (FakeClock,
 * DeletedFinalStateUnknown) for `instanceof` to hold on both sides.
 */
export const DEFAULT_CHECKS_DIR = fileURLToPath(new URL('../../dist/exercises/checks/', import.meta.url));

export interface Expectation {
  id: string;
  /** One line, what the learner's code must do: "returns the current context's name". */
  text: string;
}

export interface Exercise {
  id: string;
  number: number;
  title: string;
  /** The lesson (lessons/catalog.json id) whose article the exercise follows. */
  lesson: string;
  /** What writing it teaches, in one sentence. */
  teaches: string;
  /** pure: logic on a fake clock, no cluster. live: runs against the cluster in a namespace of its own. */
  kind: 'pure' | 'live';
  /** Where the learner's file lives in the workspace, e.g. exercises/01-kubeconfig.ts. */
  file: string;
  /** The names the check calls; the first is where a failed expectation points when nothing more precise is known. */
  exports: string[];
  expectations: Expectation[];
  hints: string[];
  /** A piece of the line verify prints first for the untouched scaffold (the catalog test checks it). */
  scaffoldFails: string;
  /** The learner's code is stopped after this long. */
  timeoutSeconds: number;
}

export interface ExerciseCatalog {
  formatVersion: number;
  /** Bumped when a workspace made earlier lacks something the engine needs: verify says to re-run init. */
  workspaceFormat: number;
  exercises: Exercise[];
  dir: string;
  checksDir: string;
}

export function loadExerciseCatalog(dir: string = DEFAULT_EXERCISES_DIR, checksDir: string = DEFAULT_CHECKS_DIR): ExerciseCatalog {
  const file = join(dir, 'catalog.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserFacingError(
      `cannot read the exercise catalog ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'reinstall kube-lessons, or run it from a complete checkout',
      ExitCode.config,
    );
  }
  const { catalog, problems } = parseExerciseCatalog(raw, dir, checksDir);
  if (!catalog)
    throw new UserFacingError(
      `the exercise catalog ${file} is invalid: ${problems.slice(0, 8).join('; ')}`,
      'fix the catalog entries named above',
      ExitCode.config,
    );
  return catalog;
}

/** Checks a parsed catalog.json; every problem names its field. Files beside it are checked by the catalog test. */
export function parseExerciseCatalog(raw: unknown, dir: string, checksDir: string): { catalog?: ExerciseCatalog; problems: string[] } {
  const problems: string[] = [];
  const bad = (at: string, what: string) => problems.push(`${at}: ${what}`);
  if (!isObject(raw)) return { problems: ['the catalog must be a JSON object'] };
  if (raw.formatVersion !== EXERCISE_CATALOG_FORMAT_VERSION)
    bad('formatVersion', `expected ${EXERCISE_CATALOG_FORMAT_VERSION}, found ${JSON.stringify(raw.formatVersion)}`);
  if (!Number.isInteger(raw.workspaceFormat) || (raw.workspaceFormat as number) < 1) bad('workspaceFormat', 'must be a whole number from 1');
  if (!Array.isArray(raw.exercises) || raw.exercises.length === 0) return { problems: [...problems, 'exercises: must be a non-empty list'] };
  const exercises: Exercise[] = [];
  const text = (v: unknown, at: string): string => {
    if (typeof v !== 'string' || !v.trim()) {
      bad(at, 'must be a non-empty string');
      return '';
    }
    return v;
  };
  const texts = (v: unknown, at: string): string[] => {
    if (!Array.isArray(v) || v.length === 0) {
      bad(at, 'must be a non-empty list');
      return [];
    }
    return v.map((s, i) => text(s, `${at}[${i}]`));
  };
  raw.exercises.forEach((e: unknown, i: number) => {
    const at = `exercises[${i}]`;
    if (!isObject(e)) return bad(at, 'must be an object');
    const id = text(e.id, `${at}.id`);
    if (id && !/^[a-z][a-z0-9-]*$/.test(id)) bad(`${at}.id`, `"${id}" must be lowercase letters, digits and dashes`);
    if (e.number !== i + 1) bad(`${at}.number`, `expected ${i + 1} (exercises are numbered in order), found ${JSON.stringify(e.number)}`);
    const file = text(e.file, `${at}.file`);
    if (file && !/^exercises\/[a-z0-9-]+\.ts$/.test(file)) bad(`${at}.file`, `"${file}" must be exercises/<name>.ts`);
    if (e.kind !== 'pure' && e.kind !== 'live') bad(`${at}.kind`, 'must be "pure" or "live"');
    const timeoutSeconds = e.timeoutSeconds;
    if (typeof timeoutSeconds !== 'number' || timeoutSeconds <= 0 || timeoutSeconds > 120)
      bad(`${at}.timeoutSeconds`, 'must be a number of seconds from 0 to 120');
    const expectations: Expectation[] = [];
    if (!Array.isArray(e.expectations) || e.expectations.length === 0) bad(`${at}.expectations`, 'must be a non-empty list');
    else {
      e.expectations.forEach((x: unknown, j: number) => {
        if (!isObject(x)) return bad(`${at}.expectations[${j}]`, 'must be an object');
        expectations.push({ id: text(x.id, `${at}.expectations[${j}].id`), text: text(x.text, `${at}.expectations[${j}].text`) });
      });
      const ids = expectations.map((x) => x.id);
      if (new Set(ids).size !== ids.length) bad(`${at}.expectations`, 'ids must be distinct');
    }
    exercises.push({
      id,
      number: i + 1,
      title: text(e.title, `${at}.title`),
      lesson: text(e.lesson, `${at}.lesson`),
      teaches: text(e.teaches, `${at}.teaches`),
      kind: e.kind as Exercise['kind'],
      file,
      exports: texts(e.exports, `${at}.exports`),
      expectations,
      hints: texts(e.hints, `${at}.hints`),
      scaffoldFails: text(e.scaffoldFails, `${at}.scaffoldFails`),
      timeoutSeconds: timeoutSeconds as number,
    });
  });
  const seen = new Set<string>();
  for (const [i, e] of exercises.entries()) {
    if (seen.has(e.id)) bad(`exercises[${i}].id`, `"${e.id}" is used twice`);
    seen.add(e.id);
  }
  if (new Set(exercises.map((e) => e.file)).size !== exercises.length) bad('exercises', 'two exercises share a file');
  if (problems.length) return { problems };
  return { catalog: { formatVersion: EXERCISE_CATALOG_FORMAT_VERSION, workspaceFormat: raw.workspaceFormat as number, exercises, dir, checksDir }, problems };
}

/** By id, by number ("3"), or by file name ("exercises/03-naked-pod.ts", "03-naked-pod"). */
export function findExercise(catalog: ExerciseCatalog, ref: string): Exercise | undefined {
  const r = ref.trim();
  if (/^\d+$/.test(r)) return catalog.exercises.find((e) => e.number === Number(r));
  const base = r.replace(/^.*\//, '').replace(/\.ts$/, '');
  return catalog.exercises.find((e) => e.id === r.toLowerCase() || e.file.replace(/^.*\//, '').replace(/\.ts$/, '') === base);
}

export function unknownExercise(catalog: ExerciseCatalog, ref: string): UserFacingError {
  const near = closestExercise(catalog, ref);
  return new UserFacingError(
    `no exercise "${ref}"${near ? `; did you mean ${near.id}?` : ''}`,
    `pick a number from 1 to ${catalog.exercises.length} or an id: see \`npx kube-lessons exercise list\``,
    ExitCode.usage,
  );
}

/** The exercise whose id (or file name) is a few typos from `ref`: at most one edit per four letters, and 3. */
export function closestExercise(catalog: ExerciseCatalog, ref: string): Exercise | undefined {
  const r = ref.trim().toLowerCase().replace(/^.*\//, '').replace(/\.ts$/, '');
  if (!r || /^\d+$/.test(r)) return undefined;
  let best: { e: Exercise; d: number } | undefined;
  for (const e of catalog.exercises) {
    const base = e.file.replace(/^.*\//, '').replace(/\.ts$/, '');
    const d = Math.min(editDistance(r, e.id), editDistance(r, base));
    if (d <= Math.min(3, Math.max(1, Math.floor(e.id.length / 4))) && (!best || d < best.d)) best = { e, d };
  }
  return best?.e;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit (objcet-keys). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

export const scaffoldPath = (catalog: ExerciseCatalog, e: Exercise): string => join(catalog.dir, e.id, 'scaffold.ts');
export const solutionPath = (catalog: ExerciseCatalog, e: Exercise): string => join(catalog.dir, e.id, 'solution.ts');

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
