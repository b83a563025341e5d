/**
 * `kube-lessons exercise init|list|watch`: the exercises the learner writes. init scaffolds a workspace they
 * own; list shows progress; watch re-verifies the current exercise on every save and moves on when it passes.
 * (verify, hint and solution are top-level commands.)
 */
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import { returnsOutcome, type CommandOutcome } from '../../console/run-command.ts';
import { sessionIO, WORKSPACE_OPTION } from '../exercise-io.ts';
import { collect, spinner } from './common.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  const exercise = command.addHelpText(
    'after',
    '\nExamples:\n  $ kube-lessons exercise init            # ./kube-lessons-exercises, yours to edit\n  $ cd kube-lessons-exercises && kube-lessons exercise watch\n  $ kube-lessons exercise list\n  $ kube-lessons verify list-nodes && kube-lessons hint list-nodes',
  );

  exercise
    .command('init')
    .argument('[dir]', 'where to create the workspace (default: the workspace you are in, else ./kube-lessons-exercises)')
    .description('create (or complete) an exercise workspace; files that exist are never overwritten')
    .option('--force <file>', 'reset this file (or exercise id) to its starting state; repeatable', collect, [])
    .addHelpText(
      'after',
      '\nExamples:\n  $ kube-lessons exercise init\n  $ kube-lessons exercise init ~/k8s-exercises\n  $ kube-lessons exercise init --force exercises/02-list-nodes.ts',
    )
    .action(async (dir: string | undefined, opts: { force: string[] }) => {
      const c = ctx();
      const [{ init }, { DEFAULT_WORKSPACE_DIR, enclosingWorkspace }] = await Promise.all([
        import('../../exercises/session.ts'),
        import('../../exercises/workspace.ts'),
      ]);
      const io = await sessionIO(c, undefined);
      // Inside a workspace, plain `init` completes that one rather than nesting a new one in it.
      const report = init(io, dir ?? enclosingWorkspace(process.cwd())?.dir ?? DEFAULT_WORKSPACE_DIR, opts.force);
      const col = c.out.color;
      for (const f of report.created) c.out.line(`${col.green('created')} ${f}`);
      for (const f of report.reset) c.out.line(`${col.yellow('reset')}   ${f}`);
      if (report.kept.length)
        c.out.line(col.dim(`kept ${report.kept.length} file${report.kept.length === 1 ? '' : 's'} that already exist (yours; --force FILE resets one)`));
      const where = relative(process.cwd(), report.dir);
      // Commands find the workspace from anywhere inside it: no cd when already there.
      const inside = !relative(report.dir, process.cwd()).startsWith('..') && !isAbsolute(relative(report.dir, process.cwd()));
      if (inside) c.out.line(`Workspace ready${where ? ` in ${where}` : ' here'} (you are in it). Next: npx kube-lessons exercise watch`);
      else c.out.line(`Workspace ready in ${where}. Next: cd ${where} && npx kube-lessons exercise watch`);
    });

  exercise
    .command('list')
    .description('every exercise in order, what it teaches, and whether yours passes')
    .option(...WORKSPACE_OPTION)
    .action(async (opts: { workspace?: string }) => {
      const c = ctx();
      const [{ loadExerciseCatalog }, { currentExercise, isPassed }, { exerciseRows }, { renderTable, renderObjects }] = await Promise.all([
        import('../../exercises/catalog.ts'),
        import('../../exercises/progress.ts'),
        import('../../exercises/render.ts'),
        import('../../console/output.ts'),
      ]);
      const io = await sessionIO(c, opts.workspace);
      const catalog = loadExerciseCatalog();
      const current = currentExercise(catalog, io.progress);
      if (c.format === 'json' || c.format === 'yaml') {
        const data = catalog.exercises.map((e) => ({
          number: e.number,
          id: e.id,
          lesson: e.lesson,
          kind: e.kind,
          file: e.file,
          teaches: e.teaches,
          passed: isPassed(io.progress, e),
        }));
        c.out.line(renderObjects([{ exercises: data }], c.format));
        return;
      }
      c.out.line(renderTable(['', '#', 'ID', 'LESSON', 'KIND', 'TEACHES'], exerciseRows(catalog, io.progress, current, c.out.color), c.out.color));
      const done = catalog.exercises.filter((e) => isPassed(io.progress, e)).length;
      c.out.line();
      c.out.line(c.out.color.dim(`${done} of ${catalog.exercises.length} pass (✓ passes, ▶ current, · not yet).`));
      const { nextStep } = await import('../../exercises/session.ts');
      c.out.line(nextStep(io, catalog));
    });

  exercise
    .command('watch')
    .argument('[exercise]', 'start at this exercise (default: the first not passed yet)')
    .description('like rustlings watch: verify the current exercise on every save, move to the next when it passes')
    .option(...WORKSPACE_OPTION)
    .addHelpText(
      'after',
      '\nKeys: h next hint, r run again, q quit (or Ctrl-C). `kube-lessons watch` with no resource runs this too.\n\nExamples:\n  $ kube-lessons exercise watch\n  $ kube-lessons exercise watch 3',
    )
    .action(returnsOutcome(async (start: string | undefined, opts: { workspace?: string }) => runExerciseWatch(ctx(), start, opts.workspace)));
}

/** Shared with `kube-lessons watch` (no resource). */
export async function runExerciseWatch(c: CommandContext, start: string | undefined, workspace: string | undefined): Promise<CommandOutcome> {
  const [session, { watchExercises }, { Checker }, { verifyExercise }, { renderOutcome }] = await Promise.all([
    import('../../exercises/session.ts'),
    import('../../exercises/watch.ts'),
    import('../../exercises/typecheck.ts'),
    import('../../exercises/verify.ts'),
    import('../../exercises/render.ts'),
  ]);
  const io = await sessionIO(c, workspace);
  const { catalog, ws } = session.open(io);
  const checker = new Checker();
  const first = start === undefined ? undefined : session.pick(catalog, io.progress, start);
  const keys = process.stdin.isTTY ? terminalKeys(c.signal) : undefined;
  let end: 'all-passed' | 'quit';
  try {
    end = await watchExercises(
      {
        catalog,
        ws,
        progress: io.progress,
        verify: (e, signal) => verifyExercise(catalog, ws, e, { checker, signal, ...(io.kube ? { kube: io.kube } : {}) }),
        show: (o) => {
          for (const l of renderOutcome(o, catalog.exercises.length, c.out.color)) c.out.line(l);
        },
        print: (l) => c.out.line(c.out.color.cyan(l)),
        hint: (e) => session.hint(io, e.id, false),
        // A live check can take a minute: in a terminal the seconds count up; in a log, one line.
        checking: (e) => {
          if (process.stderr.isTTY) return spinner(`checking ${e.id}…`);
          c.out.line(c.out.color.dim(`checking ${e.id}…`));
          return { around: (p) => p(), stop() {} };
        },
        signal: c.signal,
        ...(keys ? { keys } : {}),
      },
      first,
    );
  } finally {
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }
  if (end === 'quit') c.out.line('Stopped watching; what passed is saved. `npx kube-lessons exercise list` shows where you are.');
  // q ends with 0; Ctrl-C with 130, as it does every command.
  return 'done';
}

/** Single key presses from the terminal; Ctrl-C is forwarded as the interrupt it is. */
async function* terminalKeys(signal: AbortSignal): AsyncGenerator<string> {
  process.stdin.setRawMode(true);
  process.stdin.setEncoding('utf8');
  process.stdin.resume();
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const onData = (d: string) => {
    if (d === '\u0003') process.kill(process.pid, 'SIGINT');
    else queue.push(d.toLowerCase());
    wake?.();
  };
  process.stdin.on('data', onData);
  try {
    while (!signal.aborted) {
      if (!queue.length) await new Promise<void>((r) => (wake = r));
      while (queue.length) yield queue.shift()!;
    }
  } finally {
    process.stdin.off('data', onData);
  }
}
