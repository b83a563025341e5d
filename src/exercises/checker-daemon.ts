/**
 * The warm checker process (dist/exercises/checker-daemon.js), started detached by the first verify:
 * `node checker-daemon.js <socket>`. It loads the compiler at once, serves checks (checker-server.ts),
 * tells its starter over IPC when it listens, and exits when the server stops (idle, or another build
 * asked). It never writes to a terminal: its starter has gone on without it.
 */
import { realClock } from '../machinery/clock.ts';
import { checkerBuild, type CheckerStarted } from './checker-protocol.ts';
import { startCheckerServer } from './checker-server.ts';
import { Checker } from './typecheck.ts';

const tell = (m: CheckerStarted) => new Promise<void>((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));

async function main(socketPath: string): Promise<void> {
  const checker = new Checker();
  void checker.preload();
  const server = await startCheckerServer({ socketPath, build: checkerBuild(), checker, clock: realClock });
  if (server === 'already-running') {
    await tell({ type: 'already-running' });
    process.exit(0);
  }
  await tell({ type: 'listening' });
  process.disconnect?.();
  await server.stopped;
  process.exit(0);
}

// The real clock's timers are unref'd; the listening socket is what keeps this process alive.
main(process.argv[2]!).catch(() => process.exit(1));
