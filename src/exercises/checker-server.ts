/**
 * The warm checker's server: keeps one type-checker (the compiler loaded, library files parsed) and
 * answers verify's check requests on a Unix socket, so a verify after the first skips both.
 * Guarantees:
 * - the socket is the user's alone (its folder mode 0700, itself 0600);
 * - every request is acknowledged on receipt, then answered with the very result the in-process check gives;
 * - a request from another build is answered `mismatch` and the server stops, so the caller starts its own;
 * - after `idleMs` without a request (none running) it stops by itself; time comes from the injected clock;
 * - it takes over a stale socket (a file nobody listens on) but never one a live checker answers on.
 */
import { chmodSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Clock, TimerHandle } from '../machinery/clock.ts';
import { onMessages, send, type CheckerRequest } from './checker-protocol.ts';
import type { TypeChecker } from './typecheck.ts';

/** Long enough to span a learner's edit-and-verify cycle, short enough not to linger after the session. */
const IDLE_EXIT_MS = 5 * 60_000;

export type StopReason = 'idle' | 'mismatch';

export interface CheckerServerOptions {
  socketPath: string;
  build: string;
  checker: TypeChecker;
  clock: Clock;
  idleMs?: number;
}

export interface RunningCheckerServer {
  /** Resolves once the server stopped listening, with why. */
  stopped: Promise<StopReason>;
  stop(reason: StopReason): void;
}

export async function startCheckerServer(o: CheckerServerOptions): Promise<RunningCheckerServer | 'already-running'> {
  mkdirSync(dirname(o.socketPath), { recursive: true, mode: 0o700 });
  const server = createServer();
  if (!(await listenOrTakeOver(server, o.socketPath))) return 'already-running';
  chmodSync(o.socketPath, 0o600);
  const ours = statSync(o.socketPath).ino;
  const connections = new Set<Socket>();
  let busy = 0;
  let idle: TimerHandle | undefined;
  let resolveStopped!: (r: StopReason) => void;
  const stopped = new Promise<StopReason>((resolve) => (resolveStopped = resolve));
  let stopping = false;
  const armIdle = () => {
    idle?.cancel();
    idle = busy === 0 ? o.clock.setTimer(() => stop('idle'), o.idleMs ?? IDLE_EXIT_MS) : undefined;
  };
  const stop = (reason: StopReason) => {
    if (stopping) return;
    stopping = true;
    idle?.cancel();
    // Node unlinks the socket path on close: leave a path some newer checker took over alone.
    if (socketIno(o.socketPath) === ours) server.close();
    else server.unref();
    for (const c of connections) c.end();
    resolveStopped(reason);
  };
  server.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    onMessages<CheckerRequest>(socket, (req) => {
      if (stopping || req.type !== 'check') return void socket.end();
      if (req.build !== o.build) {
        send(socket, { type: 'mismatch', build: o.build });
        return stop('mismatch');
      }
      send(socket, { type: 'accepted', pid: process.pid });
      busy++;
      idle?.cancel();
      o.checker
        .check(req.file, req.globalsFile)
        .then(
          (result) => send(socket, { type: 'result', result }),
          (err: unknown) => send(socket, { type: 'error', message: err instanceof Error ? err.message : String(err) }),
        )
        .finally(() => {
          busy--;
          if (!stopping) armIdle();
        });
    });
  });
  armIdle();
  return { stopped, stop };
}

/** Listens on `path`; a socket file left by a checker that died is removed first. False: a live checker has it. */
async function listenOrTakeOver(server: Server, path: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(path, () => {
        server.off('error', resolve);
        resolve(undefined);
      });
    });
    if (!err) return true;
    if (err.code !== 'EADDRINUSE' || attempt > 0) throw err;
    if (await answers(path)) return false;
    unlinkSync(path);
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function socketIno(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}
