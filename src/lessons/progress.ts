/**
 * The learner's progress: which lessons are done, where they are, and how each checkpoint was answered. A small JSON file under
 * $XDG_CONFIG_HOME/kube-lessons/progress.json (else ~/.config/kube-lessons/progress.json), written
 * atomically (a temporary file renamed over the old one), so an interrupted write never leaves half a file.
 * A file that cannot be read as progress is reported in one line and renamed aside, never fatal.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const PROGRESS_FORMAT_VERSION = 1;

export interface ProgressData {
  formatVersion: number;
  /** The lesson the learner is on: the one opened last, or the next one after finishing a lesson. */
  current?: string;
  /** Finished lessons: id -> when (ISO time). */
  completed: Record<string, string>;
  /** Checkpoint answers: lesson id -> question index (in the catalog) -> the latest answer. */
  answers?: Record<string, Record<string, CheckpointAnswer>>;
  updatedAt?: string;
}

export interface CheckpointAnswer {
  /** The catalog index of the choice picked last (the order shown is shuffled; this is not the position). */
  choice: number;
  correct: boolean;
  /** How many picks it took, this one included. */
  attempts: number;
  at: string;
}

export function emptyProgress(): ProgressData {
  return { formatVersion: PROGRESS_FORMAT_VERSION, completed: {} };
}

export function progressPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'kube-lessons', 'progress.json');
}

export class ProgressStore {
  readonly path: string;
  private readonly warn: (line: string) => void;
  private readonly now: () => Date;
  private data: ProgressData | undefined;

  constructor(path: string, opts: { warn?: (line: string) => void; now?: () => Date } = {}) {
    this.path = path;
    this.warn = opts.warn ?? (() => {});
    this.now = opts.now ?? (() => new Date());
  }

  /** The stored progress (read once; empty when there is none or it was corrupt). */
  get(): ProgressData {
    this.data ??= this.read();
    return this.data;
  }

  isDone(id: string): boolean {
    return Object.hasOwn(this.get().completed, id);
  }

  setCurrent(id: string | undefined): void {
    const data = this.get();
    if (id === undefined) delete data.current;
    else data.current = id;
    this.save();
  }

  /** Marks a lesson done and moves `current` on to `next` (or clears it after the last lesson). */
  complete(id: string, next: string | undefined): void {
    const data = this.get();
    data.completed[id] = this.now().toISOString();
    if (next === undefined) delete data.current;
    else data.current = next;
    this.save();
  }

  /** Marks `id` done without moving `current` (exercises: `exercise:<id>`). */
  markDone(id: string): void {
    if (this.isDone(id)) return;
    this.get().completed[id] = this.now().toISOString();
    this.save();
  }

  /** Records a pick at a checkpoint (question `index` of lesson `id`); the attempts add up within a lesson run. */
  recordAnswer(id: string, index: number, answer: { choice: number; correct: boolean; attempts: number }): void {
    const data = this.get();
    const lesson = ((data.answers ??= {})[id] ??= {});
    lesson[String(index)] = { ...answer, at: this.now().toISOString() };
    this.save();
  }

  /** Forgets everything. */
  reset(): void {
    this.data = emptyProgress();
    rmSync(this.path, { force: true });
  }

  save(): void {
    const data = this.get();
    // Another process (exercise watch beside learn) may have recorded passes since we read: keep them.
    const onDisk = this.readQuietly();
    if (onDisk) data.completed = { ...onDisk.completed, ...data.completed };
    data.updatedAt = this.now().toISOString();
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o644 });
      renameSync(tmp, this.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  private readQuietly(): ProgressData | undefined {
    try {
      const found = validate(readFileSync(this.path, 'utf8'));
      return typeof found === 'string' ? undefined : found;
    } catch {
      return undefined;
    }
  }

  private read(): ProgressData {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyProgress();
      this.warn(
        `warning: cannot read progress file ${this.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); starting without saved progress`,
      );
      return emptyProgress();
    }
    const problem = validate(text);
    if (typeof problem !== 'string') return problem;
    const aside = `${this.path}.corrupt-${this.now().toISOString().replaceAll(':', '-')}`;
    let moved = false;
    try {
      if (existsSync(this.path)) {
        renameSync(this.path, aside);
        moved = true;
      }
    } catch {
      moved = false;
    }
    this.warn(
      moved
        ? `warning: progress file ${this.path} was unreadable (${problem}); moved it to ${aside} and starting fresh`
        : `warning: progress file ${this.path} was unreadable (${problem}) and could not be moved aside; starting fresh`,
    );
    return emptyProgress();
  }
}

/** The progress in `text`, or why it is not progress. */
function validate(text: string): ProgressData | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message.split('\n')[0]}`;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not a JSON object';
  const r = raw as Record<string, unknown>;
  if (r.formatVersion !== PROGRESS_FORMAT_VERSION) return `unknown formatVersion ${JSON.stringify(r.formatVersion)}`;
  if (r.current !== undefined && typeof r.current !== 'string') return '"current" is not a lesson id';
  const completed = r.completed ?? {};
  if (typeof completed !== 'object' || completed === null || Array.isArray(completed)) return '"completed" is not an object';
  for (const [k, v] of Object.entries(completed)) if (typeof v !== 'string') return `"completed.${k}" is not a time`;
  const data: ProgressData = { formatVersion: PROGRESS_FORMAT_VERSION, completed: { ...(completed as Record<string, string>) } };
  if (typeof r.current === 'string') data.current = r.current;
  const answers = readAnswers(r.answers);
  if (typeof answers === 'string') return answers;
  if (answers) data.answers = answers;
  if (typeof r.updatedAt === 'string') data.updatedAt = r.updatedAt;
  return data;
}

/** The stored checkpoint answers, undefined when there are none, or what is wrong with them. */
function readAnswers(raw: unknown): ProgressData['answers'] | string {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return '"answers" is not an object';
  const out: NonNullable<ProgressData['answers']> = {};
  for (const [lesson, byQuestion] of Object.entries(raw)) {
    if (typeof byQuestion !== 'object' || byQuestion === null || Array.isArray(byQuestion)) return `"answers.${lesson}" is not an object`;
    out[lesson] = {};
    for (const [q, a] of Object.entries(byQuestion as Record<string, unknown>)) {
      const x = a as Partial<CheckpointAnswer> | null;
      if (!/^\d+$/.test(q) || !x || !Number.isInteger(x.choice) || typeof x.correct !== 'boolean' || !Number.isInteger(x.attempts) || typeof x.at !== 'string') {
        return `"answers.${lesson}.${q}" is not a checkpoint answer`;
      }
      out[lesson][q] = { choice: x.choice!, correct: x.correct, attempts: x.attempts!, at: x.at };
    }
  }
  return out;
}
