// The sandbox on a shared machine: etcd (every Secret) answers only clients holding a certificate of the
// sandbox CA, no component listens anywhere but 127.0.0.1, the state folder is the owner's alone, and the
// "nobody" user is in no group it was not given.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { etcdPost, sandboxState, testClient } from '../helpers/cluster.ts';

/** Every TCP port the sandbox's processes listen on, with the address each is bound to (from /proc). */
function listeningSockets(pids: number[]): { pid: number; address: string; port: number }[] {
  const inodes = new Map<string, number>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.set(m[1]!, pid);
    }
  }
  const found: { pid: number; address: string; port: number }[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const [addr, port] = f[1]!.split(':');
      if (f[3] !== '0A' || !inodes.has(f[9]!)) continue; // 0A: LISTEN
      found.push({ pid: inodes.get(f[9]!)!, address: decodeAddress(addr!), port: parseInt(port!, 16) });
    }
  }
  return found;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  return hex === '0'.repeat(32) ? '::' : hex === '00000000000000000000000001000000' ? '::1' : `ipv6:${hex}`;
}

function safeReadlink(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}

/** Resolves with how a TCP connection to host:port ended: 'connected' or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 3000 });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('timeout', () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('sandbox security', () => {
  const state = sandboxState();

  it('etcd refuses a client without a certificate, and plain HTTP', async () => {
    const noCert = new Agent({ connect: { ca: readFileSync(state.etcdClient.ca) } });
    try {
      await assert.rejects(
        fetch(`${state.etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'Lw==' }), dispatcher: noCert }),
        (err: Error & { cause?: { code?: string; message?: string } }) => /certificate|ECONNRESET|alert/i.test(`${err.cause?.code} ${err.cause?.message}`),
      );
    } finally {
      await noCert.close();
    }
    await assert.rejects(fetch(`${state.etcdUrl.replace('https:', 'http:')}/v3/kv/range`, { method: 'POST', body: '{}' }));
    // The same request with the sandbox's client certificate is answered: the refusal above is about the certificate.
    const ok = await etcdPost(state, '/v3/kv/range', { key: 'Lw==', count_only: true });
    assert.equal(ok.status, 200);
  });

  it('no sandbox port answers on an address other than 127.0.0.1', async () => {
    const pids = Object.values(state.components).map((c) => c.pid);
    const sockets = listeningSockets(pids);
    const statePorts = Object.values(state.components).map((c) => c.port);
    for (const p of statePorts)
      assert.ok(
        sockets.some((s) => s.port === p),
        `port ${p} of the state is among the listening sockets found`,
      );
    assert.deepEqual(
      sockets.filter((s) => s.address !== '127.0.0.1'),
      [],
      'every listening socket is bound to 127.0.0.1',
    );
    // And from the outside: every other address of this machine (127.0.0.2 is loopback but not 127.0.0.1).
    const others = [
      '127.0.0.2',
      ...Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && a.family === 'IPv4' && a.address !== '127.0.0.1')
        .map((a) => a!.address),
    ];
    for (const host of others) {
      for (const { port } of sockets) assert.equal(await tryConnect(host, port), 'ECONNREFUSED', `${host}:${port}`);
    }
  });

  it("the state folder is the owner's alone and private keys are 0600", () => {
    assert.equal(statSync(state.dir).mode & 0o777, 0o700);
    for (const f of ['tokens.csv', 'sa.key', 'kubeconfig', join('certs', 'etcd.key'), join('certs', 'etcd-client.key'), join('certs', 'apiserver.key')]) {
      assert.equal(statSync(join(state.dir, f)).mode & 0o077, 0, `${f} is readable by the owner only`);
    }
  });

  it('the nobody user is in no group it was not given (no empty group)', async () => {
    const client = await testClient('kube-lessons-sandbox-nobody');
    const review = await client.request<{ status: { userInfo: { username: string; groups?: string[] } } }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    assert.equal(review.body.status.userInfo.username, 'kube-lessons-nobody');
    assert.deepEqual(review.body.status.userInfo.groups, ['system:authenticated']);
  });
});
