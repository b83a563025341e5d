/**
 * The Prompter a person answers: @inquirer/prompts' select and confirm on the terminal. This module is itself
 * loaded only for an interactive session, so it imports the prompts statically: the bundler then keeps just
 * the two prompts used. Messages, choices and descriptions are wrapped to the screen here, at word
 * boundaries: inquirer itself breaks long lines at the last column, mid-word.
 */
import { confirm as confirmPrompt, select as selectPrompt } from '@inquirer/prompts';
import { wrapAnsi } from 'fast-wrap-ansi';
import type { Choice, Prompter } from './engine.ts';
import { liveSelect } from './live-select.ts';
import { stripColors, textWidth } from '../console/text-width.ts';

/** Wraps `text` to `width`; lines after the first start with `indent` (counted in the width). */
export function fitTo(text: string, width: number, indent = ''): string {
  const room = Math.max(10, width - indent.length);
  return wrapAnsi(text, room, { hard: true, trim: true }).split('\n').join(`\n${indent}`);
}

/** `text` on one line of at most `width` columns, cut with an ellipsis when longer. */
export function truncateTo(text: string, width: number): string {
  const plain = stripColors(text).replace(/\s+/g, ' ');
  if (textWidth(plain) <= width) return plain;
  let out = '';
  for (const ch of plain) {
    if (textWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return out + '…';
}

/** Prompts on the terminal; `signal` (the session's Ctrl-C) cancels a prompt that is waiting. */
export function inquirerPrompter(signal?: AbortSignal, columns: () => number = () => process.stdout.columns || 80): Prompter {
  const context = signal ? { signal } : {};
  // One column spare: a line that fills the last column makes some terminals wrap an empty line.
  const width = () => columns() - 1;
  const pageSize = () => Math.max(5, (process.stdout.rows || 24) - 8);
  return {
    async select<V extends string>(q: { message: string; choices: Choice<V>[]; default?: V; liveMessage?: () => string }): Promise<V> {
      const choices = q.choices.map((c) => ({
        value: c.value,
        name: fitTo(c.name, width() - 2, '    '),
        // The answer is repeated after the question once picked: one line, "✔ " and the question before it.
        short: truncateTo(c.name, Math.max(1, width() - textWidth(q.message) - 3)),
        ...(c.description ? { description: fitTo(c.description, width()) } : {}),
      }));
      const defaultChoice = q.default === undefined ? {} : { default: q.default };
      if (q.liveMessage) {
        const live = q.liveMessage;
        // "? " before the message, "❯ " before a choice.
        return await liveSelect<V>({ message: () => fitTo(live(), width() - 2, '  '), choices, pageSize: pageSize(), ...defaultChoice }, context);
      }
      return await selectPrompt<V>({ message: fitTo(q.message, width() - 2, '  '), choices, pageSize: pageSize(), loop: false, ...defaultChoice }, context);
    },
    confirm(q: { message: string; default?: boolean }): Promise<boolean> {
      // "? " before, " (Y/n)" after.
      return confirmPrompt({ message: fitTo(q.message, width() - 9, '  '), default: q.default ?? true }, context);
    },
  };
}
