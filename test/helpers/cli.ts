/** Runs the built CLI (bin/kube-lessons.js, as users run it) and captures what it prints. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/kube-lessons.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `onStdout` sees the whole stdout so far after each chunk, and `interruptWhen` sends SIGINT once it holds
 * for it: tests wait on a line instead of sleeping.
 */
export function runCli(
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    input?: string;
    timeoutMs?: number;
    signalAfterMs?: number;
    onStdout?: (stdout: string) => void;
    interruptWhen?: (stdout: string) => boolean;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      opts.onStdout?.(stdout);
      if (opts.interruptWhen?.(stdout) && !interrupted) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(opts.input ?? '');
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    const interrupter = opts.signalAfterMs ? setTimeout(() => child.kill('SIGINT'), opts.signalAfterMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      if (interrupter) clearTimeout(interrupter);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}
