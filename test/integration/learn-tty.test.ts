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
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../src/lessons/catalog.ts';
import type { ProgressData } from '../../src/lessons/progress.ts';
import { BIN } from '../helpers/cli.ts';
import { sandboxState, testClient } from '../helpers/cluster.ts';
import { choicePosition, down, hasTmux, Terminal } from '../helpers/tmux.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const DIST = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const WIDTH = 120;
const HEIGHT = 40;

let configHome = '';
let term: Terminal | undefined;

before(() => {
  if (!hasTmux) return;
  assert.ok(existsSync(DIST), 'the CLI is not built: run `npm run build` first (npm test does)');
  const state = sandboxState();
  configHome = tempDir('kube-lessons-tty-');
  term = new Terminal(WIDTH, HEIGHT, {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: configHome,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    XDG_CONFIG_HOME: configHome,
    KUBECONFIG: state.kubeconfig,
    NO_COLOR: '1',
  });
});

after(() => {
  term?.close();
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
    // --no-pager: this test reads the lesson text from the scrollback (the pager has its own test).
    const learn = `${process.execPath} ${BIN} learn --no-pager`;
    const t = term!;
    const { waitFor, press } = { waitFor: t.waitFor.bind(t), press: t.press.bind(t) };
    const type = (line: string) => t.type(line);

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

    // 3. Checkpoints: the first answered wrongly (no explanation yet), retried, then answered rightly. The
    //    choices are shuffled, so their places are read off the screen.
    const [first, ...rest] = lesson.questions;
    const wrong = first!.choices[first!.answer === 0 ? 1 : 0]!;
    const right = first!.choices[first!.answer]!;
    const explanationStart = first!.explanation.split(' ').slice(0, 6).join(' ');
    const header = (n: number) => `? Checkpoint ${n} of ${lesson.questions.length}`;
    s = await press(['Enter'], header(1));
    s = await press([...down(choicePosition(s, header(1), wrong)), 'Enter'], 'Try this one again?');
    assert.match(s, /✗ Not quite\./);
    assert.doesNotMatch(s.slice(s.lastIndexOf('✗ Not quite.')), new RegExp(escape(explanationStart)), 'the explanation waits for the right answer');
    s = await press(['Enter'], header(1));
    s = await press([...down(choicePosition(s, header(1), right)), 'Enter'], '✓ Right.');
    assert.match(s.slice(s.lastIndexOf('✓ Right.')), new RegExp(`^✓ Right\\. ${escape(explanationStart)}`, 'm'));
    for (const [i, q] of rest.entries()) {
      // Keys go out only once the prompt is on screen, as a person would press them.
      const shown = await waitFor(header(i + 2));
      await press([...down(choicePosition(shown, header(i + 2), q.choices[q.answer]!)), 'Enter'], '✓ Right.');
    }
    // Lesson 2 has no hands-on task (it only reads): the lesson ends after its questions.
    assert.equal(lesson.task, undefined);

    // 4. The lesson's exercise is offered after its checkpoints; Enter (the default) goes on without checking it.
    s = await waitFor('? Exercises');
    assert.match(s, /exercise 2 list-nodes/);
    // 5. Done: saved to the progress file, and the way on is offered.
    s = await press(['Enter'], '? Where to now?');
    assert.match(s, /✓ Lesson 2 done \(1 of 8 lessons done, saved\)/);
    assert.match(s, /Next: lesson 3, Slices and resources: creating a naked pod/);
    const saved = JSON.parse(readFileSync(progressFile, 'utf8')) as ProgressData;
    assert.equal(saved.formatVersion, 1);
    assert.deepEqual(Object.keys(saved.completed), ['list-nodes']);
    assert.ok(!Number.isNaN(Date.parse(saved.completed['list-nodes'] ?? '')));
    // Every checkpoint's answer is kept, by its index in the catalog: the first took two picks.
    const answers = saved.answers?.['list-nodes'] ?? {};
    assert.deepEqual(
      lesson.questions.map((_q, i) => [answers[String(i)]?.choice, answers[String(i)]?.correct]),
      lesson.questions.map((q) => [q.answer, true]),
    );
    assert.equal(answers['0']?.attempts, 2);
    assert.equal(saved.current, 'pods');

    // 6. Quit, and the shell gets the terminal back with exit code 0.
    await press([...down(2), 'Enter'], 'Your progress is saved in');
    type('echo "learn exited with $?"');
    await waitFor('learn exited with 0');

    // 7. Coming back: the menu resumes at lesson 3, marked ▶, with lesson 2 ✓.
    await t.clear('learn exited with');
    type(learn);
    s = await waitFor('? Pick a lesson');
    assert.match(s, /Welcome back\. 1 of 8 lessons done; you were at lesson 3: Slices and resources: creating a naked pod\./);
    assert.match(s, /✓ {2}2\. Structs, methods and interfaces/);
    assert.match(s, /[❯>] ▶ {2}3\. Slices and resources: creating a naked pod/);
    assert.doesNotMatch(s, /Welcome to kube-lessons/);

    // 8. Quit from the menu (its last entry): nothing changed.
    await press([...down(6), 'Enter'], 'Your progress is saved in');
    type('echo "learn exited with $?"');
    await waitFor('learn exited with 0', { times: 1 });
    assert.deepEqual((JSON.parse(readFileSync(progressFile, 'utf8')) as ProgressData).completed, saved.completed);
  },
);

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
