/**
 * Exec credential plugins through the built CLI. The plugin runs before anything connects, so these need no
 * cluster: the server is a port nobody listens on, which a run that got past the plugin would report (exit 4).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { ExitCode } from '../../../src/core/errors.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { assertOneLineError, closedPort } from './helpers.ts';

const dir = tempDir('kube-lessons-exec-plugin-');
const SECRET = 'plugin-env-secret-value-0123456789';
let server = '';

/** A kubeconfig whose only user signs in with `exec` (an env value that must never be printed included). */
function kubeconfigWithExec(name: string, exec: Record<string, unknown>): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [
        {
          name: 'u',
          user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', env: [{ name: 'SECRET', value: SECRET }], ...exec } },
        },
      ],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }),
  );
  return file;
}

const run = (kubeconfig: string) => runCli(['--kubeconfig', kubeconfig, 'list-nodes'], { env: { KUBE_LESSONS_NO_AUTO_SANDBOX: '1', HOME: dir } });

describe('exec credential plugins, through the CLI', () => {
  before(async () => {
    server = `https://127.0.0.1:${await closedPort()}`;
  });

  it('an exec plugin that is not installed exits 3 in one line naming the command, with the kubeconfig installHint as the hint', async () => {
    const command = join(dir, 'no-such-plugin');
    const kubeconfig = kubeconfigWithExec('missing', { command, installHint: 'no-such-plugin signs you in.\n\nOn macOS: brew install no-such-plugin\n' });
    const r = await run(kubeconfig);
    assertOneLineError(
      r,
      ExitCode.config,
      new RegExp(
        `^error: exec plugin "${command}" is not installed \\(not found\\) \\(hint: no-such-plugin signs you in\\. On macOS: brew install no-such-plugin\\)$`,
      ),
    );
    assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET), 'the env value is not printed');
  });

  it('an exec plugin that is not executable exits 3, and one without an installHint hints at the command field', async () => {
    const command = join(dir, 'not-executable');
    writeFileSync(command, '#!/bin/sh\n', { mode: 0o644 });
    const r = await run(kubeconfigWithExec('not-executable', { command }));
    assertOneLineError(
      r,
      ExitCode.config,
      /^error: exec plugin ".*not-executable" cannot be run \(permission denied: not an executable file\) \(hint: make it executable \(chmod \+x\), or fix users\[\]\.user\.exec\.command in the kubeconfig\)$/,
    );
  });

  it('an exec plugin that runs but fails keeps the unauthorized code (6), naming its exit code', async () => {
    const command = join(dir, 'failing-plugin');
    writeFileSync(command, '#!/bin/sh\nexit 2\n', { mode: 0o755 });
    const r = await run(kubeconfigWithExec('failing', { command }));
    assertOneLineError(r, ExitCode.unauthorized, /^error: exec plugin ".*failing-plugin" failed with exit code 2 \(hint: run it by hand/);
  });
});
