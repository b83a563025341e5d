/** `kube-lessons verify [exercise]`: checks one exercise of the learner's workspace; exit 0 only when it passes. */
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.ts';
import type { CommandContext } from '../../console/context.ts';
import { returnsOutcome, type CommandOutcome } from '../../console/run-command.ts';
import { sessionIO, WORKSPACE_OPTION } from '../exercise-io.ts';

export function register(program: Command, ctx: () => CommandContext): void {
  program
    .command('verify')
    .argument('[exercise]', 'id, number or file (default: the first exercise not passed yet)')
    .description('exercises: type-check your exercise file, run it with a time limit, and check it one expectation per line')
    .option(...WORKSPACE_OPTION)
    .addHelpText(
      'after',
      `
Exit code 0 when every expectation passes, ${ExitCode.failure} when the exercise does not pass yet (an expectation fails, or the
file is missing, does not compile, throws or runs too long). Live exercises run in a namespace of their own, deleted after.

Examples:
  $ kube-lessons verify                     # the current exercise
  $ kube-lessons verify list-nodes
  $ kube-lessons verify 3 -w ~/kube-lessons-exercises`,
    )
    .action(
      returnsOutcome(async (exercise: string | undefined, opts: { workspace?: string }): Promise<CommandOutcome> => {
        const c = ctx();
        const { verify } = await import('../../exercises/session.ts');
        const outcome = await verify(await sessionIO(c, opts.workspace), exercise);
        return outcome.status === 'passed' ? 'done' : 'not-passing';
      }),
    );
}
