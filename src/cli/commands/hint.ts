/** `kube-lessons hint [exercise]`: one more hint each time it is asked. */
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import { sessionIO, WORKSPACE_OPTION } from '../exercise-io.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .argument('[exercise]', 'id, number or file (default: the current exercise)')
    .option('--all', 'every hint at once')
    .option(...WORKSPACE_OPTION)
    .addHelpText('after', '\nExamples:\n  $ kube-lessons hint\n  $ kube-lessons hint process-next-work-item --all')
    .action(async (exercise: string | undefined, opts: { all?: boolean; workspace?: string }) => {
      const { hint } = await import('../../exercises/session.ts');
      hint(await sessionIO(ctx(), opts.workspace), exercise, Boolean(opts.all));
    });
}
