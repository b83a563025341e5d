/**
 * A select prompt whose question follows something that changes while the learner looks at it: the menu's
 * "(cluster: building kube-apiserver 63%, about 3 min left)". The question is recomputed every second and the
 * prompt redrawn only when its text changed, through inquirer's own render cycle (the screen is rewritten in
 * place, so nothing flickers and typing is not disturbed). Otherwise it looks and answers like inquirer's
 * select: ↑/↓ (no wrap-around), a number to jump to that entry, Enter; the highlighted entry's description
 * under the list.
 */
import { createPrompt, isDownKey, isEnterKey, isNumberKey, isUpKey, makeTheme, useEffect, useKeypress, usePagination, usePrefix, useRef, useState } from '@inquirer/core';
import { styleText } from 'node:util';

export interface LiveChoice<V extends string> {
  value: V;
  name: string;
  /** Shown after the question once picked. */
  short: string;
  description?: string;
}

export interface LiveSelectConfig<V extends string> {
  /** The question now; called again every `refreshMs` while the prompt waits. */
  message: () => string;
  choices: LiveChoice<V>[];
  default?: V;
  pageSize: number;
  refreshMs?: number;
}

/** Hides the terminal's cursor while the list is shown (inquirer shows it again when the prompt ends). */
const CURSOR_HIDE = '\x1b[?25l';

/** How long typed digits count as one number ("1" then "2" is 12), as inquirer's select. */
const NUMBER_INPUT_MS = 700;

export const liveSelect = createPrompt(<V extends string>(config: LiveSelectConfig<V>, done: (value: V) => void) => {
  const theme = makeTheme({});
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const [message, setMessage] = useState(config.message);
  const prefix = usePrefix({ status, theme });
  const items = config.choices;
  const [active, setActive] = useState(() => Math.max(0, items.findIndex((c) => c.value === config.default)));
  const numberTimer = useRef<NodeJS.Timeout | undefined>(undefined);

  useEffect(() => {
    // setMessage redraws only when the text differs.
    const timer = setInterval(() => setMessage(config.message()), config.refreshMs ?? 1000);
    return () => {
      clearInterval(timer);
      clearTimeout(numberTimer.current);
    };
  }, []);

  useKeypress((key, rl) => {
    if (isEnterKey(key)) {
      setStatus('done');
      done(items[active]!.value);
    } else if (isUpKey(key) || isDownKey(key)) {
      rl.clearLine(0);
      setActive(Math.min(items.length - 1, Math.max(0, active + (isUpKey(key) ? -1 : 1))));
    } else if (isNumberKey(key)) {
      const n = Number(rl.line);
      if (Number.isInteger(n) && n >= 1 && n <= items.length) setActive(n - 1);
      clearTimeout(numberTimer.current);
      numberTimer.current = setTimeout(() => rl.clearLine(0), NUMBER_INPUT_MS);
    } else {
      rl.clearLine(0);
    }
  });

  const chosen = items[active]!;
  if (status === 'done') return `${prefix} ${theme.style.message(message, status)} ${theme.style.answer(chosen.short)}`;
  const page = usePagination({
    items,
    active,
    renderItem: ({ item, isActive }) => (isActive ? theme.style.highlight(`❯ ${item.name}`) : `  ${item.name}`),
    pageSize: config.pageSize,
    loop: false,
  });
  const help = [
    ['↑↓', 'navigate'],
    ['⏎', 'select'],
  ]
    .map(([k, what]) => `${styleText('bold', k!)} ${styleText('dim', what!)}`)
    .join(styleText('dim', ' • '));
  const lines = [`${prefix} ${theme.style.message(message, status)}`, page, ' ', chosen.description ? styleText('cyan', chosen.description) : '', help];
  return `${lines.filter(Boolean).join('\n').trimEnd()}${CURSOR_HIDE}`;
});
