/**
 * Watch mode as a learner meets it: `kube-lessons watch` (no resource) in a real terminal (tmux), in a fresh
 * workspace. Save a wrong answer and see its failure; save the solution and see the pass, then the next
 * exercise (live, against the sandbox) with its TODO failing; q quits with exit code 0. Every step waits for
 * text on the screen, never for a fixed time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadExerciseCatalog, solutionPath } from '../../../src/exercises/catalog.ts';
import { BIN } from '../../helpers/cli.ts';
import { sandboxState } from '../../helpers/cluster.ts';
import { waitFor } from '../../helpers/wait.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
const SOCKET = `kube-lessons-exwatch-${process.pid}-${randomBytes(3).toString('hex')}`;
const SESSION = 'watch';
let home = '';
let env: NodeJS.ProcessEnv = {};

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-5000', '-t', SESSION);

function waitForScreen(needle: RegExp, timeoutMs = 60_000): Promise<string> {
  let last = '';
  return waitFor(
    String(needle),
    () => {
      last = screen();
      return needle.test(last) ? last : undefined;
    },
    { timeoutMs, everyMs: 100, detail: () => `the screen ends with:\n${last.trimEnd().split('\n').slice(-25).join('\n')}` },
  );
}

before(() => {
  if (!hasTmux) return;
  home = tempDir('kube-lessons-exwatch-');
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    XDG_CONFIG_HOME: join(home, 'config'),
    KUBECONFIG: sandboxState().kubeconfig,
    NO_COLOR: '1',
    PS1: '$ ',
    HISTFILE: '/dev/null',
  };
  execFileSync(process.execPath, [BIN, 'exercise', 'init', join(home, 'ws')], { env, stdio: 'ignore' });
  const vars = ['XDG_CONFIG_HOME', 'KUBECONFIG', 'NO_COLOR', 'HOME', 'LANG', 'PS1', 'HISTFILE'].flatMap((k) => ['-e', `${k}=${env[k]}`]);
  tmux('new-session', '-d', '-s', SESSION, '-x', '160', '-y', '50', '-c', join(home, 'ws'), ...vars, 'bash --norc --noprofile');
});

after(() => {
  if (!hasTmux) return;
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore', env });
  rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

test(
  'watch: a wrong save fails, the solution passes and the next exercise comes up; q quits',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 240_000 },
  async () => {
    const catalog = loadExerciseCatalog();
    const [first, second] = catalog.exercises;
    const file = join(home, 'ws', first!.file);
    tmux('send-keys', '-t', SESSION, '-l', `${process.execPath} ${BIN} watch`);
    tmux('send-keys', '-t', SESSION, 'Enter');

    await waitForScreen(new RegExp(`Watching ${first!.file}`));
    await waitForScreen(new RegExp(`✗ ${escape(first!.scaffoldFails)}`));

    // A wrong answer: the server of the wrong context.
    writeFileSync(file, readFileSync(file, 'utf8').replace("return { context: '', server: '' };", "return { context: 'dev', server: 'https://wrong.test' };"));
    await waitForScreen(/✗ returns the server URL of that context's cluster: expected "https:\/\/dev\.example\.test:6443", got "https:\/\/wrong\.test"/);

    copyFileSync(solutionPath(catalog, first!), file);
    await waitForScreen(new RegExp(`✓ ${first!.id} passes`));
    await waitForScreen(new RegExp(`Next: exercise 2 ${second!.id}`));
    const s = await waitForScreen(new RegExp(`✗ ${escape(second!.scaffoldFails)}`));
    assert.match(s, new RegExp(`Watching ${second!.file}`));

    tmux('send-keys', '-t', SESSION, 'q');
    await waitForScreen(/Stopped watching; what passed is saved/);
    tmux('send-keys', '-t', SESSION, '-l', 'echo "watch exited with $?"');
    tmux('send-keys', '-t', SESSION, 'Enter');
    await waitForScreen(/watch exited with 0/);
    const progress = JSON.parse(readFileSync(join(home, 'config', 'kube-lessons', 'progress.json'), 'utf8')) as { completed: Record<string, string> };
    assert.ok(progress.completed[`exercise:${first!.id}`], 'the pass is in the shared progress file');
  },
);

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
