/** Shared by the CLI tests: the sandbox's kubeconfig and token, a closed port, and the one-line error shape. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { runCli, type CliResult } from '../../helpers/cli.ts';
import { sandboxState } from '../../helpers/cluster.ts';

export function kubeconfigPath(): string {
  return sandboxState().kubeconfig;
}

interface RawKubeconfig {
  users: { name: string; user: { token?: string } }[];
  clusters: { name: string; cluster: { server: string } }[];
}

export function rawKubeconfig(): RawKubeconfig {
  return parseYaml(readFileSync(kubeconfigPath(), 'utf8')) as RawKubeconfig;
}

/** Every token in the sandbox kubeconfig: none may ever be printed. */
export function tokens(): string[] {
  return rawKubeconfig()
    .users.map((u) => u.user.token)
    .filter((t): t is string => Boolean(t));
}

/** Runs the built CLI against the sandbox (never auto-starting another one). */
export function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; signalAfterMs?: number } = {}): Promise<CliResult> {
  return runCli(['--kubeconfig', kubeconfigPath(), ...args], { ...opts, env: { KUBE_LESSONS_NO_AUTO_SANDBOX: '1', ...opts.env } });
}

/** A 127.0.0.1 port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The funnel's contract: exactly one line on stderr, starting "error:", and no stack trace. */
export function assertOneLineError(r: CliResult, exitCode: number, pattern: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(r.code, exitCode, `exit code (stderr: ${r.stderr})`);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |\bat .*\.js:\d+/, 'no stack trace');
}

export function assertNoSecrets(r: CliResult): void {
  for (const t of tokens()) {
    assert.ok(!r.stdout.includes(t), 'the token is not on stdout');
    assert.ok(!r.stderr.includes(t), 'the token is not on stderr');
  }
}
