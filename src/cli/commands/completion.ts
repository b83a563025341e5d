/** `kube-lessons completion bash|zsh|fish`: prints the script that makes Tab complete kube-lessons command lines. */
import { Argument, type Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import { completionScript, SHELLS, type Shell } from '../completion.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      '\nExamples:\n  $ source <(kube-lessons completion bash)         # in ~/.bashrc\n  $ source <(kube-lessons completion zsh)          # in ~/.zshrc, after compinit\n  $ kube-lessons completion fish | source          # in ~/.config/fish/config.fish',
    )
    .action((shell: Shell) => {
      ctx().out.line(completionScript(shell).trimEnd());
    });
}
