/**
 * The lesson engine. Interactive: a menu of lessons with progress marks, and inside a lesson its text, a
 * live run of its commands, checkpoint questions, the hands-on task with check and hints, cleanup, and
 * the way on to the next lesson; progress is saved at every step. Non-interactive (no terminal, or
 * --yes): every chosen lesson's text is printed and its commands run in order, each cluster-changing
 * lesson followed by its cleanup, and the caller learns which lessons failed.
 *
 * Everything the engine touches comes in through EngineDeps (prompts, output, the command runner, the
 * cluster), so tests drive it with a scripted prompter and a fake program.
 */
import { dirname, relative, resolve } from 'node:path';
import type { Colors } from '../console/colors.ts';
import { commandLine, lessonText, nextLesson, type Catalog, type CommandSpec, type Lesson, type Question } from './catalog.ts';
import type { CheckResult } from './checks.ts';
import type { ClusterAccess } from './cluster.ts';
import { renderMarkdown, wrapWords, renderInline } from './markdown.ts';
import type { ProgressStore } from './progress.ts';
import type { CommandRunner } from './runner.ts';
import type { SandboxSupply } from './sandbox-supply.ts';
import { choiceOrder } from './shuffle.ts';
import { ExitCode, InterruptedError, UserFacingError } from '../core/errors.ts';

export interface Choice<V extends string> {
  value: V;
  name: string;
  description?: string;
}

/** The two kinds of question the engine asks. Rejecting with an ExitPromptError (Ctrl-C) ends the session. */
export interface Prompter {
  /**
   * `liveMessage`, when given, recomputes the question while it waits (the menu's build state): a prompter on a
   * terminal redraws it when it changes; one without a screen to redraw asks with `message`.
   */
  select<V extends string>(question: { message: string; choices: Choice<V>[]; default?: V; liveMessage?: () => string }): Promise<V>;
  confirm(question: { message: string; default?: boolean }): Promise<boolean>;
}

export interface EngineDeps {
  catalog: Catalog;
  progress: ProgressStore;
  /** Writes lines to stdout. */
  print: (text?: string) => void;
  /** Writes a warning line to stderr. */
  warn: (text: string) => void;
  color: Colors;
  width: number;
  runner: CommandRunner;
  cluster: ClusterAccess;
  prompter: Prompter;
  signal: AbortSignal;
  /** Seeds the order checkpoint choices are shown in (one per session); 0 when absent. */
  seed?: number;
  /** Shows a lesson's page a screenful at a time (interactive sessions on a terminal); absent: printed. */
  page?: (text: string) => Promise<void>;
  /** The local sandbox, building in the background, when no cluster is configured (interactive sessions). */
  sandbox?: SandboxSupply;
  /** The exercises the learner writes, offered after each lesson's checkpoints (absent: not offered). */
  exercises?: ExerciseOffer;
}

/** What the guided mode needs of the exercises: which belong to a lesson, and verifying one. */
export interface ExerciseOffer {
  forLesson(lessonId: string): { number: number; id: string; title: string; file: string; passed: boolean }[];
  /** Verifies one exercise, printing its lines; resolves whether it passed. */
  verify(id: string): Promise<boolean>;
}

export type Mark = 'done' | 'current' | 'new';

export const MARKS: Record<Mark, string> = { done: '✓', current: '▶', new: '·' };

export function markOf(lesson: Lesson, progress: ProgressStore): Mark {
  if (progress.isDone(lesson.id)) return 'done';
  return progress.get().current === lesson.id ? 'current' : 'new';
}

/** Where a returning learner picks up: the current lesson, else the first not done, else the first. */
export function resumeLesson(catalog: Catalog, progress: ProgressStore): Lesson {
  const current = catalog.lessons.find((l) => l.id === progress.get().current);
  return current ?? catalog.lessons.find((l) => !progress.isDone(l.id)) ?? catalog.lessons[0]!;
}

/** The table `learn --list` prints. */
export function lessonTableRows(catalog: Catalog, progress: ProgressStore, color: Colors): string[][] {
  return catalog.lessons.map((l) => {
    const mark = markOf(l, progress);
    const painted = mark === 'done' ? color.green(MARKS.done) : mark === 'current' ? color.cyan(MARKS.current) : color.dim(MARKS.new);
    return [painted, String(l.number), l.id, l.title, l.needsCluster ? 'yes' : 'no'];
  });
}

function isPromptExit(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}

type LessonOutcome = { next: Lesson } | 'menu' | 'quit';

/**
 * The interactive session: the menu (or, with `start`, that lesson first), until the learner quits.
 * Ctrl-C at a prompt ends it like Quit. Progress is already saved whenever this returns.
 */
export async function runInteractive(deps: EngineDeps, start?: Lesson): Promise<void> {
  const { catalog, progress, print, color: c } = deps;
  try {
    if (start) {
      const outcome = await followLessons(deps, start);
      if (outcome === 'quit') return farewell(deps);
    } else {
      const data = progress.get();
      const returning = Object.keys(data.completed).length > 0 || data.current !== undefined;
      if (returning) {
        const at = resumeLesson(catalog, progress);
        const done = catalog.lessons.filter((l) => progress.isDone(l.id)).length;
        print(c.bold(`Welcome back. ${done} of ${catalog.lessons.length} lessons done; you were at lesson ${at.number}: ${at.title}.`));
      } else {
        print(renderMarkdown(catalog.welcome, { color: c, width: deps.width }));
      }
      print();
    }
    for (;;) {
      const lesson = await menu(deps);
      if (!lesson) break;
      const outcome = await followLessons(deps, lesson);
      if (outcome === 'quit') break;
    }
    farewell(deps);
  } catch (err) {
    if (!isPromptExit(err)) throw err;
    print();
    farewell(deps);
    // Ctrl-C is an interruption like anywhere else (exit 130); the menu's own quit entry ends with 0.
    throw new InterruptedError();
  }
}

function farewell(deps: EngineDeps): void {
  deps.print(deps.color.dim(`Your progress is saved in ${deps.progress.path}. Come back with \`kube-lessons learn\`.`));
}

/** Runs a lesson, then the next ones as long as the learner asks for them. */
async function followLessons(deps: EngineDeps, first: Lesson): Promise<'menu' | 'quit'> {
  let outcome: LessonOutcome = await lessonFlow(deps, first);
  while (typeof outcome === 'object') outcome = await lessonFlow(deps, outcome.next);
  return outcome;
}

async function menu(deps: EngineDeps): Promise<Lesson | undefined> {
  const { catalog, progress } = deps;
  const at = resumeLesson(catalog, progress);
  const choices: Choice<string>[] = catalog.lessons.map((l) => ({
    value: l.id,
    name: `${MARKS[markOf(l, progress)]} ${String(l.number).padStart(2)}. ${l.title}`,
    description: `${l.summary}${l.needsCluster ? ' (needs a cluster)' : ''}`,
  }));
  choices.push({ value: ':quit', name: '  Quit', description: 'your progress is kept' });
  const message = () => {
    const building = deps.sandbox?.status();
    return building ? `Pick a lesson  (cluster: ${building})` : 'Pick a lesson';
  };
  const picked = await deps.prompter.select({ message: message(), choices, default: at.id, ...(deps.sandbox ? { liveMessage: message } : {}) });
  return catalog.lessons.find((l) => l.id === picked);
}

/** A lesson's heading, text and the places in src/ where its code lives, laid out for the width. */
export function lessonPage(deps: EngineDeps, lesson: Lesson): string {
  const { color: c, catalog, width } = deps;
  const title = `Lesson ${lesson.number} of ${catalog.lessons.length} · ${lesson.title}`;
  const lines = [
    ...wrapWords(renderInline(title, c), width - 1, ' ', ' ').map((l) => c.bold.inverse(l + ' ')),
    wrapped(deps, c.dim(`Follows “${lesson.article}”${lesson.needsCluster ? ' · runs against your cluster' : ' · needs no cluster'}`)),
    c.dim(wrapWords(renderInline(`Concepts: ${lesson.concepts.join(', ')}`, c), width, '', '').join('\n')),
    '',
    renderMarkdown(lessonText(catalog, lesson), { color: c, width }),
    '',
    c.bold(`Where the code lives in this project${sourcesNote(catalog)}`),
    ...lesson.sources.map((s) => wrapWords(renderInline(`${c.cyan('•')} ${c.yellow(s.file)} ${c.dim('—')} ${s.symbol}`, c), width, '  ', '    ').join('\n')),
    '',
  ];
  return lines.join('\n');
}

/**
 * Where the named source files are when kube-lessons runs from somewhere other than its own checkout (an
 * npm install, an npx cache): the paths in the lessons are relative to the package's root.
 */
function sourcesNote(catalog: Catalog, cwd = process.cwd()): string {
  const root = dirname(resolve(catalog.dir));
  if (root === resolve(cwd)) return '';
  const rel = relative(cwd, root);
  return ` (paths under ${rel.startsWith('..') ? root : rel}/)`;
}

/** Prints a lesson's page. */
export function printLesson(deps: EngineDeps, lesson: Lesson): void {
  deps.print(lessonPage(deps, lesson));
}

/** Shows a lesson's page through the pager when there is one (a long page on a terminal), else prints it. */
async function showLesson(deps: EngineDeps, lesson: Lesson): Promise<void> {
  if (deps.page) await deps.page(lessonPage(deps, lesson));
  else printLesson(deps, lesson);
}

function commandsLabel(commands: CommandSpec[]): string {
  const lines = commands.map((c) => commandLine(c));
  return lines.length === 1 ? lines[0]! : `${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
}

/** One lesson, start to finish. Ctrl-C at a prompt leaves it, saying what it left in the cluster. */
async function lessonFlow(deps: EngineDeps, lesson: Lesson): Promise<LessonOutcome> {
  const state = { changed: false, checked: false };
  try {
    return await lessonSteps(deps, lesson, state);
  } catch (err) {
    const left = [...(state.changed ? lesson.cleanup : []), ...(state.checked && lesson.task ? lesson.task.cleanup : [])];
    if (isPromptExit(err) && left.length) {
      deps.print();
      deps.print(deps.color.dim(`Left in your cluster by this lesson; to remove it: ${left.map((s) => commandLine(s)).join('; ')}`));
    }
    throw err;
  }
}

async function lessonSteps(deps: EngineDeps, lesson: Lesson, state: { changed: boolean; checked: boolean }): Promise<LessonOutcome> {
  const { prompter, print, color: c, progress, catalog } = deps;
  progress.setCurrent(lesson.id);
  await showLesson(deps, lesson);

  // 1. Run it.
  let ran = false;
  let hintsShown = 0;
  const showHint = () => {
    const hint = lesson.hints[hintsShown % lesson.hints.length]!;
    hintsShown++;
    const n = ((hintsShown - 1) % lesson.hints.length) + 1;
    print(wrapped(deps, `${c.yellow(`Hint ${n} of ${lesson.hints.length}:`)} ${hint}`));
    print();
  };
  for (;;) {
    const runLabel = !ran ? 'Run it' : state.changed ? 'Clean up and run it again' : 'Run it again';
    const several = lesson.commands.length > 1;
    const effect = lesson.changesCluster ? `changes your cluster: ${lesson.changeSummary}` : 'runs here, and shows its real output';
    const choices: Choice<'run' | 'hint' | 'questions' | 'read' | 'menu'>[] = [
      {
        value: 'run',
        // Several commands would make a long entry: name them in the description instead.
        name: several ? `${runLabel} (${lesson.commands.length} commands)` : `${runLabel}: ${commandsLabel(lesson.commands)}`,
        description: several ? `${commandsLabel(lesson.commands)}; ${effect}` : effect,
      },
      { value: 'questions', name: 'Go on to the checkpoint questions' },
      { value: 'hint', name: 'Show a hint' },
      ...(deps.page ? [{ value: 'read' as const, name: 'Read the lesson again' }] : []),
      { value: 'menu', name: 'Back to the menu' },
    ];
    const pick = await prompter.select({ message: `Lesson ${lesson.number}: what next?`, choices, default: ran ? 'questions' : 'run' });
    if (pick === 'menu') {
      await offerCleanup(deps, state.changed ? lesson.cleanup : []);
      return 'menu';
    }
    if (pick === 'questions') break;
    if (pick === 'hint') {
      showHint();
      continue;
    }
    if (pick === 'read') {
      await showLesson(deps, lesson);
      continue;
    }
    const result = await runLessonCommands(deps, lesson, state.changed);
    if (result.attempted) ran = true;
    if (result.changed) state.changed = true;
    else if (result.cleaned) state.changed = false;
    if (deps.signal.aborted) return 'quit';
  }

  // 2. Checkpoint questions.
  for (const [i, q] of lesson.questions.entries()) await askQuestion(deps, lesson, q, i, lesson.questions.length);

  // 2b. The exercises of this lesson, written in the learner's own workspace.
  await offerExercises(deps, lesson);

  // 3. The hands-on task.
  if (lesson.task) {
    print(c.bold.cyan('▍Your turn'));
    print(renderMarkdown(lesson.task.description, { color: c, width: deps.width }));
    print();
    let passed = false;
    while (!passed) {
      const pick = await prompter.select<'check' | 'hint' | 'skip' | 'menu'>({
        message: 'Task',
        choices: [
          { value: 'check', name: state.checked ? 'Check again' : 'Check my work', description: 'looks at your cluster' },
          { value: 'hint', name: 'Show a hint' },
          { value: 'skip', name: 'Skip the task' },
          { value: 'menu', name: 'Back to the menu' },
        ],
        default: 'check',
      });
      if (pick === 'menu') {
        await offerCleanup(deps, [...(state.changed ? lesson.cleanup : []), ...(state.checked ? lesson.task.cleanup : [])]);
        return 'menu';
      }
      if (pick === 'skip') break;
      if (pick === 'hint') {
        showHint();
        continue;
      }
      state.checked = true;
      const result: CheckResult = await deps.cluster.check(lesson.task.check);
      print(wrapped(deps, result.ok ? `${c.green('✓ Done:')} ${result.message}.` : `${c.red('✗ Not yet:')} ${result.message}.`));
      print();
      passed = result.ok;
    }
  }

  // 4. Cleanup of what the lesson (and the task) made.
  await offerCleanup(deps, [...(state.changed ? lesson.cleanup : []), ...(state.checked && lesson.task ? lesson.task.cleanup : [])]);

  // 5. Done.
  const next = nextLesson(catalog, lesson);
  progress.complete(lesson.id, next?.id);
  const done = catalog.lessons.filter((l) => progress.isDone(l.id)).length;
  print(c.green.bold(`✓ Lesson ${lesson.number} done`) + c.dim(` (${done} of ${catalog.lessons.length} lessons done, saved)`));
  print();
  if (!next) {
    const open = catalog.lessons.filter((l) => !progress.isDone(l.id));
    if (open.length === 0) print(renderMarkdown(catalog.closing, { color: c, width: deps.width }));
    else print(`That was the last lesson. Still open: ${open.map((l) => `${l.number}. ${l.title}`).join('; ')}.`);
    print();
    return 'menu';
  }
  const pick = await prompter.select<'next' | 'menu' | 'quit'>({
    message: 'Where to now?',
    choices: [
      { value: 'next', name: `Next: lesson ${next.number}, ${next.title}` },
      { value: 'menu', name: 'Back to the menu' },
      { value: 'quit', name: 'Quit for now' },
    ],
    default: 'next',
  });
  return pick === 'next' ? { next } : pick;
}

/** Asks whether to run the cleanup commands (if any) and runs them. */
async function offerCleanup(deps: EngineDeps, cleanup: CommandSpec[]): Promise<void> {
  if (cleanup.length === 0) return;
  const { print, color: c } = deps;
  const yes = await deps.prompter.confirm({ message: `Clean up what this lesson created? This runs ${commandsLabel(cleanup)}`, default: true });
  if (!yes) {
    print(c.dim(`Left in place. To remove it later: ${cleanup.map((s) => commandLine(s)).join('; ')}`));
    print();
    return;
  }
  for (const spec of cleanup) {
    print(c.dim(`$ ${commandLine(spec)}`));
    const r = await deps.runner.run(spec, { keys: true });
    if (r.code !== 0) print(c.red(`✗ cleanup failed (exit code ${r.code}); you can run it yourself later: ${commandLine(spec)}`));
  }
  print();
}

/**
 * Runs the lesson's commands one after the other, as the learner watches. When an earlier run changed the
 * cluster, its cleanup runs first, so the commands find the cluster as they expect it.
 */
async function runLessonCommands(deps: EngineDeps, lesson: Lesson, cleanFirst: boolean): Promise<{ attempted: boolean; changed: boolean; cleaned?: boolean }> {
  const { print, color: c } = deps;
  const missing = missingCommands(deps, lesson.commands);
  if (missing.length) {
    print(wrapped(deps, c.red(`This build of kube-lessons has no ${missing} command yet, so the lesson cannot run it.`)));
    print();
    return { attempted: false, changed: false };
  }
  if (lesson.needsCluster && deps.sandbox && !(await deps.cluster.configured())) {
    const got = await deps.sandbox.up().catch((err: unknown) => {
      if (deps.signal.aborted) return 'stopped' as const;
      const e = err as { message?: string; hint?: string };
      print(wrapped(deps, `${c.red('✗ The sandbox could not start:')} ${e.message ?? String(err)}${e.hint ? ` (${e.hint})` : ''}`));
      return 'failed' as const;
    });
    if (got !== 'ready') {
      if (got === 'stopped') print(wrapped(deps, c.dim('Stopped waiting; the build goes on in the background. Choose Run it again when you like.')));
      print();
      return { attempted: false, changed: false };
    }
  }
  if (lesson.needsCluster) {
    const status = await deps.cluster.status();
    if (!status.reachable) {
      // Starting the sandbox would not help: the kubeconfig chosen is the one that cannot be used.
      if (status.problem?.exitCode === ExitCode.config) {
        const needing = deps.catalog.lessons.filter((l) => l.needsCluster);
        print(wrapped(deps, c.yellow(`learn stops here: the lessons that need a cluster (${lessonNames(needing)}) cannot run with this configuration. Your progress is saved.`)));
        throw status.problem;
      }
      print(wrapped(deps, `${c.yellow('This lesson runs against a cluster, and none answers:')} ${status.detail}.`));
      print(
        wrapped(
          deps,
          `Start the local sandbox with ${c.yellow('kube-lessons sandbox up')} (in another terminal, or quit and come back), then choose Run it again.`,
        ),
      );
      print();
      return { attempted: false, changed: false };
    }
    print(c.dim(`Cluster: ${status.detail}`));
  }
  if (lesson.changesCluster) {
    const go = await deps.prompter.confirm({ message: `This changes your cluster: ${lesson.changeSummary}. Run it?`, default: true });
    if (!go) return { attempted: false, changed: false };
  }
  if (cleanFirst && lesson.cleanup.length) {
    for (const spec of lesson.cleanup) {
      print(c.bold(`$ ${commandLine(spec)}`) + c.dim('   (cleaning up the last run first)'));
      const r = await deps.runner.run(spec, { keys: true });
      print();
      if (r.code !== 0) {
        print(c.red(`✗ cleanup failed (exit code ${r.code}), so the lesson does not run again`));
        print();
        return { attempted: true, changed: true };
      }
    }
    if (deps.signal.aborted) return { attempted: true, changed: false, cleaned: true };
  }
  let changed = false;
  for (const spec of lesson.commands) {
    print(c.bold(`$ ${commandLine(spec)}`) + (spec.stopAfterSeconds ? c.dim(`   (runs for ${spec.stopAfterSeconds} s; press q to stop it sooner)`) : ''));
    const result = await deps.runner.run(spec, { keys: true });
    if (lesson.changesCluster) changed = true;
    if (result.stoppedBy) print(c.dim(result.stoppedBy === 'learner' ? '(stopped)' : `(stopped after ${spec.stopAfterSeconds} s)`));
    if (result.code !== 0) {
      print(c.red(`✗ ${commandLine(spec)} failed (exit code ${result.code})`));
      print();
      return { attempted: true, changed, cleaned: cleanFirst };
    }
    print();
  }
  return { attempted: true, changed, cleaned: cleanFirst };
}

async function askQuestion(deps: EngineDeps, lesson: Lesson, q: Question, i: number, count: number): Promise<void> {
  const { prompter, print, color: c } = deps;
  const tried = new Set<number>();
  // Shown shuffled; each choice's value stays its catalog index, so the answer maps back unchanged.
  const order = choiceOrder(q.choices.length, deps.seed ?? 0, `${lesson.id}/${i}`);
  for (;;) {
    const choices = order.map((k) => {
      const text = inline(deps, q.choices[k]!);
      return { value: String(k), name: tried.has(k) ? `${text} ${c.dim('(tried)')}` : text };
    });
    const picked = Number(await prompter.select({ message: inline(deps, `Checkpoint ${i + 1} of ${count}: ${q.prompt}`), choices }));
    const correct = picked === q.answer;
    tried.add(picked);
    deps.progress.recordAnswer(lesson.id, i, { choice: picked, correct, attempts: tried.size });
    if (correct) {
      print(wrapped(deps, `${c.green('✓ Right.')} ${q.explanation}`));
      print();
      return;
    }
    // The explanation would give the answer away before a second try: it comes with the answer.
    const left = q.choices.length - tried.size;
    print(c.red(`✗ Not quite.`) + (left > 1 ? c.dim(` ${left} choices left.`) : ''));
    print();
    const again = await prompter.select<'retry' | 'reveal'>({
      message: 'Try this one again?',
      choices: [
        { value: 'retry', name: 'Try again' },
        { value: 'reveal', name: 'Show the answer and go on' },
      ],
      default: 'retry',
    });
    if (again === 'reveal') {
      print(wrapped(deps, `The answer: ${c.bold(q.choices[q.answer]!)}. ${q.explanation}`));
      print();
      return;
    }
  }
}

/** Inline Markdown (`code`, **bold**) painted on one line, for prompts, which wrap themselves. */
function inline(deps: EngineDeps, text: string): string {
  return renderInline(text, deps.color).map((w) => w.text).join(' ');
}

/** The commands the program lacks, named once each (`kube-lessons controller`), or '' when none is missing. */
function missingCommands(deps: EngineDeps, specs: CommandSpec[]): string {
  const names = new Set<string>();
  for (const spec of specs) {
    if (deps.runner.has(spec.argv)) continue;
    // Name the deepest part that exists plus the first missing word.
    let depth = 1;
    while (depth < spec.argv.length && deps.runner.has(spec.argv.slice(0, depth))) depth++;
    names.add(`\`${commandLine(spec.argv.slice(0, depth))}\``);
  }
  return [...names].join(', ');
}

/** Wraps an already-painted line of prose to the width. */
function wrapped(deps: EngineDeps, text: string): string {
  return wrapWords(renderInline(text, deps.color), deps.width, '', '').join('\n');
}

export interface LessonRunResult {
  lesson: Lesson;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  /** It needs the cluster and a command exited 3: the connection every such lesson shares is unusable. */
  configProblem?: boolean;
}

/** "1 setup, 2 list-nodes": lessons by number and id, as the run's last line names them. */
function lessonNames(lessons: Lesson[]): string {
  return lessons.map((l) => `${l.number} ${l.id}`).join(', ');
}

/**
 * What the non-interactive run ends with, given the lessons chosen and the results of those run: nothing
 * when all went well; exit 3 when it stopped on a configuration problem (its error and hint were printed by
 * the lesson's command, so this line names only what was not run); else exit 1 naming the failed lessons.
 */
export function runVerdict(lessons: Lesson[], results: LessonRunResult[]): UserFacingError | undefined {
  const stoppedAt = results.find((r) => r.configProblem);
  if (stoppedAt) {
    const notRun = lessons.slice(results.length);
    const at = `lesson ${stoppedAt.lesson.number} (${stoppedAt.lesson.id})`;
    const message = notRun.length
      ? `learn stopped at ${at} on the cluster configuration error above; not run: ${lessonNames(notRun)} (those needing a cluster would fail on the same connection)`
      : `${at} could not use the cluster configuration (the error above)`;
    return new UserFacingError(message, undefined, ExitCode.config);
  }
  const failed = results.filter((r) => r.status === 'failed');
  if (!failed.length) return undefined;
  return new UserFacingError(
    `${failed.length} of ${results.length} lesson${results.length === 1 ? '' : 's'} failed to run (${lessonNames(failed.map((r) => r.lesson))})`,
    "see each lesson's output above; `kube-lessons doctor` checks the cluster connection",
    ExitCode.failure,
  );
}

/**
 * The non-interactive run (`learn --yes`, or no terminal): prints each lesson and runs its commands, with
 * cleanup after the cluster-changing ones. Lessons needing a cluster are skipped only when no cluster is
 * configured at all; otherwise their failures count. Stops early when the session is interrupted, or when a
 * lesson needing the cluster fails on its configuration (exit 3).
 */
export async function runNonInteractive(deps: EngineDeps, lessons: Lesson[]): Promise<LessonRunResult[]> {
  const { print, color: c } = deps;
  const configured = await deps.cluster.configured();
  const results: LessonRunResult[] = [];
  for (const lesson of lessons) {
    if (deps.signal.aborted) break;
    printLesson(deps, lesson);
    const result = await runOne(deps, lesson, configured);
    results.push(result);
    const line =
      result.status === 'ok'
        ? c.green(`✓ lesson ${lesson.number} (${lesson.id}) ran`)
        : result.status === 'skipped'
          ? c.yellow(`↷ lesson ${lesson.number} (${lesson.id}) skipped: ${result.reason}`)
          : c.red(`✗ lesson ${lesson.number} (${lesson.id}) failed: ${result.reason}`);
    print(line);
    print(
      c.dim(
        `(${lesson.questions.length} checkpoint question${lesson.questions.length === 1 ? '' : 's'}${lesson.task ? ' and a hands-on task' : ''}: run \`kube-lessons learn ${lesson.number}\` in a terminal to answer them)`,
      ),
    );
    for (const line of exerciseLines(deps, lesson)) print(line);
    print();
    // The lessons after it would each fail on the same unusable connection.
    if (result.configProblem) break;
  }
  return results;
}

async function runOne(deps: EngineDeps, lesson: Lesson, clusterConfigured: boolean): Promise<LessonRunResult> {
  const { print, color: c } = deps;
  if (lesson.needsCluster && !clusterConfigured) {
    return { lesson, status: 'skipped', reason: 'it needs a cluster and none is configured; start one with `kube-lessons sandbox up`' };
  }
  const missing = missingCommands(deps, lesson.commands);
  if (missing) return { lesson, status: 'failed', reason: `this build has no ${missing} command` };
  let failure: string | undefined;
  for (const spec of lesson.commands) {
    print(c.bold(`$ ${commandLine(spec)}`));
    const r = await deps.runner.run(spec);
    if (r.stoppedBy) print(c.dim(`(stopped after ${spec.stopAfterSeconds} s)`));
    print();
    if (r.code !== 0) {
      failure = `\`${commandLine(spec)}\` exited with ${r.code}`;
      // Nothing reached the cluster, and its cleanup would only print the same error again.
      if (lesson.needsCluster && r.code === ExitCode.config) return { lesson, status: 'failed', reason: failure, configProblem: true };
      break;
    }
  }
  if (lesson.changesCluster) {
    for (const spec of lesson.cleanup) {
      if (!deps.runner.has(spec.argv)) {
        failure ??= `this build has no \`${commandLine(spec)}\` command to clean up with`;
        continue;
      }
      print(c.bold(`$ ${commandLine(spec)}`) + c.dim('   (cleanup)'));
      const r = await deps.runner.run(spec);
      print();
      if (r.code !== 0) failure ??= `cleanup \`${commandLine(spec)}\` exited with ${r.code}`;
    }
  }
  return failure ? { lesson, status: 'failed', reason: failure } : { lesson, status: 'ok' };
}

/** The lesson's exercises with their state, and how to work on them; nothing when it has none. */
function exerciseLines(deps: EngineDeps, lesson: Lesson): string[] {
  const list = deps.exercises?.forLesson(lesson.id) ?? [];
  if (!list.length) return [];
  const c = deps.color;
  const id = (list.find((e) => !e.passed) ?? list[0]!).id;
  return [
    c.bold.cyan('▍Write it yourself'),
    ...list.map((e) => `${e.passed ? c.green('✓') : c.dim('·')} exercise ${e.number} ${e.id}: ${e.title} (${e.file})`),
    c.dim(
      `In your exercise workspace (\`npx kube-lessons exercise init\` makes one): \`npx kube-lessons exercise watch ${id}\` checks it on every save, \`npx kube-lessons verify ${id}\` once, \`npx kube-lessons hint ${id}\` when stuck.`,
    ),
  ];
}

/** After the checkpoints: the lesson's exercises, checked on request until the learner goes on. */
async function offerExercises(deps: EngineDeps, lesson: Lesson): Promise<void> {
  const lines = exerciseLines(deps, lesson);
  if (!lines.length || !deps.exercises) return;
  for (const line of lines) deps.print(line);
  deps.print();
  for (;;) {
    const open = deps.exercises.forLesson(lesson.id).filter((e) => !e.passed);
    if (!open.length) return;
    const pick = await deps.prompter.select<string>({
      message: 'Exercises',
      choices: [...open.map((e) => ({ value: e.id, name: `Check exercise ${e.number} ${e.id}`, description: e.file })), { value: '', name: 'Go on (come back with `npx kube-lessons exercise watch`)' }],
      default: '',
    });
    if (!pick) return;
    try {
      await deps.exercises.verify(pick);
    } catch (err) {
      const e = err as { message?: string; hint?: string };
      deps.print(deps.color.red(`✗ ${e.message ?? String(err)}${e.hint ? ` (hint: ${e.hint})` : ''}`));
    }
    deps.print();
  }
}
