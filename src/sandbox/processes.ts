/** Starting, probing and stopping the sandbox's processes. Only pids we started (and that still run our binary) are signalled. */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff } from '../machinery/cache/backoff.ts';
import { processAlive } from './build.ts';
import type { ComponentState } from './state.ts';

/**
 * The range the kernel takes local ports from for outgoing connections (Linux's ip_local_port_range; IANA's
 * dynamic range elsewhere). A listening port picked inside it can be taken by any process's next connect()
 * between our pick and the component's bind, or while a component is restarted on the same port.
 */
export function ephemeralPortRange(read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): [number, number] {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (low && high && low <= high) return [low, high];
  } catch {
    // no /proc: the IANA range below
  }
  return [49152, 65535];
}

/** Where the sandbox's listening ports come from: below the ephemeral range, above the well-known ports. */
export function listeningPortRange(ephemeral = ephemeralPortRange()): [number, number] | undefined {
  const low = 20_000;
  const high = ephemeral[0] - 1;
  return high - low >= 1000 ? [low, high] : undefined;
}

/**
 * A port on 127.0.0.1 that nothing listens on now, outside the ephemeral range so no outgoing connection
 * takes it. Another sandbox picking at the same moment can still collide: sandboxUp retries a component whose
 * bind failed (see startComponent). When the ephemeral range leaves no room, the kernel picks.
 */
export async function freePort(range = listeningPortRange()): Promise<number> {
  if (range) {
    for (let tries = 0; tries < 50; tries++) {
      const port = range[0] + Math.floor(Math.random() * (range[1] - range[0] + 1));
      if (await canListen(port)) return port;
    }
  }
  return listenOnce(0);
}

export async function canListen(port: number): Promise<boolean> {
  return listenOnce(port).then(
    () => true,
    () => false,
  );
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const bound = (srv.address() as { port: number }).port;
      srv.close(() => resolve(bound));
    });
  });
}

/** True when the log grew, since `offset`, by a line saying the component could not bind its port. */
export function failedToBind(log: string, offset: number): boolean {
  try {
    return /address already in use/i.test(readFileSync(log).subarray(offset).toString());
  } catch {
    return false;
  }
}

/** The log's size now: what it says from here on is this start's. */
export function logSize(log: string): number {
  try {
    return statSync(log).size;
  } catch {
    return 0;
  }
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

/**
 * The pauses between checks of a start-up step: 20 ms, then half as long again each time, up to 250 ms (the
 * reflector's backoff, without jitter or reset, rounded to whole ms). Steps take from tens of milliseconds
 * (etcd) to seconds (the API server), and a check on loopback costs little.
 */
export function pollIntervals(first = 20, max = 250): { next(): number } {
  const backoff = new ExponentialBackoff({ initialMs: first, factor: 1.5, jitter: 0, capMs: max, resetAfterMs: Infinity });
  return { next: () => Math.round(backoff.next()) };
}
