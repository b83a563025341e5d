/**
 * The lesson catalog: lessons/catalog.json (the order, the commands each lesson runs, its questions and
 * its hands-on task) plus one Markdown file per lesson. Loading validates everything a session relies on,
 * so a broken catalog fails at once with every problem listed, not halfway through a lesson.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, UserFacingError } from '../core/errors.ts';

export const CATALOG_FORMAT_VERSION = 1;

/** The catalog shipped with the package: <package>/lessons/ (the same relative path from src/ and dist/). */
export const DEFAULT_LESSONS_DIR = fileURLToPath(new URL('../../lessons/', import.meta.url));

/** One command a lesson runs: the argv after `kube-lessons`. */
export interface CommandSpec {
  argv: string[];
  /**
   * For commands that run until interrupted (watches, informers, controllers): stop them after this many
   * seconds. The stop counts as a normal end.
   */
  stopAfterSeconds?: number;
}

/** Where the real implementation of a concept lives: a file under src/ and an exported symbol in it. */
export interface SourceRef {
  file: string;
  symbol: string;
}

export interface Question {
  prompt: string;
  choices: string[];
  /** Index into choices of the one right answer. */
  answer: number;
  /** Why the right answer is right; shown after every answer. */
  explanation: string;
}

/** What a hands-on task's "check" looks for in the cluster. */
export type Check =
  | { type: 'cluster-reachable' }
  | { type: 'pod-exists'; namespace: string; name: string; image?: string }
  | {
      type: 'resource-exists';
      apiVersion: string;
      kind: string;
      namespace?: string;
      name: string;
      /** The object must have an owner reference to an object of this kind and name. */
      ownedBy?: { kind: string; name: string };
      /** Dotted paths into the object and the values they must hold, e.g. {"spec.replicas": 3}. */
      fields?: Record<string, string | number | boolean>;
    };

export const CHECK_TYPES = ['cluster-reachable', 'pod-exists', 'resource-exists'] as const;

export interface Task {
  /** What the learner should do, in Markdown. */
  description: string;
  check: Check;
  /** Commands that remove what the task made; offered after the lesson. */
  cleanup: CommandSpec[];
}

export interface Lesson {
  id: string;
  number: number;
  title: string;
  /** The blog part the lesson follows, by title. */
  article: string;
  summary: string;
  /** The lesson text, relative to the catalog folder. */
  file: string;
  commands: CommandSpec[];
  needsCluster: boolean;
  changesCluster: boolean;
  /** What running the commands changes, in a few words (asked before running them). */
  changeSummary?: string;
  /** Commands that undo what `commands` changed; required when changesCluster. */
  cleanup: CommandSpec[];
  concepts: string[];
  hints: string[];
  sources: SourceRef[];
  questions: Question[];
  task?: Task;
}

export interface Catalog {
  formatVersion: number;
  welcome: string;
  closing: string;
  lessons: Lesson[];
  /** The folder the catalog was read from. */
  dir: string;
}

/** Reads and validates a catalog; throws a UserFacingError listing the problems when it is not usable. */
export function loadCatalog(dir: string = DEFAULT_LESSONS_DIR): Catalog {
  const file = join(dir, 'catalog.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserFacingError(
      `cannot read the lesson catalog ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'reinstall kube-lessons, or run it from a complete checkout',
      ExitCode.config,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserFacingError(`the lesson catalog ${file} is not valid JSON: ${(err as Error).message}`, 'fix the file', ExitCode.config);
  }
  const { catalog, problems } = parseCatalog(raw, dir);
  if (!catalog) {
    const shown = problems.slice(0, 8).join('; ');
    const more = problems.length > 8 ? ` (and ${problems.length - 8} more)` : '';
    throw new UserFacingError(`the lesson catalog ${file} is invalid: ${shown}${more}`, 'fix the catalog entries named above', ExitCode.config);
  }
  return catalog;
}

/** Reads one lesson's Markdown text. */
export function lessonText(catalog: Catalog, lesson: Lesson): string {
  const file = join(catalog.dir, lesson.file);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserFacingError(
      `cannot read lesson ${lesson.number}'s text ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'reinstall kube-lessons, or run it from a complete checkout',
      ExitCode.config,
    );
  }
}

/** Finds a lesson by id or by number ("3", "03"). */
export function findLesson(catalog: Catalog, ref: string): Lesson | undefined {
  const trimmed = ref.trim();
  if (/^\d+$/.test(trimmed)) return catalog.lessons.find((l) => l.number === Number(trimmed));
  return catalog.lessons.find((l) => l.id === trimmed.toLowerCase());
}

/** The lesson after `lesson`, if any. */
export function nextLesson(catalog: Catalog, lesson: Lesson): Lesson | undefined {
  const i = catalog.lessons.indexOf(lesson);
  return i >= 0 ? catalog.lessons[i + 1] : undefined;
}

/** How a command is shown to a person: `kube-lessons workqueue --scenario dedup`. */
export function commandLine(spec: CommandSpec | string[]): string {
  const argv = Array.isArray(spec) ? spec : spec.argv;
  return ['kube-lessons', ...argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`))].join(' ');
}

/**
 * Checks a parsed catalog.json against the format. Returns the catalog when it is usable, and every
 * problem found (each one names the field: `lessons[2].questions[0].answer: ...`). The lesson files are
 * not read here; the catalog test checks them.
 */
export function parseCatalog(raw: unknown, dir: string): { catalog?: Catalog; problems: string[] } {
  const problems: string[] = [];
  const v = new Validator(problems);
  if (!isObject(raw)) return { problems: ['the catalog must be a JSON object'] };
  if (raw.formatVersion !== CATALOG_FORMAT_VERSION)
    problems.push(`formatVersion: expected ${CATALOG_FORMAT_VERSION}, found ${JSON.stringify(raw.formatVersion)}`);
  const welcome = v.text(raw.welcome, 'welcome');
  const closing = v.text(raw.closing, 'closing');
  const lessons: Lesson[] = [];
  if (!Array.isArray(raw.lessons) || raw.lessons.length === 0) {
    problems.push('lessons: must be a non-empty list');
  } else {
    raw.lessons.forEach((entry, i) => {
      const lesson = parseLesson(entry, `lessons[${i}]`, v);
      if (lesson) lessons.push(lesson);
    });
    const seen = new Set<string>();
    lessons.forEach((l, i) => {
      if (seen.has(l.id)) problems.push(`lessons[${i}].id: "${l.id}" is used by another lesson`);
      seen.add(l.id);
      if (l.number !== i + 1) problems.push(`lessons[${i}].number: expected ${i + 1} (lessons are numbered 1, 2, ... in order), found ${l.number}`);
    });
  }
  if (problems.length) return { problems };
  return { catalog: { formatVersion: CATALOG_FORMAT_VERSION, welcome, closing, lessons, dir }, problems };
}

function parseLesson(raw: unknown, at: string, v: Validator): Lesson | undefined {
  if (!isObject(raw)) {
    v.problem(at, 'must be an object');
    return undefined;
  }
  const id = v.text(raw.id, `${at}.id`);
  if (id && !/^[a-z][a-z0-9-]*$/.test(id)) v.problem(`${at}.id`, `"${id}" must be lowercase letters, digits and dashes, starting with a letter`);
  const number = raw.number;
  if (!Number.isInteger(number) || (number as number) < 1) v.problem(`${at}.number`, 'must be a whole number from 1');
  const file = v.text(raw.file, `${at}.file`);
  if (file && (file.includes('..') || file.startsWith('/') || !file.endsWith('.md')))
    v.problem(`${at}.file`, `"${file}" must be a .md file inside the catalog folder`);
  const needsCluster = v.bool(raw.needsCluster, `${at}.needsCluster`);
  const changesCluster = v.bool(raw.changesCluster, `${at}.changesCluster`);
  const commands = v.commands(raw.commands, `${at}.commands`, true);
  const cleanup = raw.cleanup === undefined ? [] : v.commands(raw.cleanup, `${at}.cleanup`, false);
  let changeSummary: string | undefined;
  if (changesCluster) {
    if (cleanup.length === 0) v.problem(`${at}.cleanup`, 'a lesson that changes the cluster must say how to undo it');
    changeSummary = v.text(raw.changeSummary, `${at}.changeSummary`);
  } else if (cleanup.length) {
    v.problem(`${at}.cleanup`, 'only lessons that change the cluster have cleanup commands');
  }
  const sources: SourceRef[] = [];
  if (!Array.isArray(raw.sources) || raw.sources.length === 0) v.problem(`${at}.sources`, 'must list at least one {file, symbol}');
  else
    raw.sources.forEach((s, i) => {
      const p = `${at}.sources[${i}]`;
      if (!isObject(s)) return v.problem(p, 'must be {file, symbol}');
      const f = v.text(s.file, `${p}.file`);
      const symbol = v.text(s.symbol, `${p}.symbol`);
      if (f && !/^src\/[\w./-]+\.ts$/.test(f)) v.problem(`${p}.file`, `"${f}" must be a .ts file under src/`);
      if (symbol && !/^[A-Za-z_$][\w$]*$/.test(symbol)) v.problem(`${p}.symbol`, `"${symbol}" is not an identifier`);
      sources.push({ file: f, symbol });
    });
  const questions: Question[] = [];
  if (!Array.isArray(raw.questions) || raw.questions.length === 0) v.problem(`${at}.questions`, 'must have at least one checkpoint question');
  else
    raw.questions.forEach((q, i) => {
      const parsed = parseQuestion(q, `${at}.questions[${i}]`, v);
      if (parsed) questions.push(parsed);
    });
  let task: Task | undefined;
  if (raw.task !== undefined) task = parseTask(raw.task, `${at}.task`, v);
  const lesson: Lesson = {
    id,
    number: number as number,
    title: v.text(raw.title, `${at}.title`),
    article: v.text(raw.article, `${at}.article`),
    summary: v.text(raw.summary, `${at}.summary`),
    file,
    commands,
    needsCluster,
    changesCluster,
    cleanup,
    concepts: v.texts(raw.concepts, `${at}.concepts`),
    hints: v.texts(raw.hints, `${at}.hints`),
    sources,
    questions,
  };
  if (changeSummary) lesson.changeSummary = changeSummary;
  if (task) lesson.task = task;
  return lesson;
}

function parseQuestion(raw: unknown, at: string, v: Validator): Question | undefined {
  if (!isObject(raw)) {
    v.problem(at, 'must be {prompt, choices, answer, explanation}');
    return undefined;
  }
  const choices = v.texts(raw.choices, `${at}.choices`);
  if (choices.length === 1) v.problem(`${at}.choices`, 'needs at least two choices');
  if (new Set(choices).size !== choices.length) v.problem(`${at}.choices`, 'two choices read the same, so two answers would be right');
  const answer = raw.answer;
  if (!Number.isInteger(answer) || (answer as number) < 0 || (answer as number) >= choices.length) {
    v.problem(`${at}.answer`, `must be the index of the one right choice (0..${Math.max(0, choices.length - 1)}), found ${JSON.stringify(answer)}`);
  }
  return { prompt: v.text(raw.prompt, `${at}.prompt`), choices, answer: answer as number, explanation: v.text(raw.explanation, `${at}.explanation`) };
}

function parseTask(raw: unknown, at: string, v: Validator): Task | undefined {
  if (!isObject(raw)) {
    v.problem(at, 'must be {description, check}');
    return undefined;
  }
  const description = v.text(raw.description, `${at}.description`);
  const check = parseCheck(raw.check, `${at}.check`, v);
  const cleanup = raw.cleanup === undefined ? [] : v.commands(raw.cleanup, `${at}.cleanup`, false);
  return check ? { description, check, cleanup } : undefined;
}

function parseCheck(raw: unknown, at: string, v: Validator): Check | undefined {
  if (!isObject(raw) || typeof raw.type !== 'string') {
    v.problem(at, `must be an object with a type (${CHECK_TYPES.join(', ')})`);
    return undefined;
  }
  switch (raw.type) {
    case 'cluster-reachable':
      return { type: 'cluster-reachable' };
    case 'pod-exists': {
      const check: Check = { type: 'pod-exists', namespace: v.name(raw.namespace, `${at}.namespace`), name: v.name(raw.name, `${at}.name`) };
      if (raw.image !== undefined) check.image = v.text(raw.image, `${at}.image`);
      return check;
    }
    case 'resource-exists': {
      const check: Check = {
        type: 'resource-exists',
        apiVersion: v.text(raw.apiVersion, `${at}.apiVersion`),
        kind: v.text(raw.kind, `${at}.kind`),
        name: v.name(raw.name, `${at}.name`),
      };
      if (raw.namespace !== undefined) check.namespace = v.name(raw.namespace, `${at}.namespace`);
      if (raw.ownedBy !== undefined) {
        if (!isObject(raw.ownedBy)) v.problem(`${at}.ownedBy`, 'must be {kind, name}');
        else check.ownedBy = { kind: v.text(raw.ownedBy.kind, `${at}.ownedBy.kind`), name: v.name(raw.ownedBy.name, `${at}.ownedBy.name`) };
      }
      if (raw.fields !== undefined) {
        if (!isObject(raw.fields)) v.problem(`${at}.fields`, 'must map dotted paths to values');
        else {
          for (const [path, value] of Object.entries(raw.fields)) {
            if (!['string', 'number', 'boolean'].includes(typeof value)) v.problem(`${at}.fields.${path}`, 'must be a string, number or boolean');
          }
          check.fields = raw.fields as Record<string, string | number | boolean>;
        }
      }
      return check;
    }
    default:
      v.problem(`${at}.type`, `unknown check "${raw.type}" (known: ${CHECK_TYPES.join(', ')})`);
      return undefined;
  }
}

class Validator {
  readonly problems: string[];

  constructor(problems: string[]) {
    this.problems = problems;
  }

  problem(at: string, what: string): void {
    this.problems.push(`${at}: ${what}`);
  }

  text(value: unknown, at: string): string {
    if (typeof value !== 'string' || value.trim() === '') {
      this.problem(at, 'must be a non-empty string');
      return '';
    }
    return value;
  }

  name(value: unknown, at: string): string {
    const s = this.text(value, at);
    if (s && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s)) this.problem(at, `"${s}" is not a valid Kubernetes name`);
    return s;
  }

  bool(value: unknown, at: string): boolean {
    if (typeof value !== 'boolean') this.problem(at, 'must be true or false');
    return value === true;
  }

  texts(value: unknown, at: string): string[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.problem(at, 'must be a non-empty list of strings');
      return [];
    }
    return value.map((s, i) => this.text(s, `${at}[${i}]`));
  }

  /** A list of commands: each an argv list, or {argv, stopAfterSeconds}. */
  commands(value: unknown, at: string, required: boolean): CommandSpec[] {
    if (!Array.isArray(value) || (required && value.length === 0)) {
      this.problem(at, required ? 'must list at least one command (an argv list)' : 'must be a list of commands (argv lists)');
      return [];
    }
    const out: CommandSpec[] = [];
    value.forEach((entry, i) => {
      const p = `${at}[${i}]`;
      const argvRaw = Array.isArray(entry) ? entry : isObject(entry) ? entry.argv : undefined;
      if (!Array.isArray(argvRaw) || argvRaw.length === 0 || !argvRaw.every((a) => typeof a === 'string' && a !== '')) {
        this.problem(p, 'must be a non-empty argv list of strings, or {argv, stopAfterSeconds}');
        return;
      }
      const argv = argvRaw as string[];
      if (argv[0]!.startsWith('-')) this.problem(p, 'must start with a subcommand, not an option');
      const spec: CommandSpec = { argv };
      if (isObject(entry) && !Array.isArray(entry) && entry.stopAfterSeconds !== undefined) {
        const s = entry.stopAfterSeconds;
        if (typeof s !== 'number' || !(s > 0) || s > 600) this.problem(`${p}.stopAfterSeconds`, 'must be a number of seconds from 1 to 600');
        else spec.stopAfterSeconds = s;
      }
      out.push(spec);
    });
    return out;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
