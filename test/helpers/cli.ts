/** Runs the built CLI (bin/kube-lessons.js, as users run it) and captures what it prints. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/kube-lessons.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRun extends Promise<CliResult> {
  /** Resolves once stdout has a line matching `re` (rejects if the CLI ends without one). */
  output(re: RegExp): Promise<void>;
}

export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; signalAfterMs?: number; signalWhen?: (stdout: string) => boolean } = {},
): CliRun {
  const waiters: { re: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  let stdout = '';
  const check = (ended: boolean) => {
    for (const w of [...waiters]) {
      const lines = stdout.split('\n');
      if (lines.some((l) => w.re.test(l))) w.resolve();
      else if (ended) w.reject(new Error(`the CLI ended without a line matching ${String(w.re)}:\n${stdout}`));
      else continue;
      waiters.splice(waiters.indexOf(w), 1);
    }
  };
  const done = new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (opts.signalWhen && !signalled && opts.signalWhen(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
      check(false);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(opts.input ?? '');
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    const interrupter = opts.signalAfterMs ? setTimeout(() => child.kill('SIGINT'), opts.signalAfterMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      if (interrupter) clearTimeout(interrupter);
      check(true);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
  return Object.assign(done, {
    output: (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ re, resolve, reject });
        check(false);
      }),
  });
}
