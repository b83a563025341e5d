/**
 * Reading the lessons in a real terminal (tmux) at 60, 80 and 120 columns, with colour: nothing the
 * session prints is wider than the screen (prose, code blocks, prompts, choices, hints, explanations), a
 * long lesson opens in the pager, and `q` there returns to the lesson's menu. Needs no cluster.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { textWidth } from '../../src/console/text-width.ts';
import { BIN } from '../helpers/cli.ts';
import { down, hasTmux, Terminal } from '../helpers/tmux.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const DIST = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const homes: string[] = [];
const terminals: Terminal[] = [];

after(() => {
  for (const t of terminals) t.close();
  for (const h of homes) rmSync(h, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

function open(width: number): Terminal {
  assert.ok(existsSync(DIST), 'the CLI is not built: run `npm run build` first (npm test does)');
  const home = tempDir('kube-lessons-reading-');
  homes.push(home);
  const t = new Terminal(width, 30, {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    KUBE_LESSONS_NO_AUTO_SANDBOX: '1',
  });
  terminals.push(t);
  return t;
}

/** The lines the session printed that are wider than the terminal (the command lines typed aside). */
function overflowing(screen: string, width: number): string[] {
  return screen.split('\n').filter((l) => !l.includes(BIN) && textWidth(l.trimEnd()) > width);
}

for (const width of [60, 80, 120]) {
  test(
    `at ${width} columns: the pager opens for lesson 1 and q returns to the lesson; no line is wider than the screen`,
    { skip: hasTmux ? false : 'tmux is not installed', timeout: 120_000 },
    async () => {
      const t = open(width);
      t.type(`${process.execPath} ${BIN} learn`);
      await t.waitFor('? Pick a lesson');

      // Lesson 1 is longer than 30 rows: it opens in less, whose prompt sits on the last row.
      t.keys('Enter');
      const page = await t.waitFor(/^:\s*$/m, { visible: true });
      assert.match(page, /Lesson 1 of 8/);
      assert.doesNotMatch(page, /Lesson 1: what next\?/);
      await t.press(['q'], '? Lesson 1: what next?');

      // A hint and a checkpoint, answered, so prompts, choices and explanations are on screen too.
      await t.press([...down(2), 'Enter'], 'Hint 1 of');
      await t.press([...down(1), 'Enter'], '? Checkpoint 1 of');
      t.keys('Enter');
      const answered = await t.waitFor(/✓ Right\.|✗ Not quite\./);
      if (/✗ Not quite\.[^✓]*$/.test(answered)) await t.press([...down(1), 'Enter'], 'The answer:');
      await t.waitFor('? Checkpoint 2 of');
      t.keys('C-c');
      await t.waitFor('Your progress is saved in');

      // Lesson 8 printed whole (--no-pager): YAML, Go and TypeScript blocks, wrapped inside their gutter.
      t.type(`${process.execPath} ${BIN} learn 8 --no-pager`);
      await t.waitFor('? Lesson 8: what next?');
      t.keys('C-c');
      await t.waitFor('Your progress is saved in', { times: 2 });

      const screen = t.screen();
      assert.match(screen, /│ apiVersion: samplecontroller\.k8s\.io/);
      assert.deepEqual(overflowing(screen, width), []);
    },
  );
}
