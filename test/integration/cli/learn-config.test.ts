// `learn` run by the built CLI on a kubeconfig it cannot use: it stops at the first lesson (setup, which
// needs the cluster), prints that lesson's error with its hint once and one line naming the lessons not run,
// and exits 3. No cluster is needed for these; HOME is a fresh folder, so no ~/.kube/config is found and no
// sandbox is started. A server that refuses is another kind of failure: every lesson runs and learn exits 1.
// In a terminal (tmux), running a lesson on such a configuration ends the session the same way, with exit 3.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { ExitCode } from '../../../src/core/errors.ts';
import { BIN, runCli, type CliResult } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { count, hasTmux, Terminal } from '../../helpers/tmux.ts';
import { closedPort } from './helpers.ts';

const home = tempDir('kube-lessons-learn-config-');
const env = {
  HOME: home,
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_STATE_HOME: join(home, 'state'),
  KUBECONFIG: undefined,
  KUBE_LESSONS_NO_AUTO_SANDBOX: '1',
};

function kubeconfig(name: string, server: string): string {
  const file = join(home, name);
  const raw = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server } }],
    users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
    contexts: [{ name: 'only', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'only',
  };
  writeFileSync(file, toYaml(raw));
  return file;
}

const NOT_RUN =
  /^error: learn stopped at lesson 1 \(setup\) on the cluster configuration error above; not run: 2 list-nodes, 3 pods, 4 requests, 5 workqueue, 6 stores, 7 informers, 8 sample-controller \(those needing a cluster would fail on the same connection\)$/;

/** Exit 3; stderr holds the setup lesson's one error line with `hint`, then the line naming what was not run. */
function assertStoppedAtSetup(r: CliResult, hint: RegExp): void {
  assert.equal(r.code, ExitCode.config, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, `two lines on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: doctor: kubeconfig, api server failed \(hint: /);
  assert.match(lines[0]!, hint);
  assert.match(lines[1]!, NOT_RUN);
  assert.match(r.stdout, /✗ lesson 1 \(setup\) failed: `kube-lessons doctor` exited with 3/);
  assert.doesNotMatch(r.stdout, /\$ kube-lessons list-nodes/, 'lesson 2 never ran');
  assert.doesNotMatch(r.stdout, /lesson [2-8] \(/);
}

describe('learn on a cluster configuration it cannot use', () => {
  it('a folder as --kubeconfig stops learn after lesson 1 with exit 3', async () => {
    const folder = join(home, 'a-folder');
    mkdirSync(folder, { recursive: true });
    assertStoppedAtSetup(await runCli(['--kubeconfig', folder, 'learn'], { env }), /name the kubeconfig file itself, not its folder/);
  });

  it('a missing --kubeconfig file stops learn after lesson 1 with exit 3', async () => {
    assertStoppedAtSetup(await runCli(['--kubeconfig', join(home, 'missing.yaml'), 'learn'], { env }), /check the path/);
  });

  it('a malformed kubeconfig stops learn after lesson 1 with exit 3, with --yes as without', async () => {
    const file = join(home, 'malformed.yaml');
    writeFileSync(file, 'apiVersion: v1\nclusters: [oops\n');
    assertStoppedAtSetup(await runCli(['--kubeconfig', file, 'learn', '--yes'], { env }), /fix the file/);
  });

  it('an unknown --context stops learn after lesson 1 with exit 3', async () => {
    const file = kubeconfig('one-context.yaml', `https://127.0.0.1:${await closedPort()}`);
    assertStoppedAtSetup(await runCli(['--kubeconfig', file, '--context', 'nope', 'learn'], { env }), /known contexts: only/);
  });

  it('one lesson on a broken kubeconfig: its error once (no cleanup run after it), then exit 3', async () => {
    const r = await runCli(['--kubeconfig', join(home, 'missing.yaml'), 'learn', 'pods'], { env });
    assert.equal(r.code, ExitCode.config, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, `two lines on stderr, got:\n${r.stderr}`);
    assert.match(lines[0]!, /^error: kubeconfig .*missing\.yaml.* \(hint: check the path/);
    assert.equal(lines[1], 'error: lesson 3 (pods) could not use the cluster configuration (the error above)');
    assert.doesNotMatch(r.stdout, /\$ kube-lessons delete-pod/);
  });

  it('a server that refuses is not a configuration problem: every lesson runs and learn exits 1', async () => {
    const file = kubeconfig('refusing.yaml', `https://127.0.0.1:${await closedPort()}`);
    const r = await runCli(['--kubeconfig', file, 'learn'], { env, timeoutMs: 300_000 });
    assert.equal(r.code, ExitCode.failure, r.stderr);
    for (const id of ['setup', 'list-nodes', 'pods', 'requests', 'workqueue', 'stores', 'informers', 'sample-controller']) {
      assert.match(r.stdout, new RegExp(`lesson \\d \\(${id}\\) (ran|failed)`));
    }
    assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^error: \d of 8 lessons failed to run /);
  });
});

describe('learn in a terminal on a cluster configuration it cannot use', () => {
  let term: Terminal | undefined;
  after(() => term?.close());

  it(
    'Run it on lesson 1 prints the error with its hint once, says learn stops, and exits 3',
    { skip: hasTmux ? false : 'tmux is not installed', timeout: 120_000 },
    async () => {
      const folder = join(home, 'tty-folder');
      mkdirSync(folder, { recursive: true });
      term = new Terminal(120, 40, { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: 'xterm-256color', NO_COLOR: '1', ...env });
      term.type(`${process.execPath} ${BIN} --kubeconfig ${folder} learn --no-pager 1; echo "exit=$?"`);
      await term.waitFor('Lesson 1: what next?');
      const s = await term.press(['Enter'], /^exit=\d+$/m);
      assert.match(s, /^exit=3$/m);
      // The engine wraps its lines to the terminal's width.
      const flat = s.replace(/\s+/g, ' ');
      assert.match(
        flat,
        /learn stops here: the lessons that need a cluster \(1 setup, 2 list-nodes, 3 pods, 4 requests, 6 stores, 7 informers, 8 sample-controller\) cannot run with this configuration\. Your progress is saved\./,
      );
      assert.equal(count(s, /^error: /gm), 1, s);
      assert.match(
        s,
        /^error: kubeconfig \S+tty-folder \(from --kubeconfig\) is a folder, not a file \(hint: name the kubeconfig file itself, not its folder/m,
      );
      assert.doesNotMatch(s, /sandbox up/);
    },
  );
});
