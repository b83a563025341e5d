/** Shared by the lesson engine's unit tests: a scripted prompter, a fake program, a captured context. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createColors } from '../../../src/console/colors.ts';
import { Command } from 'commander';
import type { CommandContext, GlobalOptions } from '../../../src/console/context.ts';
import { renderTable } from '../../../src/console/output.ts';
import { returnsOutcome, type CommandOutcome } from '../../../src/console/run-command.ts';
import { ExitCode, UserFacingError } from '../../../src/core/errors.ts';
import type { Check } from '../../../src/lessons/catalog.ts';
import type { CheckResult } from '../../../src/lessons/checks.ts';
import type { ClusterAccess, ClusterStatus } from '../../../src/lessons/cluster.ts';
import type { Choice, Prompter } from '../../../src/lessons/engine.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/lessons/', import.meta.url));

export interface Asked {
  type: 'select' | 'confirm';
  message: string;
  choices: Choice<string>[];
  default: unknown;
}

type SelectAnswer = string | ((q: { message: string; choices: Choice<string>[]; default?: string }) => string);
export type Answer = SelectAnswer | boolean | Error;

/** Answers prompts from a script, in order, and records every question. Running out of answers fails the test. */
export class ScriptedPrompter implements Prompter {
  readonly asked: Asked[] = [];
  private readonly answers: Answer[];

  constructor(answers: Answer[]) {
    this.answers = [...answers];
  }

  get remaining(): number {
    return this.answers.length;
  }

  async select<V extends string>(q: { message: string; choices: Choice<V>[]; default?: V }): Promise<V> {
    this.asked.push({ type: 'select', message: q.message, choices: q.choices, default: q.default });
    const a = this.next(q.message);
    if (typeof a === 'boolean') throw new Error(`script answered a select with a boolean: ${q.message}`);
    const value = typeof a === 'function' ? a(q) : a;
    if (!q.choices.some((c) => c.value === value)) throw new Error(`"${value}" is not a choice of "${q.message}": ${q.choices.map((c) => c.value).join(', ')}`);
    return value as V;
  }

  async confirm(q: { message: string; default?: boolean }): Promise<boolean> {
    this.asked.push({ type: 'confirm', message: q.message, choices: [], default: q.default });
    const a = this.next(q.message);
    if (typeof a !== 'boolean') throw new Error(`script answered a confirm with ${String(a)}: ${q.message}`);
    return a;
  }

  private next(message: string): Answer {
    if (this.answers.length === 0) throw new Error(`unexpected prompt (script ran out): ${message}`);
    const a = this.answers.shift()!;
    if (a instanceof Error) throw a;
    return a;
  }
}

/** Picks the choice whose label contains `text`. */
export function choose(text: string): SelectAnswer {
  return (q) => {
    const hit = q.choices.find((c) => c.name.includes(text));
    if (!hit) throw new Error(`no choice containing "${text}" in "${q.message}": ${q.choices.map((c) => c.name).join(' | ')}`);
    return hit.value;
  };
}

/** What Ctrl-C at an @inquirer prompt throws. */
export function promptExit(): Error {
  return Object.assign(new Error('User force closed the prompt with SIGINT'), { name: 'ExitPromptError' });
}

export interface FakeProgram {
  log: string[];
  makeProgram: (signal: AbortSignal) => Command;
  /** Resolves when `fake stream` has started: interrupt it from then on. */
  streaming: Promise<void>;
}

/**
 * A program with the commands the fixture lessons run: `fake hello|change|undo|undo-task|fail|stream|unhealthy`.
 * `fail` throws a UserFacingError; `stream` runs until its signal aborts; a command named in `errors` throws that error.
 */
export function fakeProgram(opts: { failing?: string[]; errors?: Record<string, UserFacingError> } = {}): FakeProgram {
  const log: string[] = [];
  let started = () => {};
  const streaming = new Promise<void>((resolve) => (started = resolve));
  const makeProgram = (signal: AbortSignal) => {
    const program = new Command('kube-lessons').option('--kubeconfig <file>').option('--no-color');
    const fake = program.command('fake');
    const simple = (name: string) =>
      fake.command(name).action(() => {
        log.push(name);
        const planted = opts.errors?.[name];
        if (planted) throw planted;
        if (opts.failing?.includes(name)) throw new UserFacingError(`${name} broke`, 'a hint', ExitCode.failure);
      });
    for (const name of ['hello', 'change', 'undo', 'undo-task']) simple(name);
    fake.command('fail').action(() => {
      log.push('fail');
      throw new UserFacingError('the fake command failed', 'nothing to do', ExitCode.notFound);
    });
    fake.command('unhealthy').action(
      returnsOutcome(async (): Promise<CommandOutcome> => {
        log.push('unhealthy');
        return Promise.resolve('checks-failed');
      }),
    );
    fake.command('stream').action(async () => {
      const planted = opts.errors?.stream;
      if (planted) {
        log.push('stream failed');
        throw planted;
      }
      if (opts.failing?.includes('stream')) {
        log.push('stream failed');
        throw new UserFacingError('cannot reach https://fake:6443 (ECONNREFUSED)', 'start it', ExitCode.unreachable);
      }
      log.push('stream started');
      started();
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      log.push('stream stopped');
      throw Object.assign(new Error('interrupted'), { name: 'AbortError' });
    });
    return program;
  };
  return { log, makeProgram, streaming };
}

export interface CapturedContext {
  ctx: CommandContext;
  out: string[];
  err: string[];
  /** Everything printed, stdout and stderr in order. */
  all: string[];
  abort: AbortController;
}

export function capturedContext(globals: GlobalOptions = {}, format: CommandContext['format'] = 'table', colorLevel: 0 | 2 = 0): CapturedContext {
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  const abort = new AbortController();
  const ctx: CommandContext = {
    globals,
    out: {
      isTTY: false,
      color: createColors(colorLevel),
      line: (t = '') => {
        out.push(t);
        all.push(t);
      },
      info: (t) => {
        err.push(t);
        all.push(t);
      },
      table: (head, rows) => {
        const t = renderTable(head, rows, createColors(0));
        out.push(t);
        all.push(t);
      },
      columns: undefined,
    },
    format,
    debug: false,
    requestTimeoutMs: 30_000,
    signal: abort.signal,
    kube: () => Promise.reject(new Error('the engine tests use no real cluster')),
  };
  return { ctx, out, err, all, abort };
}

export interface FakeCluster extends ClusterAccess {
  checks: Check[];
}

/** A cluster that is (or is not) configured and reachable; checks answer from `results` in order. */
export function fakeCluster(opts: { configured?: boolean; reachable?: boolean; results?: CheckResult[]; problem?: UserFacingError } = {}): FakeCluster {
  const configured = opts.configured ?? true;
  const reachable = opts.problem ? false : (opts.reachable ?? configured);
  const results = [...(opts.results ?? [])];
  const checks: Check[] = [];
  return {
    checks,
    configured: async () => configured,
    status: async (): Promise<ClusterStatus> => ({
      configured,
      reachable,
      detail: reachable ? 'https://fake:6443 (Kubernetes v1.0.0, context fake)' : (opts.problem?.message ?? 'cannot reach https://fake:6443 (ECONNREFUSED)'),
      ...(opts.problem ? { problem: opts.problem } : {}),
    }),
    check: async (check) => {
      checks.push(check);
      return results.shift() ?? { ok: false, message: 'no scripted result' };
    },
  };
}

export function tempConfigHome(): { env: NodeJS.ProcessEnv; dir: string; progressFile: string } {
  const dir = tempDir('kube-lessons-learn-');
  return { dir, env: { XDG_CONFIG_HOME: dir, HOME: dir }, progressFile: join(dir, 'kube-lessons', 'progress.json') };
}
