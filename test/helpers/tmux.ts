/**
 * A real pseudo-terminal for tests: a tmux server on a private socket, one session of a fixed size running
 * a plain shell. Keys are sent as a person types them and the screen is read back; every wait polls the
 * screen for text, never a fixed time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

export function count(text: string, needle: string | RegExp): number {
  if (typeof needle === 'string') return text.split(needle).length - 1;
  return (text.match(new RegExp(needle.source, needle.flags.includes('g') ? needle.flags : needle.flags + 'g')) ?? []).length;
}

export class Terminal {
  readonly width: number;
  readonly height: number;
  private readonly socket = `kube-lessons-tty-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly env: NodeJS.ProcessEnv;

  /** Starts `bash` in a session `width` x `height` with exactly `env` (plus PS1 and no history). */
  constructor(width: number, height: number, env: NodeJS.ProcessEnv) {
    this.width = width;
    this.height = height;
    this.env = { ...env, PS1: '$ ', HISTFILE: '/dev/null' };
    const vars = Object.entries(this.env).flatMap(([k, v]) => (v === undefined ? [] : ['-e', `${k}=${v}`]));
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(width), '-y', String(height), ...vars, 'bash --norc --noprofile');
    this.tmux('set-option', '-t', 'main', 'history-limit', '20000');
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** The whole pane, scrollback included; with `joined`, lines the terminal wrapped are joined back together. */
  screen(joined = true): string {
    return this.tmux('capture-pane', '-p', ...(joined ? ['-J'] : []), '-S', '-5000', '-t', 'main');
  }

  /** Only what is on the screen now (a pager's page, say). */
  visible(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** Waits until `needle` appears at least `times` times; fails with the screen's end when it does not. */
  async waitFor(needle: string | RegExp, opts: { times?: number; timeoutMs?: number; visible?: boolean } = {}): Promise<string> {
    const times = opts.times ?? 1;
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    let last = '';
    while (Date.now() < deadline) {
      last = opts.visible ? this.visible() : this.screen();
      if (count(last, needle) >= times) return last;
      await sleep(100);
    }
    const tail = last.trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`timed out waiting for ${String(needle)}${times > 1 ? ` (${times} times)` : ''}; the screen ends with:\n${tail}`);
  }

  /** Sends keys, then waits for `needle` to appear once more than it did before. */
  async press(keys: string[], needle: string | RegExp, timeoutMs?: number): Promise<string> {
    const before = count(this.screen(), needle);
    this.tmux('send-keys', '-t', 'main', ...keys);
    return this.waitFor(needle, { times: before + 1, ...(timeoutMs ? { timeoutMs } : {}) });
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  type(line: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', line);
    this.tmux('send-keys', '-t', 'main', 'Enter');
  }

  /** Empties the pane and its scrollback once the shell has cleared the screen. */
  async clear(leftover: string): Promise<void> {
    this.type('clear');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      this.tmux('clear-history', '-t', 'main');
      if (!this.screen().includes(leftover)) return;
      await sleep(100);
    }
    throw new Error('the screen was not cleared');
  }

  /** Ends the tmux server on this socket: the shell and anything still running in it. */
  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore', env: this.env });
  }
}

export const down = (n: number): string[] => Array.from({ length: n }, () => 'Down');

/**
 * Where `choice` is in the list of a select prompt shown last under `header` (0 = first), for prompts whose
 * cursor starts on the first entry: the learner sees checkpoint choices shuffled, so a test reads their
 * order off the screen as a person would.
 */
export function choicePosition(screen: string, header: string, choice: string): number {
  const fromHeader = screen.slice(screen.lastIndexOf(header)).split('\n');
  const after = fromHeader.slice(fromHeader.findIndex((l) => /^(❯|>) /.test(l)));
  const blank = after.findIndex((l) => l.trim() === '');
  const lines = blank < 0 ? after : after.slice(0, blank);
  // Entries start with the cursor or two spaces; wrapped parts of an entry are indented further.
  const entries = lines.filter((l) => /^(❯|>| ) \S/.test(l));
  const start = choice.slice(0, 20);
  const at = entries.findIndex((l) => l.slice(2).startsWith(start));
  if (at < 0) throw new Error(`"${start}" is not among the choices under "${header}":\n${lines.slice(0, 12).join('\n')}`);
  return at;
}
