/** `kube-lessons verify [exercise]`: checks one exercise of the learner's workspace; exit 0 only when it passes. */
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.ts';
import type { CommandContext } from '../../console/context.ts';
import { returnsOutcome, type CommandOutcome } from '../../console/run-command.ts';
import type { CheckerRoute } from '../../exercises/checker-client.ts';
import { sessionIO, WORKSPACE_OPTION } from '../exercise-io.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .argument('[exercise]', 'id, number or file (default: the first exercise not passed yet)')
    .option(...WORKSPACE_OPTION)
    .option('--no-daemon', 'type-check in this process, not in the warm checker kept between runs (also KUBE_LESSONS_NO_DAEMON=1)')
    .addHelpText(
      'after',
      `
Exit code 0 when every expectation passes, ${ExitCode.failure} when the exercise does not pass yet (an expectation fails, or the
file is missing, does not compile, throws or runs too long); ${ExitCode.interrupted} (Ctrl-C) or ${ExitCode.terminated} (SIGTERM) when stopped, with
no verdict. What your code printed is shown under a failure (its last lines), and under a pass with --debug. Live exercises run in a namespace of their own, deleted after.
The first verify starts a warm checker (a background process that keeps the compiler loaded, for quick
type-checks); it exits by itself after a few idle minutes.

Examples:
  $ kube-lessons verify                     # the current exercise
  $ kube-lessons verify list-nodes
  $ kube-lessons verify 3 -w ~/kube-lessons-exercises`,
    )
    .action(
      returnsOutcome(async (exercise: string | undefined, opts: { workspace?: string; daemon: boolean }): Promise<CommandOutcome> => {
        const c = ctx();
        const [{ verify }, { WarmChecker, warmCheckerWanted }] = await Promise.all([
          import('../../exercises/session.ts'),
          import('../../exercises/checker-client.ts'),
        ]);
        const warm = opts.daemon && warmCheckerWanted() ? new WarmChecker() : undefined;
        const outcome = await verify(await sessionIO(c, opts.workspace), exercise, warm, { output: c.debug });
        if (c.debug) {
          const ms = (n: number) => `${Math.round(n)} ms`;
          c.out.info(
            `debug: verify ${ms(outcome.ms.total)} (type-check ${ms(outcome.ms.typecheck)}, run ${ms(outcome.ms.run)}), ${ms(performance.now())} since start`,
          );
          if (warm?.route) c.out.info(`debug: ${describeRoute(warm.route)}`);
        }
        return outcome.status === 'passed' ? 'done' : 'not-passing';
      }),
    );
}

function describeRoute(r: CheckerRoute): string {
  if (r.via === 'in-process') return `type-checked in this process (the warm checker could not: ${r.reason})`;
  return `type-checked by the warm checker (pid ${r.pid}${r.started ? ', started by this run' : ''})`;
}
