/**
 * The warm checker's server, in this process on a real Unix socket and a fake clock: it answers with the
 * in-process Checker's very result, stops after the idle time (not before, and not while a request keeps
 * it busy), stops on a request from another build, keeps its socket to the user, takes over a stale
 * socket and leaves a live one alone.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { FakeClock } from '../../../src/machinery/clock.ts';
import { onMessages, send, type CheckerReply } from '../../../src/exercises/checker-protocol.ts';
import { startCheckerServer, type CheckerServerOptions, type RunningCheckerServer } from '../../../src/exercises/checker-server.ts';
import { GLOBALS_FILE } from '../../../src/exercises/typecheck.ts';
import { Checker } from '../../../src/exercises/typecheck.ts';
import { fixtureCatalog, fixtureWorkspace, writeExercise } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const catalog = fixtureCatalog();
const ws = fixtureWorkspace(catalog);
const file = join(ws.dir, catalog.exercises[0]!.file);
const globalsFile = join(ws.dir, GLOBALS_FILE);
const dir = tempDir('kl-checker-');
const checker = new Checker();
const IDLE = 60_000;
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function start(o: Partial<CheckerServerOptions> = {}): Promise<{ server: RunningCheckerServer; clock: FakeClock; socketPath: string }> {
  const clock = new FakeClock();
  const socketPath = o.socketPath ?? join(dir, `s${n++}`, 'c.sock');
  const server = await startCheckerServer({ socketPath, build: 'b1', checker, clock, idleMs: IDLE, ...o });
  assert.notEqual(server, 'already-running');
  return { server: server as RunningCheckerServer, clock, socketPath };
}

/** Sends one check request and collects the replies until the server ends the connection or sends a result. */
function request(socketPath: string, build = 'b1'): Promise<CheckerReply[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const got: CheckerReply[] = [];
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    onMessages<CheckerReply>(socket, (m) => {
      got.push(m);
      if (m.type !== 'accepted') socket.end();
    });
    send(socket, { type: 'check', build, file, globalsFile });
  });
}

test('a check is acknowledged, then answered with what the in-process checker finds', async () => {
  writeExercise(ws, catalog.exercises[0]!, 'export function double(n: number): number {\n  return "no";\n}\n');
  const { server, socketPath } = await start();
  const replies = await request(socketPath);
  assert.deepEqual(
    replies.map((r) => r.type),
    ['accepted', 'result'],
  );
  assert.equal((replies[0] as { pid: number }).pid, process.pid);
  const direct = await new Checker().check(file, globalsFile);
  const result = (replies[1] as Extract<CheckerReply, { type: 'result' }>).result;
  assert.deepEqual(result.diagnostics, direct.diagnostics);
  assert.equal(result.diagnostics[0]?.line, 2);
  server.stop('idle');
  assert.equal(await server.stopped, 'idle');
});

test('the socket and its folder are the user’s alone', async () => {
  const { server, socketPath } = await start();
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
  assert.equal(statSync(join(socketPath, '..')).mode & 0o777, 0o700);
  server.stop('idle');
});

test('stops after the idle time and removes its socket; not a moment before', async () => {
  const { server, clock, socketPath } = await start();
  let stopped: string | undefined;
  void server.stopped.then((r) => (stopped = r));
  await clock.advance(IDLE - 1);
  assert.equal(stopped, undefined);
  assert.ok(existsSync(socketPath));
  await clock.advance(1);
  assert.equal(stopped, 'idle');
  assert.equal(existsSync(socketPath), false);
});

test('a request starts the idle time over', async () => {
  const { server, clock, socketPath } = await start();
  let stopped: string | undefined;
  void server.stopped.then((r) => (stopped = r));
  await clock.advance(IDLE - 1);
  await request(socketPath);
  await clock.advance(IDLE - 1);
  assert.equal(stopped, undefined, 'the request at IDLE-1 kept it up');
  await clock.advance(1);
  assert.equal(stopped, 'idle');
});

test('a request from another build is answered mismatch, and the server stops and lets go of the socket', async () => {
  const { server, socketPath } = await start({ build: 'old' });
  const replies = await request(socketPath, 'new');
  assert.deepEqual(replies, [{ type: 'mismatch', build: 'old' }]);
  assert.equal(await server.stopped, 'mismatch');
  assert.equal(existsSync(socketPath), false);
});

test('a second server on a live socket steps aside; one on a stale socket (its checker killed) takes it over', async () => {
  const { server, socketPath } = await start();
  assert.equal(await startCheckerServer({ socketPath, build: 'b1', checker, clock: new FakeClock(), idleMs: IDLE }), 'already-running');
  server.stop('idle');

  const stalePath = join(dir, 'stale.sock');
  // A process that listens and is killed leaves its socket file behind.
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stalePath)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    child.on('exit', () => resolve());
  });
  assert.ok(existsSync(stalePath));
  const taken = await start({ socketPath: stalePath });
  assert.deepEqual(
    (await request(stalePath)).map((r) => r.type),
    ['accepted', 'result'],
  );
  taken.server.stop('idle');
});
