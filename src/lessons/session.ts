/**
 * `kube-lessons learn`: turns the command's arguments and the CLI context into an engine run. Chooses the
 * interactive session when stdin and stdout are terminals and --yes was not given; otherwise prints and
 * runs the lessons without asking anything.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../console/context.ts';
import { renderObjects, renderTable } from '../console/output.ts';
import { ExitCode, InterruptedError, UserFacingError } from '../core/errors.ts';
import { findLesson, loadCatalog, type Catalog, type Lesson } from './catalog.ts';
import { clusterAccess, type ClusterAccess } from './cluster.ts';
import { lessonTableRows, runInteractive, runNonInteractive, runVerdict, type EngineDeps, type ExerciseOffer, type Prompter } from './engine.ts';
import { terminalWidth, wrapToWidth } from './markdown.ts';
import { ProgressStore, progressPath } from './progress.ts';
import { createRunner, forwardedGlobals, type CommandRunner } from './runner.ts';
import { sessionSeed } from './shuffle.ts';
import { wrappedOutput, type LineSink } from './wrapped-output.ts';

export interface LearnOptions {
  list?: boolean;
  reset?: boolean;
  yes?: boolean;
  /** false with --no-pager: long lessons are printed, not paged. */
  pager?: boolean;
}

export interface LearnDeps {
  ctx: CommandContext;
  /** Builds the program the lesson commands run in (the CLI's own createProgram), printing to `stdout` when given. */
  makeProgram: (signal: AbortSignal, stdout?: LineSink) => Command;
  env?: NodeJS.ProcessEnv;
  /** The exercises offered after each lesson's checkpoints, on the same progress store (the CLI wires them). */
  exercises?: (progress: ProgressStore) => ExerciseOffer;
  /** The catalog folder (tests use a fixture). */
  lessonsDir?: string;
  /** Tests pass a scripted prompter; otherwise @inquirer/prompts. */
  prompter?: Prompter;
  /** The cluster the lessons talk to (tests pass a fake). */
  cluster?: ClusterAccess;
  /** Seeds the order of checkpoint choices (default: a new one each session). */
  seed?: number;
  /** Whether a person is at the keyboard (default: stdin and stdout are terminals). */
  interactive?: boolean;
  width?: number;
}

export async function learn(lessonRef: string | undefined, opts: LearnOptions, deps: LearnDeps): Promise<void> {
  const { ctx } = deps;
  const env = deps.env ?? process.env;
  const catalog = loadCatalog(deps.lessonsDir);
  const progress = new ProgressStore(progressPath(env), { warn: (l) => ctx.out.info(l) });
  const interactive = (deps.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY)) && !opts.yes;

  if (opts.list && opts.reset) throw new UserFacingError('--list and --reset do not go together', 'use one of them', ExitCode.usage);
  if (opts.reset) return reset(catalog, progress, interactive, Boolean(opts.yes), deps);
  if (opts.list) return list(catalog, progress, ctx);

  const start = lessonRef === undefined ? undefined : findLesson(catalog, lessonRef);
  if (lessonRef !== undefined && !start) {
    throw new UserFacingError(`no lesson "${lessonRef}"`, `pick a number from 1 to ${catalog.lessons.length}, or one of: ${catalog.lessons.map((l) => l.id).join(', ')}`, ExitCode.usage);
  }

  const prompter = deps.prompter ?? (interactive ? (await import('./prompter.ts')).inquirerPrompter(ctx.signal) : noPrompts);
  const width = () => deps.width ?? terminalWidth();
  // On a terminal, what the lesson commands print is wrapped to the screen like the lesson text.
  const onTerminal = deps.width === undefined && Boolean(process.stdout.isTTY);
  const stdout = onTerminal ? wrappedOutput(process.stdout, width) : undefined;
  const runner = createRunner({
    makeProgram: stdout ? (signal) => deps.makeProgram(signal, stdout) : (signal) => deps.makeProgram(signal),
    globalArgs: forwardedGlobals(ctx.globals),
    signal: ctx.signal,
    debug: ctx.debug,
    writeErr: (l) => ctx.out.info(stdout ? wrapToWidth(l, width()) : l),
  });
  const engine: EngineDeps = {
    catalog,
    progress,
    // Every line the engine prints fits the width, whatever its source (a path, a server URL).
    print: (t = '') => ctx.out.line(wrapToWidth(t, width())),
    warn: (t) => ctx.out.info(wrapToWidth(t, width())),
    color: ctx.out.color,
    width: width(),
    runner: stdout ? flushingAfterEachRun(runner, stdout) : runner,
    cluster: deps.cluster ?? clusterAccess(ctx.globals, env, ctx.signal),
    prompter,
    signal: ctx.signal,
    ...(deps.exercises ? { exercises: deps.exercises(progress) } : {}),
    seed: deps.seed ?? sessionSeed(),
  };
  if (interactive && onTerminal && opts.pager !== false) {
    const { choosePager, createPager } = await import('./pager.ts');
    engine.page = createPager(choosePager(env), { stdin: process.stdin, stdout: process.stdout }, env);
  }

  if (!deps.cluster) await offerSandbox(engine, interactive, start ? [start] : catalog.lessons, env, ctx);

  if (interactive) {
    await runInteractive(engine, start);
    if (ctx.signal.aborted) throw new InterruptedError();
    return;
  }
  const lessons: Lesson[] = start ? [start] : catalog.lessons;
  const results = await runNonInteractive(engine, lessons);
  if (ctx.signal.aborted) throw new InterruptedError();
  const c = ctx.out.color;
  ctx.out.line(c.bold('Summary'));
  ctx.out.line(
    renderTable(
      ['#', 'LESSON', 'RESULT'],
      results.map((r) => [String(r.lesson.number), r.lesson.id, r.status === 'ok' ? c.green('ran') : r.status === 'skipped' ? c.yellow(`skipped: ${r.reason}`) : c.red(`failed: ${r.reason}`)]),
      c,
    ),
  );
  const verdict = runVerdict(lessons, results);
  if (verdict) throw verdict;
}

function flushingAfterEachRun(runner: CommandRunner, out: { flush(): void }): CommandRunner {
  return {
    has: (argv) => runner.has(argv),
    run: (spec, opts) => runner.run(spec, opts).finally(() => out.flush()),
  };
}

const noPrompts: Prompter = {
  select: () => Promise.reject(new Error('no prompts without a terminal')),
  confirm: () => Promise.reject(new Error('no prompts without a terminal')),
};

function list(catalog: Catalog, progress: ProgressStore, ctx: CommandContext): void {
  if (ctx.format === 'json' || ctx.format === 'yaml') {
    const data = catalog.lessons.map((l) => ({
      number: l.number,
      id: l.id,
      title: l.title,
      article: l.article,
      needsCluster: l.needsCluster,
      status: progress.isDone(l.id) ? 'done' : progress.get().current === l.id ? 'current' : 'not started',
      completedAt: progress.get().completed[l.id] ?? null,
    }));
    const payload = { progressFile: progress.path, lessons: data };
    ctx.out.line(renderObjects([payload], ctx.format === 'json' ? 'json' : 'yaml'));
    return;
  }
  const c = ctx.out.color;
  ctx.out.line(renderTable(['', '#', 'ID', 'TITLE', 'CLUSTER'], lessonTableRows(catalog, progress, c), c));
  const done = catalog.lessons.filter((l) => progress.isDone(l.id)).length;
  ctx.out.line();
  ctx.out.line(c.dim(`${done} of ${catalog.lessons.length} done (✓ done, ▶ current, · not started). Progress: ${progress.path}`));
}

async function reset(catalog: Catalog, progress: ProgressStore, interactive: boolean, yes: boolean, deps: LearnDeps): Promise<void> {
  const { ctx } = deps;
  if (!interactive && !yes) {
    throw new UserFacingError('learn --reset asks before it clears your progress, and there is no terminal to ask on', 'add --yes to clear it without asking', ExitCode.usage);
  }
  const done = catalog.lessons.filter((l) => progress.isDone(l.id)).length;
  if (interactive) {
    const prompter = deps.prompter ?? (await import('./prompter.ts')).inquirerPrompter(ctx.signal);
    const yes = await prompter.confirm({ message: `Forget your progress (${done} of ${catalog.lessons.length} lessons done)?`, default: false });
    if (!yes) {
      ctx.out.line('Progress kept.');
      return;
    }
  }
  progress.reset();
  ctx.out.line(`Progress cleared (${progress.path}).`);
}

/**
 * Nothing configured at all: the lessons that need a cluster get the local sandbox, as every other command
 * does. In a terminal its binaries build in the background and the lessons open at once (the first cluster
 * step waits for the build); --yes and non-terminal runs build and start it first, showing progress.
 * KUBE_LESSONS_NO_AUTO_SANDBOX=1 opts out.
 */
async function offerSandbox(engine: EngineDeps, interactive: boolean, lessons: Lesson[], env: NodeJS.ProcessEnv, ctx: CommandContext): Promise<void> {
  if (env.KUBE_LESSONS_NO_AUTO_SANDBOX === '1' || !lessons.some((l) => l.needsCluster)) return;
  if (await engine.cluster.configured()) return;
  if (interactive) {
    const { sandboxSupply } = await import('./sandbox-supply.ts');
    engine.sandbox = sandboxSupply({ env, signal: ctx.signal, stream: process.stderr, stdin: process.stdin, print: (l) => engine.print(l) });
    if (engine.sandbox.status()) {
      engine.print(engine.color.dim('No cluster is configured: the local sandbox is building in the background (the first time takes several minutes). Lessons are open meanwhile; a step that needs the cluster waits for it.'));
      engine.print();
    }
    return;
  }
  ctx.out.info('No cluster is configured: starting the local sandbox (stop it with `kube-lessons sandbox down`).');
  const [{ sandboxUp }, { progressReporter }] = await Promise.all([import('../sandbox/sandbox.ts'), import('../sandbox/build-progress.ts')]);
  const progress = progressReporter(process.stderr);
  await sandboxUp({ log: (l) => progress.log(`  ${l}`), onBuildProgress: (p) => progress.update(p), signal: ctx.signal }).finally(() => progress.done());
}
