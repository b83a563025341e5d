/**
 * verify's side of the warm checker (after eslint_d and the Gradle daemon): the type-check goes to a
 * checker process that stays up between runs with the compiler loaded and the library files parsed; the
 * first verify starts it, detached. Guarantees:
 * - the result is the one the in-process Checker gives (the checker runs that very code on the same files);
 * - anything wrong on the way (no socket, a socket not the user's, a refused connection, a checker that does
 *   not acknowledge within ACK_MS or answer within RESULT_MS, one that will not start) falls back to the
 *   in-process check, so verify is never hung by it and its output never changes; `route` says which it was;
 * - a checker of another build (an upgrade, a rebuild) is told so, exits, and a new one is started;
 * - once `signal` aborts (the verify is over: its cluster was unreachable) no checker is started, and one
 *   being started is killed: a failed verify leaves no background process behind.
 * KUBE_LESSONS_NO_DAEMON (or verify --no-daemon) keeps everything in-process.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { childEnv } from './child-env.ts';
import { checkerBuild, checkerSocketPath, onMessages, send, type CheckerReply, type CheckerStarted } from './checker-protocol.ts';
import { Checker, type TypecheckResult, type TypeChecker } from './typecheck.ts';

/** Always the compiled entry, as for the harness: the checker runs the same build from src/ or dist/. */
const DAEMON = fileURLToPath(new URL('../../dist/exercises/checker-daemon.js', import.meta.url));

const CONNECT_MS = 1_000;
/** A running checker acknowledges at once; a frozen one never does. */
const ACK_MS = 5_000;
const RESULT_MS = 30_000;
/** Node's start, our modules and the compiler's evaluation, on a busy machine. */
const START_MS = 10_000;

export interface CheckerRoute {
  via: 'warm-checker' | 'in-process';
  /** The warm checker's process. */
  pid?: number;
  /** This verify started it. */
  started?: boolean;
  /** Why the check ran in-process. */
  reason?: string;
}

/** False when KUBE_LESSONS_NO_DAEMON is set (to anything but 0 or empty). */
export function warmCheckerWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.KUBE_LESSONS_NO_DAEMON;
  return v === undefined || v === '' || v === '0';
}

export class WarmChecker implements TypeChecker {
  /** How the last check ran (for --debug). */
  route: CheckerRoute | undefined;
  private local: Checker | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.env = env;
  }

  async check(file: string, globalsFile: string, signal?: AbortSignal): Promise<TypecheckResult> {
    try {
      const { result, route } = await this.viaChecker(file, globalsFile, signal);
      this.route = route;
      return result;
    } catch (err) {
      // Nobody waits for this check any more: not worth a compiler load.
      if (signal?.aborted) throw signal.reason;
      this.route = { via: 'in-process', reason: err instanceof Error ? err.message : String(err) };
      return (this.local ??= new Checker()).check(file, globalsFile);
    }
  }

  private async viaChecker(file: string, globalsFile: string, signal: AbortSignal | undefined): Promise<{ result: TypecheckResult; route: CheckerRoute }> {
    const path = checkerSocketPath(this.env);
    if (!path) throw new Error('the checker socket path would be too long');
    const build = checkerBuild();
    let started = false;
    for (;;) {
      let socket: Socket;
      try {
        socket = await connectTo(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (started || (code !== 'ENOENT' && code !== 'ECONNREFUSED')) throw err;
        await startChecker(path, this.env, signal);
        started = true;
        continue;
      }
      // A checker just started may still be evaluating the compiler: it gets the start-up time to acknowledge.
      const reply = await ask(socket, file, globalsFile, build, started ? START_MS : ACK_MS);
      if (reply.type === 'mismatch') {
        if (started) throw new Error(`the checker started runs build ${reply.build}, not ${build}`);
        await startChecker(path, this.env, signal);
        started = true;
        continue;
      }
      return { result: reply.result, route: { via: 'warm-checker', pid: reply.pid, started } };
    }
  }
}

/** Connects to the user's own socket only. */
function connectTo(path: string): Promise<Socket> {
  const st = statSync(path);
  if (process.getuid && st.uid !== process.getuid()) throw new Error(`${path} belongs to another user`);
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to the checker within ${CONNECT_MS} ms`));
    }, CONNECT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

type Answer = { type: 'result'; result: TypecheckResult; pid: number } | { type: 'mismatch'; build: string };

/** Sends one check and waits for its answer; the socket is closed after. */
function ask(socket: Socket, file: string, globalsFile: string, build: string, ackMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let pid = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      socket.end();
    };
    let timer = setTimeout(() => settle(() => reject(new Error(`the checker did not acknowledge within ${ackMs} ms`))), ackMs);
    socket.on('error', (err) => settle(() => reject(err)));
    socket.on('close', () => settle(() => reject(new Error('the checker closed the connection without an answer'))));
    onMessages<CheckerReply>(socket, (m) => {
      if (m.type === 'accepted') {
        pid = m.pid;
        clearTimeout(timer);
        timer = setTimeout(() => settle(() => reject(new Error(`the checker did not answer within ${RESULT_MS} ms`))), RESULT_MS);
      } else if (m.type === 'result') settle(() => resolve({ type: 'result', result: m.result, pid }));
      else if (m.type === 'mismatch') {
        // Wait (briefly) for the old checker to let go of the socket, so the new one can take it.
        settle(() => {
          const letGo = setTimeout(() => resolve(m), CONNECT_MS);
          socket.once('close', () => {
            clearTimeout(letGo);
            resolve(m);
          });
        });
      } else settle(() => reject(new Error(`the checker failed: ${m.message}`)));
    });
    send(socket, { type: 'check', build, file, globalsFile });
  });
}

/** Starts a checker detached from this process and waits until it listens (or another one already does). */
function startChecker(path: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const child = spawn(process.execPath, [DAEMON, path], { detached: true, cwd: '/', stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: childEnv(env) });
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      child.removeAllListeners();
      child.on('error', () => undefined);
      if (child.connected) child.disconnect();
      child.unref();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(new Error(`the checker did not start within ${START_MS} ms`));
    }, START_MS);
    const onAbort = () => {
      child.kill('SIGKILL');
      done(new Error('the verify that wanted the checker is over'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: CheckerStarted) => done(m.type === 'listening' || m.type === 'already-running' ? undefined : new Error('unexpected message')));
    child.on('error', (err) => done(err));
    child.on('exit', (code) => done(new Error(`the checker exited at start (code ${code})`)));
  });
}
