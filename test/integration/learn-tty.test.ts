/**
 * `kube-lessons learn` as a person uses it: in a real pseudo-terminal (a tmux session of fixed size), keys
 * sent one by one, the screen read back, against the test sandbox. Open the menu, pick lesson 2, run it
 * (the sandbox's nodes appear), answer a checkpoint wrongly then rightly, finish the lesson, see the
 * progress file, quit, come back and find the menu resuming at lesson 3.
 *
 * Every step waits for text on the screen (polling capture-pane), never for a fixed time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../src/lessons/catalog.ts';
import { BIN } from '../helpers/cli.ts';
import { sandboxState, testClient } from '../helpers/cluster.ts';

const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
const DIST = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const SOCKET = `kube-lessons-tty-${process.pid}-${randomBytes(3).toString('hex')}`;
const SESSION = 'learn';
const WIDTH = 120;
const HEIGHT = 40;

let configHome = '';
let env: NodeJS.ProcessEnv = {};

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The whole pane, scrollback included, with wrapped lines joined back together. */
function screen(): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-5000', '-t', SESSION);
}

function count(text: string, needle: string | RegExp): number {
  if (typeof needle === 'string') return text.split(needle).length - 1;
  return (text.match(new RegExp(needle.source, needle.flags.includes('g') ? needle.flags : needle.flags + 'g')) ?? []).length;
}

/** Waits until `needle` appears on screen at least `times` times; fails with the screen's end when it does not. */
async function waitFor(needle: string | RegExp, opts: { times?: number; timeoutMs?: number } = {}): Promise<string> {
  const times = opts.times ?? 1;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (count(last, needle) >= times) return last;
    await sleep(100);
  }
  const tail = last.trimEnd().split('\n').slice(-30).join('\n');
  throw new Error(`timed out waiting for ${String(needle)}${times > 1 ? ` (${times} times)` : ''}; the screen ends with:\n${tail}`);
}

/** Sends keys, then waits for `needle` to appear once more than it did before. */
async function press(keys: string[], needle: string | RegExp, timeoutMs?: number): Promise<string> {
  const before = count(screen(), needle);
  tmux('send-keys', '-t', SESSION, ...keys);
  return waitFor(needle, { times: before + 1, ...(timeoutMs ? { timeoutMs } : {}) });
}

function type(line: string): void {
  tmux('send-keys', '-t', SESSION, '-l', line);
  tmux('send-keys', '-t', SESSION, 'Enter');
}

const down = (n: number) => Array.from({ length: n }, () => 'Down');

/** Empties the pane and its scrollback once the shell has cleared the screen. */
async function clearedScreen(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    tmux('clear-history', '-t', SESSION);
    if (!screen().includes('learn exited with')) return;
    await sleep(100);
  }
  throw new Error('the screen was not cleared');
}

before(() => {
  if (!hasTmux) return;
  assert.ok(existsSync(DIST), 'the CLI is not built: run `npm run build` first (npm test does)');
  const state = sandboxState();
  configHome = mkdtempSync(join(tmpdir(), 'kube-lessons-tty-'));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: configHome,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    XDG_CONFIG_HOME: configHome,
    KUBECONFIG: state.kubeconfig,
    NO_COLOR: '1',
    PS1: '$ ',
    HISTFILE: '/dev/null',
  };
  const vars = ['XDG_CONFIG_HOME', 'KUBECONFIG', 'NO_COLOR', 'HOME', 'LANG', 'PS1', 'HISTFILE'].flatMap((k) => ['-e', `${k}=${env[k]}`]);
  tmux('new-session', '-d', '-s', SESSION, '-x', String(WIDTH), '-y', String(HEIGHT), ...vars, 'bash --norc --noprofile');
  tmux('set-option', '-t', SESSION, 'history-limit', '20000');
});

after(() => {
  if (!hasTmux) return;
  // Only the tmux server on our own socket: it ends the shell and anything still running in it.
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore', env });
  if (configHome) rmSync(configHome, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

test(
  'learn in a terminal: menu, lesson 2 run live, a wrong then a right answer, progress saved, resumed at lesson 3',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 180_000 },
  async () => {
    const lesson = loadCatalog().lessons[1]!;
    assert.equal(lesson.id, 'list-nodes');
    const client = await testClient();
    const { body } = await client.request<{ items: { metadata: { name: string } }[] }>({ path: '/api/v1/nodes' });
    const nodeNames = body.items.map((n) => n.metadata.name);
    assert.ok(nodeNames.length > 0, 'the sandbox has nodes');
    const progressFile = join(configHome, 'kube-lessons', 'progress.json');
    const learn = `${process.execPath} ${BIN} learn`;

    // 1. The menu, on a first visit: the welcome, every lesson not started, the cursor on lesson 1.
    type(learn);
    let s = await waitFor('? Pick a lesson');
    assert.match(s, /Welcome to kube-lessons/);
    assert.match(s, /[❯>] · {2}1\. Setting up/);
    assert.match(s, /· {2}2\. Structs, methods and interfaces: listing the nodes/);

    // 2. Lesson 2: its text, then "Run it" runs list-nodes in-process against the sandbox.
    s = await press(['Down', 'Enter'], `Lesson 2: what next?`);
    assert.match(s, /Lesson 2 of 8 · Structs, methods and interfaces: listing the nodes/);
    assert.match(s, /src\/examples\/list-nodes\.ts — listNodes/);
    assert.match(s, /Run it: kube-lessons list-nodes/);
    s = await press(['Enter'], 'Run it again: kube-lessons list-nodes');
    const run = s.slice(s.lastIndexOf('$ kube-lessons list-nodes'));
    assert.match(run, /NAME\s+ARCH\s+OS/);
    for (const name of nodeNames) assert.match(run, new RegExp(`^${name}\\s+(amd64|arm64)\\s+\\S`, 'm'), `node ${name} is listed`);

    // 3. Checkpoints: the first answered wrongly (explanation shown), retried, then answered rightly.
    const [first, ...rest] = lesson.questions;
    const wrong = first!.answer === 0 ? 1 : 0;
    const explanationStart = first!.explanation.split(' ').slice(0, 6).join(' ');
    await press(['Enter'], `Checkpoint 1 of ${lesson.questions.length}`);
    s = await press([...down(wrong), 'Enter'], 'Try this one again?');
    assert.match(s, new RegExp(`✗ Not quite\\. ${escape(explanationStart)}`));
    await press(['Enter'], `Checkpoint 1 of ${lesson.questions.length}`);
    s = await press([...down(first!.answer), 'Enter'], '✓ Right.');
    assert.match(s.slice(s.lastIndexOf('✓ Right.')), new RegExp(`^✓ Right\\. ${escape(explanationStart)}`, 'm'));
    for (const [i, q] of rest.entries()) {
      // Keys go out only once the prompt is on screen, as a person would press them.
      await waitFor(`? Checkpoint ${i + 2} of ${lesson.questions.length}`);
      await press([...down(q.answer), 'Enter'], '✓ Right.');
    }
    // Lesson 2 has no hands-on task (it only reads): the lesson ends after its questions.
    assert.equal(lesson.task, undefined);

    // 4. Done: saved to the progress file, and the way on is offered.
    s = await waitFor('? Where to now?');
    assert.match(s, /✓ Lesson 2 done \(1 of 8 lessons done, saved\)/);
    assert.match(s, /Next: lesson 3, Slices and resources: creating a naked pod/);
    const saved = JSON.parse(readFileSync(progressFile, 'utf8')) as { formatVersion: number; completed: Record<string, string>; current: string };
    assert.equal(saved.formatVersion, 1);
    assert.deepEqual(Object.keys(saved.completed), ['list-nodes']);
    assert.ok(!Number.isNaN(Date.parse(saved.completed['list-nodes'] ?? '')));
    assert.equal(saved.current, 'pods');

    // 5. Quit, and the shell gets the terminal back with exit code 0.
    await press([...down(2), 'Enter'], 'Your progress is saved in');
    type('echo "learn exited with $?"');
    await waitFor('learn exited with 0');

    // 6. Coming back: the menu resumes at lesson 3, marked ▶, with lesson 2 ✓.
    type('clear');
    await clearedScreen();
    type(learn);
    s = await waitFor('? Pick a lesson');
    assert.match(s, /Welcome back\. 1 of 8 lessons done; you were at lesson 3: Slices and resources: creating a naked pod\./);
    assert.match(s, /✓ {2}2\. Structs, methods and interfaces/);
    assert.match(s, /[❯>] ▶ {2}3\. Slices and resources: creating a naked pod/);
    assert.doesNotMatch(s, /Welcome to kube-lessons/);

    // 7. Quit from the menu (its last entry): nothing changed.
    await press([...down(6), 'Enter'], 'Your progress is saved in');
    type('echo "learn exited with $?"');
    await waitFor('learn exited with 0', { times: 1 });
    assert.deepEqual((JSON.parse(readFileSync(progressFile, 'utf8')) as typeof saved).completed, saved.completed);
  },
);

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
