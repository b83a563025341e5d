// `npm run smoke` as a test: every lesson run non-interactively against the sandbox, as CI and a learner
// without a terminal get it. Lesson 8 installs and then uninstalls the Foo CRD, so this file holds the CRD
// alone while it runs (the controller test files wait for it, and it for them).
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.ts';
import { sandboxState } from '../helpers/cluster.ts';
import { takeFooCrdExclusively } from './controller/helpers.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('the smoke run (learn --yes)', () => {
  let release = () => {};
  before(async () => {
    release = await takeFooCrdExclusively();
  });
  after(async () => {
    // Leave the CRD installed for the controller tests that may come after.
    await runCli(['--kubeconfig', sandboxState().kubeconfig, 'controller', 'install']);
    release();
  });

  it('runs all eight lessons against the sandbox and exits 0', async () => {
    const config = tempDir('kube-lessons-smoke-');
    const r = await runCli(['--kubeconfig', sandboxState().kubeconfig, 'learn', '--yes'], { env: { XDG_CONFIG_HOME: config }, timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const summary = r.stdout.slice(r.stdout.lastIndexOf('Summary'));
    const rows = summary.split('\n').filter((l) => /^\d+\s/.test(l));
    assert.equal(rows.length, 8, summary);
    for (const row of rows) assert.match(row, /\sran$/, row);
    const token = /token: (\S+)/.exec(readFileSync(sandboxState().kubeconfig, 'utf8'))![1]!;
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'no credential in the output');
  });
});
