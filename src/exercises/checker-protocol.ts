/**
 * What verify and the warm checker process say to each other over the checker's Unix socket: one JSON
 * message per line. Also where that socket lives and which build a checker runs, the two things both
 * sides must agree on before a check is trusted.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { userCacheDir } from '../core/cache-dir.ts';
import type { TypecheckResult } from './typecheck.ts';
import { PACKAGE_ROOT, packageVersion } from './workspace.ts';

export type CheckerRequest = { type: 'check'; build: string; file: string; globalsFile: string };

export type CheckerReply =
  /** Sent on receipt, before the check: the checker is alive and will answer. */
  | { type: 'accepted'; pid: number }
  | { type: 'result'; result: TypecheckResult }
  /** The checker runs another build: it exits, and the caller starts one of its own. */
  | { type: 'mismatch'; build: string }
  | { type: 'error'; message: string };

/** Told over IPC by a checker just started to the verify that started it. */
export type CheckerStarted = { type: 'listening' } | { type: 'already-running' };

/** The compiled files the checker process runs: a change to any of them is a new build. */
export const CHECKER_FILES = ['checker-daemon.js', 'checker-server.js', 'checker-protocol.js', 'typecheck.js'].map((f) =>
  join(PACKAGE_ROOT, 'dist', 'exercises', f),
);

/** Longest Unix socket path Linux and macOS accept (sun_path, less the final NUL). */
const MAX_SOCKET_PATH = 103;

/**
 * This package's checker socket: one per user and installed package, in the user's cache folder (a folder
 * only the user can enter). Undefined when the path is too long for a socket.
 */
export function checkerSocketPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const id = createHash('sha256').update(PACKAGE_ROOT).digest('hex').slice(0, 16);
  const path = join(checkerDir(env), `${id}.sock`);
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : undefined;
}

function checkerDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheDir(env), 'checker');
}

/** The package version, the compiler's version and the checker's files' change times: equal only for the same build. */
export function checkerBuild(): string {
  const tsVersion = (createRequire(join(PACKAGE_ROOT, 'package.json'))('typescript/package.json') as { version: string }).version;
  const stamps = CHECKER_FILES.map((f) => statSync(f).mtimeMs);
  return `${packageVersion()}+ts${tsVersion}+${createHash('sha256').update(stamps.join(',')).digest('hex').slice(0, 12)}`;
}

export function send(socket: Socket, m: CheckerRequest | CheckerReply): void {
  socket.write(JSON.stringify(m) + '\n');
}

/** Calls `on` with each message the socket receives; a line that is not JSON ends the connection. */
export function onMessages<T>(socket: Socket, on: (m: T) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let m: T;
      try {
        m = JSON.parse(line) as T;
      } catch {
        socket.destroy();
        return;
      }
      on(m);
    }
  });
}
