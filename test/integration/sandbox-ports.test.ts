// A port taken between the sandbox's pick and a component's bind (another sandbox starting, any process's
// outgoing connection) must not fail `sandbox up`, nor a restart on the same port: the component is
// started again. Here the taker is this test, holding the port with a listening socket.
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../src/sandbox/processes.ts';
import { restartComponent, sandboxDown, sandboxStatus, sandboxUp } from '../../src/sandbox/sandbox.ts';
import { readState } from '../../src/sandbox/state.ts';
import { waitUntil } from '../helpers/cluster.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('kube-lessons-ports-');
after(() => sandboxDown(dir));

async function hold(port: number): Promise<Server> {
  const server = createServer().listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('sandbox ports taken by someone else', () => {
  it('up starts etcd and the API server again on other ports when theirs were taken after the pick', async () => {
    const held: Server[] = [];
    const taken: number[] = [];
    // The first pick of etcd (its client port) and the first of the API server are grabbed at once: etcd picks
    // two ports a start, so the API server's first is the fifth.
    let picks = 0;
    const pickPort = async () => {
      const port = await freePort();
      if (++picks === 1 || picks === 5) {
        held.push(await hold(port));
        taken.push(port);
      }
      return port;
    };
    const lines: string[] = [];
    const t0 = Date.now();
    try {
      const state = await sandboxUp({ dir, nodes: 1, pickPort, log: (l) => (lines.push(l), console.error(Date.now() - t0, l)) });
      assert.deepEqual(
        lines.filter((l) => /could not bind/.test(l)),
        ['etcd could not bind its port; starting it again on another', 'kube-apiserver could not bind its port; starting it again on another'],
      );
      for (const c of Object.values(state.components)) assert.ok(!taken.includes(c.port), `${c.port} is not one of the taken ${taken.join(', ')}`);
      assert.ok((await sandboxStatus(dir)).every((c) => c.healthy));
    } finally {
      for (const s of held) s.close();
    }
  });

  it('a restart keeps the port: taken while the component is down, it waits for it and starts again', async () => {
    const api = readState(dir)!.components['kube-apiserver']!;
    let holder: Server | undefined;
    const restarted = restartComponent(dir, 'kube-apiserver', { beforeStart: async () => void (holder = await hold(api.port)) });
    const logged = readFileSync(api.log, 'utf8').length;
    await waitUntil('the API server to fail to bind its port', () => /address already in use/.test(readFileSync(api.log, 'utf8').slice(logged)), 60_000, 100);
    holder!.close();
    await restarted;
    assert.equal(readState(dir)!.components['kube-apiserver']!.port, api.port);
    assert.ok((await sandboxStatus(dir)).every((c) => c.healthy));
  });
});
