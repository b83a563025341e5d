/**
 * `learn` on a cold machine, in a real terminal (tmux): an empty binary cache, no cluster configured, and a
 * slow fake `go` (test/helpers/fake-go-command.ts) that the test holds paused after ten packages. The menu
 * and lesson 1 come at once with the build's state; lesson 1's cluster step waits on a progress bar; the
 * learner stops waiting and quits, and the detached build goes on; killed, it is started again by the next
 * `learn` and resumes from what it compiled; released, it completes while the menu is on screen, which
 * follows it with no key pressed; the cluster step then starts the sandbox (from the test sandbox's real
 * binaries, which the fake go "links") and runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildProgress } from '../../src/sandbox/build-progress.ts';
import { loadVersions, versionsKey } from '../../src/sandbox/versions.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { sandboxState } from '../helpers/cluster.ts';
import { fakeGoDir } from '../helpers/fake-go.ts';
import { count, hasTmux, Terminal } from '../helpers/tmux.ts';
import { waitFor } from '../helpers/wait.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const DIST = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
let home = '';
let term: Terminal | undefined;
let env: NodeJS.ProcessEnv = {};
/** The build reports its progress only in its progress file, and the fake one takes a while. */
const BUILD = { timeoutMs: 180_000, everyMs: 100 };

before(() => {
  if (!hasTmux) return;
  assert.ok(existsSync(DIST), 'the CLI is not built: run `npm run build` first (npm test does)');
  home = tempDir('kube-lessons-cold-');
  env = {
    PATH: `${fakeGoDir()}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    KUBE_LESSONS_SANDBOX_DIR: join(home, 'sandbox'),
    GOCACHE: join(home, 'gocache'),
    FAKE_GO_BINARIES: dirname(sandboxState().components.etcd!.binary),
    FAKE_GO_PAUSE_FILE: join(home, 'pause'),
    FAKE_GO_PAUSE_AFTER: '10',
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    NO_COLOR: '1',
  };
  writeFileSync(env.FAKE_GO_PAUSE_FILE!, '');
  term = new Terminal(100, 30, env);
});

after(async () => {
  term?.close();
  if (!home) return;
  const p = progress();
  if (p && p.phase !== 'done') {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await runCli(['sandbox', 'down'], { env });
  rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

function progress(): BuildProgress | undefined {
  const file = join(env.XDG_CACHE_HOME!, 'kube-lessons', 'sandbox', versionsKey(loadVersions()), 'build-progress.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BuildProgress;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test(
  'cold machine: lessons open at once, a cluster step waits for the background build, which survives quitting, resumes, and then runs',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 600_000 },
  async (t) => {
    const term_ = term!;
    const learn = `${process.execPath} ${BIN} learn`;

    // 1. The menu at once, with the build's state; lesson 1 opens (in the pager) while the build runs.
    const started = Date.now();
    term_.type(learn);
    let s = await term_.waitFor('? Pick a lesson');
    t.diagnostic(`menu on screen ${Date.now() - started} ms after typing learn (empty binary cache)`);
    assert.match(s, /the local sandbox is building in the background/);
    assert.match(s, /Pick a lesson {2}\(cluster: /);
    term_.keys('Enter');
    await term_.waitFor(/^:\s*$/m, { visible: true });
    t.diagnostic(`lesson 1 on screen ${Date.now() - started} ms after typing learn`);
    await term_.press(['q'], '? Lesson 1: what next?');

    // 2. Its cluster step waits on a progress bar: the fake build is held after ten packages.
    const first = await waitFor(
      'the build to compile ten packages',
      () => {
        const p = progress();
        return p?.phase === 'compiling' && p.compiled >= 10 ? p : undefined;
      },
      BUILD,
    );
    term_.keys('Enter');
    await term_.waitFor('Press q to stop waiting');
    await term_.waitFor(/\[[█░]+\]\s+\d+% kube-apiserver, controller-manager and scheduler 10\/\d+ packages/, { visible: true });

    // 3. The learner stops waiting and quits: the detached build goes on.
    await term_.press(['q'], 'Stopped waiting; the build goes on');
    term_.keys('C-c');
    await term_.waitFor('Your progress is saved in');
    assert.ok(alive(first.pid), 'the build outlives learn');

    // 4. The build dies; the next learn starts it again, and it resumes from the ten packages compiled.
    process.kill(-first.pid, 'SIGKILL');
    await waitFor('the builder to end', () => (alive(first.pid) ? undefined : true), BUILD);
    await term_.clear('Your progress is saved in');
    term_.type(learn);
    await term_.waitFor('? Pick a lesson', { timeoutMs: 120_000 });
    const resumed = await waitFor(
      'a new build',
      () => {
        const p = progress();
        return p && p.pid !== first.pid && p.phase === 'compiling' ? p : undefined;
      },
      BUILD,
    );
    // The fake compiles its ten shared packages first (counted once, for the first component): none is compiled again.
    assert.equal(resumed.total, first.total - 10, 'the ten compiled packages are not compiled again');

    // 5. The menu follows the build with no key pressed: released, the build completes, and the same menu,
    // redrawn in place, no longer shows a build.
    await term_.waitFor(/^\? Pick a lesson {2}\(cluster: building /m, { visible: true });
    rmSync(env.FAKE_GO_PAUSE_FILE!);
    await waitFor('the build to complete', () => (progress()?.phase === 'done' ? true : undefined), BUILD);
    await term_.waitFor(/^\? Pick a lesson\s*$/m, { visible: true });
    assert.equal(count(term_.screen(), '? Pick a lesson'), 1, 'the menu was redrawn, not asked again');

    // 6. Lesson 1's cluster step now starts the sandbox at once, and doctor runs.
    term_.keys('Enter');
    await term_.waitFor(/^:\s*$/m, { visible: true });
    await term_.press(['q'], '? Lesson 1: what next?');
    term_.keys('Enter');
    s = await term_.waitFor('Run it again: kube-lessons doctor', { timeoutMs: 180_000 });
    assert.doesNotMatch(s, /Press q to stop waiting/, 'no wait: the build had completed');
    assert.match(s, /Starting the local sandbox/);
    assert.match(s, /answers GET \/version: Kubernetes v/);
    assert.equal(progress()?.phase, 'done');
    term_.keys('C-c');
    await term_.waitFor('Your progress is saved in');
  },
);
