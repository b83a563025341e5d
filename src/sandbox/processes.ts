/** Starting, probing and stopping the sandbox's processes. Only pids we started (and that still run our binary) are signalled. */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from './build.ts';
import type { ComponentState } from './state.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a long-lived process detached from us, output to its log file. */
export function startProcess(binary: string, args: string[], log: string, cwd: string): number {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(binary, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${binary}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** True when `pid` is alive and is still running `binary` (not a reused pid). */
export function isOurProcess(c: Pick<ComponentState, 'pid' | 'binary'>): boolean {
  if (!c.pid || !processAlive(c.pid)) return false;
  try {
    return readlinkSync(`/proc/${c.pid}/exe`).replace(/ \(deleted\)$/, '') === c.binary;
  } catch {
    // No /proc (macOS): fall back to liveness.
    return true;
  }
}

export async function stopProcess(c: Pick<ComponentState, 'pid' | 'binary'>, graceMs = 10_000): Promise<void> {
  if (!isOurProcess(c)) return;
  try {
    process.kill(c.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!processAlive(c.pid) || isZombie(c.pid)) return;
    await sleep(100);
  }
  try {
    process.kill(c.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function isZombie(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
