/**
 * Shows a page longer than the screen a screenful at a time, as `git` and `man` do: $PAGER when set (an
 * empty PAGER or `cat` means no pager), else `less -R` when it is installed, else a small built-in pager.
 * A page that fits on the screen is simply printed. The caller decides whether paging applies at all
 * (a terminal on both ends, no --no-pager).
 */
import { spawn, spawnSync } from 'node:child_process';
import { textWidth } from '../console/text-width.ts';
import { wrapToWidth } from './markdown.ts';

export type Pager = (text: string) => Promise<void>;

export interface PagerTerminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

export type PagerChoice = { kind: 'command'; command: string } | { kind: 'builtin' } | { kind: 'none' };

/** Which pager to use: $PAGER, then `less -R` when on PATH, then the built-in one. */
export function choosePager(env: NodeJS.ProcessEnv, hasLess: () => boolean = lessInstalled): PagerChoice {
  if (env.PAGER !== undefined) {
    const cmd = env.PAGER.trim();
    return cmd === '' || cmd === 'cat' ? { kind: 'none' } : { kind: 'command', command: cmd };
  }
  return hasLess() ? { kind: 'command', command: 'less -R' } : { kind: 'builtin' };
}

function lessInstalled(): boolean {
  return spawnSync('less', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Rows the text takes on a screen `columns` wide (a line wider than the screen takes several). */
export function rowsOf(text: string, columns: number): number {
  return text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(textWidth(line) / Math.max(1, columns))), 0);
}

export function createPager(choice: PagerChoice, term: PagerTerminal, env: NodeJS.ProcessEnv): Pager {
  return async (text) => {
    const rows = term.stdout.rows || 24;
    if (choice.kind === 'none' || rowsOf(text, term.stdout.columns || 80) < rows) {
      term.stdout.write(text.endsWith('\n') ? text : text + '\n');
      return;
    }
    if (choice.kind === 'command') {
      const ok = await runPagerCommand(choice.command, text, env);
      if (ok) return;
    }
    await builtinPager(text, term);
  };
}

/** Runs the pager through the shell (PAGER may carry options), the text on its stdin; false when it could not start. */
function runPagerCommand(command: string, text: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    // As git does: less keeps colours unless the learner configured it otherwise.
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'], env: { ...env, LESS: env.LESS ?? 'R' } });
    child.on('error', () => resolve(false));
    child.stdin.on('error', () => {}); // the learner quit before reading it all
    child.stdin.end(text);
    child.on('close', (code) => resolve(code !== 127));
  });
}

/** Keys of the built-in pager. */
const HELP = 'space/f next page · b back · ↓/j/enter line · ↑/k up · g/G top/end · q quit';

/** A screenful at a time on the alternate screen, like `less`; `q` returns to where the session was. */
export function builtinPager(text: string, { stdin, stdout }: PagerTerminal): Promise<void> {
  const width = stdout.columns || 80;
  // A line wider than the screen would push the rest down and throw the line count off: wrapped to the screen
  // (by what it shows: colour codes take no column, wide characters two), each part a line of the view.
  const view = wrapToWidth(text.replace(/\n$/, ''), width).split('\n');
  return new Promise((resolve) => {
    const height = () => Math.max(1, (stdout.rows || 24) - 1);
    let top = 0;
    const maxTop = () => Math.max(0, view.length - height());
    const draw = () => {
      top = Math.min(Math.max(0, top), maxTop());
      const page = view.slice(top, top + height());
      const end = Math.min(view.length, top + height());
      const status = `lines ${top + 1}-${end} of ${view.length}${end >= view.length ? ' (end)' : ''} · ${HELP}`;
      stdout.write(`\x1b[H\x1b[2J${page.join('\n')}\n\x1b[7m${status.slice(0, width - 1)}\x1b[0m`);
    };
    const wasRaw = stdin.isRaw;
    const finish = () => {
      stdin.off('data', onKey);
      stdout.off('resize', draw);
      stdin.setRawMode?.(wasRaw);
      stdin.pause();
      stdout.write('\x1b[?1049l');
      resolve();
    };
    const onKey = (data: Buffer) => {
      const k = data.toString();
      if (k === 'q' || k === 'Q' || k === '\u0003' || k === '\x1b') return finish();
      if (k === ' ' || k === 'f' || k === '\x1b[6~') top += height();
      else if (k === 'b' || k === '\x1b[5~') top -= height();
      else if (k === '\r' || k === 'j' || k === '\x1b[B') top += 1;
      else if (k === 'k' || k === '\x1b[A') top -= 1;
      else if (k === 'g' || k === '\x1b[H') top = 0;
      else if (k === 'G' || k === '\x1b[F') top = maxTop();
      draw();
    };
    stdout.write('\x1b[?1049h');
    stdin.setRawMode?.(true);
    stdin.on('data', onKey);
    stdout.on('resize', draw);
    stdin.resume();
    draw();
  });
}
