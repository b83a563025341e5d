/**
 * `kube-lessons learn [lesson]`: the guided lessons. A menu with progress in a terminal; with --yes (or no
 * terminal) every lesson's text is printed and its commands run, which is `npm run smoke`.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { OutputSink } from '../../console/output.ts';

export function register(command: Command, ctx: () => CommandContext, makeProgram: (signal: AbortSignal, stdout?: OutputSink) => Command): void {
  command
    .argument('[lesson]', 'jump to a lesson, by number (3) or id (pods)')
    .option('--list', 'print the lessons and your progress')
    .option('--reset', 'forget your progress (asks first)')
    .option('-y, --yes', 'ask nothing: print every lesson (or the one named) and run its commands, cleaning up after each')
    .option('--no-pager', 'print long lessons straight to the terminal instead of through $PAGER or less')
    .addHelpText(
      'after',
      '\nProgress is kept in $XDG_CONFIG_HOME/kube-lessons/progress.json (else ~/.config/kube-lessons/).\n\nExamples:\n  $ kube-lessons learn            # the menu, resuming where you left off\n  $ kube-lessons learn 5          # straight to lesson 5\n  $ kube-lessons learn --list\n  $ kube-lessons learn --yes      # run every lesson without prompts',
    )
    .action(async (lesson: string | undefined, opts: { list?: boolean; reset?: boolean; yes?: boolean; pager: boolean }) => {
      const c = ctx();
      // The lessons run the other commands, each in a program of its own (makeProgram): the table marks learn
      // as running the others, so every registration was loaded with this one.
      const [{ learn }, { lessonExercises }, { sessionIO }] = await Promise.all([
        import('../../lessons/session.ts'),
        import('../../exercises/session.ts'),
        import('../exercise-io.ts'),
      ]);
      const io = await sessionIO(c, undefined);
      await learn(lesson, opts, { ctx: c, makeProgram, exercises: (progress) => lessonExercises({ ...io, progress }) });
    });
}
