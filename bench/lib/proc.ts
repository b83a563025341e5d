/**
 * What a benchmark reads about a process from Linux itself, the same way for a Node and a Go program:
 * wall time of a whole run, peak resident memory (VmHWM), CPU time (utime + stime) and how many TCP
 * connections it holds open to a given port at once.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * The environment a benchmarked command runs in, ours or its peer: this process's without colour (FORCE_COLOR
 * goes too: with NO_COLOR, Node warns about the pair on stderr), without the caller's KUBECONFIG (every command
 * is given the sandbox's), and never starting a sandbox of its own.
 */
export function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', KUBE_LESSONS_NO_AUTO_SANDBOX: '1' };
  delete env.KUBECONFIG;
  delete env.FORCE_COLOR;
  return env;
}

/** Runs a command to completion; its wall time in ms. Throws with its first error line when it fails. */
export function timeCommand(file: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(file, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return ms;
}

/** Runs a command that prints one JSON line last; returns it parsed. */
export function runJson<T>(file: string, args: string[], env: NodeJS.ProcessEnv): T {
  const r = spawnSync(file, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

export interface ProcessUsage {
  /** Peak resident set size in bytes (VmHWM). */
  peakRssBytes: number;
  /** User plus system CPU time in seconds. */
  cpuSeconds: number;
}

/** Reads peak RSS and CPU time of a live process (call before it exits). */
export function processUsage(pid: number): ProcessUsage {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
  // Fields after the command name (which may hold spaces) start at ")"; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssBytes: hwm, cpuSeconds: ticks / CLOCK_TICKS };
}

/** Established TCP connections from `pid` to `port` right now: its socket inodes matched against /proc/net/tcp{,6}. */
export function connectionsTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while we looked
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[2] remote address:port, f[3] state (01 = ESTABLISHED), f[9] inode
      if (f.length > 9 && f[3] === '01' && f[2]!.endsWith(`:${hexPort}`) && inodes.has(f[9]!)) n++;
    }
  }
  return n;
}

/** Samples connectionsTo every `everyMs` until stopped; keeps the maximum. */
export function sampleConnections(pid: number, port: number, everyMs = 100): { stop(): number } {
  let max = 0;
  const timer = setInterval(() => {
    max = Math.max(max, connectionsTo(pid, port));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      max = Math.max(max, connectionsTo(pid, port));
      return max;
    },
  };
}

/** Starts a long-running process; `stop` sends SIGTERM and resolves when it has exited (SIGKILL after 10 s). */
export function startProcess(
  file: string,
  args: string[],
  opts: SpawnOptions,
): { child: ChildProcess; exited: Promise<number | null>; stop(): Promise<number | null> } {
  const child = spawn(file, args, opts);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
