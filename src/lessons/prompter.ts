/**
 * The Prompter a person answers: @inquirer/prompts' select and confirm on the terminal. This module is itself
 * loaded only for an interactive session, so it imports the prompts statically: the bundler then keeps just
 * the two prompts used instead of the whole package.
 */
import { confirm as confirmPrompt, select as selectPrompt } from '@inquirer/prompts';
import type { Choice, Prompter } from './engine.ts';

/** Prompts on the terminal; `signal` (the session's Ctrl-C) cancels a prompt that is waiting. */
export function inquirerPrompter(signal?: AbortSignal): Prompter {
  const context = signal ? { signal } : {};
  return {
    async select<V extends string>(q: { message: string; choices: Choice<V>[]; default?: V }): Promise<V> {
      const config = {
        message: q.message,
        choices: q.choices.map((c) => ({ value: c.value, name: c.name, ...(c.description ? { description: c.description } : {}) })),
        pageSize: 12,
        loop: false,
      };
      return await selectPrompt<V>(q.default === undefined ? config : { ...config, default: q.default }, context);
    },
    confirm(q: { message: string; default?: boolean }): Promise<boolean> {
      return confirmPrompt({ message: q.message, default: q.default ?? true }, context);
    },
  };
}
