/** Runs the built CLI (bin/kube-lessons.js, as users run it) and captures what it prints. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/kube-lessons.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/** A CLI run in progress: wait for a line it prints, then act on the cluster while it keeps running. */
export interface RunningCli {
  /** Resolves with the first stdout line matching `pattern` (already printed or still to come); rejects if the run ends first. */
  line(pattern: RegExp): Promise<string>;
  /** The process id (a relaunch keeps it). */
  pid: number;
  /** Sends SIGINT, as Ctrl-C does. */
  interrupt(): void;
  done: Promise<CliResult>;
}

/**
 * This process's environment for a CLI under test, without colour. FORCE_COLOR goes (a CI machine may set it):
 * with NO_COLOR too, Node warns about the pair on stderr, which then holds more than the one line tests expect.
 */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, FORCE_COLOR: undefined, NO_COLOR: '1', ...extra };
}

export function startCli(args: string[], opts: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    // No warm checker unless a test asks for one (and stops it): a test leaves no process behind.
    env: cliEnv({ KUBE_LESSONS_NO_DAEMON: '1', ...opts.env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', (d) => {
    stdout += String(d);
    wake();
  });
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.stdin.end(opts.input ?? '');
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      ended = true;
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      wake();
    });
  });
  return {
    done,
    pid: child.pid!,
    interrupt: () => void child.kill('SIGINT'),
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = stdout.split('\n').find((l) => pattern.test(l));
          if (found !== undefined) resolve(found);
          else if (ended) reject(new Error(`the CLI ended without printing a line matching ${pattern}:\n${stdout}\n${stderr}`));
          else return;
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}
