/** The Prompter a person answers: @inquirer/prompts' select and confirm on the terminal. */
import type { Choice, Prompter } from './engine.ts';

/** Prompts on the terminal; `signal` (the session's Ctrl-C) cancels a prompt that is waiting. */
export function inquirerPrompter(signal?: AbortSignal): Prompter {
  const context = signal ? { signal } : {};
  return {
    async select<V extends string>(q: { message: string; choices: Choice<V>[]; default?: V }): Promise<V> {
      const { select } = await import('@inquirer/prompts');
      const config = {
        message: q.message,
        choices: q.choices.map((c) => ({ value: c.value, name: c.name, ...(c.description ? { description: c.description } : {}) })),
        pageSize: 12,
        loop: false,
      };
      return await select<V>(q.default === undefined ? config : { ...config, default: q.default }, context);
    },
    async confirm(q: { message: string; default?: boolean }): Promise<boolean> {
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message: q.message, default: q.default ?? true }, context);
    },
  };
}
