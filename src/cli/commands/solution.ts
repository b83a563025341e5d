/** `kube-lessons solution [exercise]`: our solution, once the learner's passes (or when they confirm). */
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import { sessionIO, WORKSPACE_OPTION } from '../exercise-io.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .argument('[exercise]', 'id, number or file (default: the current exercise)')
    .option('-y, --yes', 'show it even though your exercise does not pass yet')
    .option(...WORKSPACE_OPTION)
    .addHelpText(
      'after',
      '\nIt is printed, never written over your file.\n\nExamples:\n  $ kube-lessons solution kubeconfig\n  $ kube-lessons solution 3 --yes',
    )
    .action(async (exercise: string | undefined, opts: { yes?: boolean; workspace?: string }) => {
      const c = ctx();
      const { solution } = await import('../../exercises/session.ts');
      const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      await solution(await sessionIO(c, opts.workspace), exercise, async (e) => {
        if (opts.yes) return true;
        if (!interactive) return 'cannot-ask';
        const { inquirerPrompter } = await import('../../lessons/prompter.ts');
        return inquirerPrompter(c.signal).confirm({ message: `Exercise ${e.id} does not pass yet. Show our solution anyway?`, default: false });
      });
    });
}
