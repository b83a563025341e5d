// Every `export` line the CLI prints (`sandbox up`, `sandbox env`) survives `eval` in bash, for a state folder
// whose path has spaces, quotes and `$`: a real sandbox is started there, and the kubeconfig the line points
// at is used by the CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const parent = tempDir('kube-lessons-export-');
const dir = join(parent, `it's a "sandbox" $HOME $(touch pwned) \`id\``);
const env = { KUBE_LESSONS_SANDBOX_DIR: dir, KUBE_LESSONS_NO_AUTO_SANDBOX: '1' };

/** What bash's `eval` makes of the line: the value of KUBECONFIG, and whether anything else ran. */
function evalInBash(line: string): string {
  // Only PATH and a HOME: a locale the machine names but has not installed (LANG, LC_ALL) makes bash warn on stderr.
  const env = { PATH: process.env.PATH, HOME: '/nonexistent-home' };
  const r = spawnSync('bash', ['-c', 'eval "$1" && printf %s "$KUBECONFIG"', '_', line], { encoding: 'utf8', cwd: parent, env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

describe('export lines', () => {
  after(async () => {
    await runCli(['sandbox', 'down'], { env });
    rmSync(parent, { recursive: true, force: true });
  });

  it('sandbox up and sandbox env print a line that eval turns into the kubeconfig path, and nothing else runs', async () => {
    const up = await runCli(['sandbox', 'up', '--nodes', '1'], { env, timeoutMs: 600_000 });
    assert.equal(up.code, 0, up.stderr);
    const kubeconfig = join(dir, 'kubeconfig');
    const lines = [up.stdout.trim(), (await runCli(['sandbox', 'env'], { env })).stdout.trim()];
    for (const line of lines) {
      assert.match(line, /^export KUBECONFIG=/);
      assert.equal(evalInBash(line), kubeconfig);
    }
    assert.ok(!existsSync(join(parent, 'pwned')), 'no command substitution ran');
    // The path the line names is a kubeconfig the CLI uses.
    const nodes = await runCli(['--kubeconfig', evalInBash(lines[1]!), 'list-nodes', '-o', 'name'], { env });
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.equal(nodes.stdout.trim(), 'node/kwok-node-1');
  });

  it('sandbox down removes it all', async () => {
    const down = await runCli(['sandbox', 'down'], { env });
    assert.equal(down.code, 0, down.stderr);
    assert.ok(!existsSync(dir));
  });
});
