/** `kube-lessons completion bash|zsh|fish`: prints the script that makes Tab complete kube-lessons command lines. */
import { Argument, type Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import { completionScript, SHELLS, type Shell } from '../completion.ts';

export function register(program: Command, ctx: () => CommandContext): void {
  program
    .command('completion')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .description('print the shell completion script: commands, options, -o values, contexts and namespaces of your kubeconfig, lesson ids')
    .addHelpText(
      'after',
      '\nExamples:\n  $ source <(kube-lessons completion bash)         # in ~/.bashrc\n  $ source <(kube-lessons completion zsh)          # in ~/.zshrc, after compinit\n  $ kube-lessons completion fish | source          # in ~/.config/fish/config.fish',
    )
    .action((shell: Shell) => {
      ctx().out.line(completionScript(shell).trimEnd());
    });
}
