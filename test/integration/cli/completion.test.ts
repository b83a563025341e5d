// Shell completion as a shell runs it: the script `completion bash` prints, sourced in a real bash, fed
// COMP_WORDS/COMP_CWORD as readline would, and its COMPREPLY read back. No cluster needed: contexts and
// namespaces come from the kubeconfig file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const dir = tempDir('kube-lessons-completion-');
const bin = join(dir, 'bin');
spawnSync('mkdir', [bin]);
symlinkSync(BIN, join(bin, 'kube-lessons'));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
current-context: dev
clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]
users: [{name: u, user: {token: t}}]
contexts:
- {name: dev, context: {cluster: k, user: u, namespace: team-dev}}
- {name: prod-eu, context: {cluster: k, user: u, namespace: shop}}
- {name: prod-us, context: {cluster: k, user: u}}
`,
);
const other = join(dir, 'other-config');
writeFileSync(
  other,
  'apiVersion: v1\nkind: Config\ncontexts: [{name: elsewhere, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: "https://x"}}]\nusers: [{name: u, user: {}}]\n',
);

/** COMPREPLY for a command line whose last word is being completed (readline's view: words and the cursor's word). */
function tab(line: string[], script: string): string[] {
  const words = ['kube-lessons', ...line];
  const bashArray = words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync(
    'bash',
    ['-c', `${script}\nCOMP_WORDS=(${bashArray}); COMP_CWORD=${words.length - 1}; _kube_lessons; printf '%s\\n' "\${COMPREPLY[@]}"`],
    {
      encoding: 'utf8',
      // The node the tests run on first: the CLI's shebang finds it there.
      env: { PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`, HOME: dir, KUBECONFIG: kubeconfig, NO_COLOR: '1' },
      cwd: dir,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

describe('kube-lessons completion', () => {
  let bash = '';
  it('prints a script for bash, zsh and fish, and refuses another shell with the usage code', async () => {
    const r = await runCli(['completion', 'bash']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /complete -F _kube_lessons kube-lessons/);
    bash = r.stdout;
    for (const shell of ['zsh', 'fish']) {
      const s = await runCli(['completion', shell]);
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /__complete/);
    }
    const n = spawnSync('zsh', ['-n'], { input: (await runCli(['completion', 'zsh'])).stdout });
    if (n.error === undefined) assert.equal(n.status, 0, String(n.stderr));
    const bad = await runCli(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
  });

  it('completes commands, subcommands and options', () => {
    assert.deepEqual(tab(['li'], bash), ['list-nodes']);
    assert.ok(tab([''], bash).includes('informer') && tab([''], bash).includes('completion'));
    assert.deepEqual(tab(['sandbox', ''], bash), ['build', 'down', 'env', 'status', 'up']);
    assert.deepEqual(tab(['exercise', ''], bash), ['init', 'list', 'watch']);
    assert.deepEqual(tab(['controller', 'r'], bash), ['rbac', 'run']);
    assert.deepEqual(tab(['list-nodes', '--s'], bash), ['--selector']);
    assert.deepEqual(tab(['--no-'], bash), ['--no-color', '--no-headers']);
    // Global options are offered after a subcommand too.
    assert.ok(tab(['create-pod', '--'], bash).includes('--node-selector') && tab(['create-pod', '--'], bash).includes('--kubeconfig'));
  });

  it('completes -o values in every spelling', () => {
    assert.deepEqual(tab(['-o', ''], bash), ['json', 'name', 'table', 'wide', 'yaml']);
    assert.deepEqual(tab(['list-nodes', '--output', 'y'], bash), ['yaml']);
    // bash splits "-o=ya" at "=" (COMP_WORDBREAKS): the word being completed is "ya".
    assert.deepEqual(tab(['list-nodes', '-o', '=', 'ya'], bash), ['yaml']);
  });

  it('completes contexts and namespaces from the kubeconfig the line would use', () => {
    assert.deepEqual(tab(['--context', 'prod'], bash), ['prod-eu', 'prod-us']);
    assert.deepEqual(tab(['list-nodes', '--context', ''], bash), ['dev', 'prod-eu', 'prod-us']);
    assert.deepEqual(tab(['--kubeconfig', other, '--context', ''], bash), ['elsewhere']);
    assert.deepEqual(tab(['-n', ''], bash), ['default', 'kube-system', 'shop', 'team-dev']);
  });

  it('completes lesson ids, exercise ids, resources and kubeconfig paths', () => {
    assert.deepEqual(tab(['learn', 's'], bash), ['sample-controller', 'setup', 'stores']);
    assert.deepEqual(tab(['verify', 'n'], bash), ['naked-pod', 'new-deployment']);
    assert.ok(tab(['hint', ''], bash).includes('foo-sync-handler'));
    assert.ok(tab(['informer', ''], bash).includes('pods'));
    assert.deepEqual(tab(['watch', 'config'], bash), ['configmaps']);
    assert.deepEqual(tab(['--kubeconfig', 'oth'], bash), ['other-config']);
    assert.deepEqual(tab(['--kubeconfig', `${dir}/b`], bash), [`${dir}/bin/`]);
  });
});
