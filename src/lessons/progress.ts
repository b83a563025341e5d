/**
 * The learner's progress: which lessons are done and where they are. A small JSON file under
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
  updatedAt?: string;
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

  /** Forgets everything. */
  reset(): void {
    this.data = emptyProgress();
    rmSync(this.path, { force: true });
  }

  save(): void {
    const data = this.get();
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
  if (typeof r.updatedAt === 'string') data.updatedAt = r.updatedAt;
  return data;
}
