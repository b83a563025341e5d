import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { connectionsTo, processUsage } from '../../../bench/lib/proc.ts';

describe('reading a process from /proc', () => {
  it('counts the established connections a process holds to one port, and only those', async () => {
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    try {
      assert.equal(connectionsTo(process.pid, port), 0);
      const clients = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
      await Promise.all(clients.map((c) => once(c, 'connect')));
      // The server's accepted ends are ours too, but their remote port is the client's, not `port`.
      assert.equal(connectionsTo(process.pid, port), 2);
      clients[0]!.destroy();
      await once(clients[0]!, 'close');
      assert.equal(connectionsTo(process.pid, port), 1);
      clients[1]!.destroy();
    } finally {
      for (const s of accepted) s.destroy();
      server.close();
    }
  });

  it('reads peak RSS and CPU time of a live process', () => {
    const u = processUsage(process.pid);
    assert.ok(u.peakRssBytes >= process.memoryUsage().rss * 0.5);
    assert.ok(u.cpuSeconds > 0);
  });
});
