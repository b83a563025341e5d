// What KubeClient does when it is made: its authenticator and transport are built (as client-go's NewForConfig
// builds them), its OpenSSL context waits for the first connection, nothing is connected, and a kubeconfig it
// cannot use is still reported by the first request, not by the constructor.
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import tls, { type TLSSocket } from 'node:tls';
import { KubeClient } from '../../../src/core/client.ts';
import { KubeconfigError } from '../../../src/core/errors.ts';
import { fixture, listen, serverTls } from './tls-servers.ts';

const ca = fixture('localhost.crt');
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('KubeClient construction', () => {
  for (const protocol of ['HTTP/1.1', 'HTTP/2'] as const)
    it(`connects nothing until the first request, which presents the client certificate from the kubeconfig (${protocol})`, async () => {
      let connections = 0;
      const server = http2.createSecureServer({ ...serverTls, allowHTTP1: true, requestCert: true, rejectUnauthorized: true, ca }, (req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ subject: (req.socket as TLSSocket).getPeerCertificate().subject?.CN, version: req.httpVersion }));
      });
      server.on('connection', () => connections++);
      const url = await listen(server);
      const config = {
        server: url.origin,
        cluster: { server: url.origin, 'certificate-authority-data': b64(ca) },
        user: { 'client-certificate-data': b64(ca), 'client-key-data': b64(fixture('localhost.key')) },
      } as never;
      // close() waits for a dial in progress, so a connection opened by the constructor would be counted here.
      await new KubeClient(config).close();
      assert.equal(connections, 0);
      const client = new KubeClient(config);
      if (protocol === 'HTTP/2') client.preferHttp2();
      const r = await client.request<{ subject: string; version: string }>({ path: '/api/v1/nodes' });
      assert.deepEqual(r.body, { subject: 'localhost', version: protocol === 'HTTP/2' ? '2.0' : '1.1' });
      assert.equal(connections, 1);
      await client.close();
    });

  it('makes its OpenSSL context at the first connection, one for both protocols', async () => {
    const server = http2.createSecureServer({ ...serverTls, allowHTTP1: true }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ version: req.httpVersion }));
    });
    const url = await listen(server);
    const cluster = { server: url.origin, 'certificate-authority-data': b64(ca) };
    const made = mock.method(tls, 'createSecureContext');
    try {
      const client = new KubeClient({ server: cluster.server, cluster, user: { token: 'tok' } } as never);
      assert.equal(made.mock.callCount(), 0);
      assert.deepEqual((await client.request({ path: '/api/v1/nodes' })).body, { version: '1.1' });
      assert.equal(made.mock.callCount(), 1);
      client.preferHttp2();
      assert.deepEqual((await client.request({ path: '/api/v1/nodes' })).body, { version: '2.0' });
      assert.equal(made.mock.callCount(), 1, 'the HTTP/2 connection presents the same context');
      await client.close();
    } finally {
      made.mock.restore();
    }
  });

  it('does not throw for a kubeconfig user it cannot use: the first request reports it', async () => {
    const cluster = { server: 'https://127.0.0.1:1', 'certificate-authority-data': b64(ca) };
    const client = new KubeClient({ server: cluster.server, cluster, user: { 'client-certificate-data': b64(ca) } } as never);
    await assert.rejects(client.request({ path: '/api/v1/nodes' }), (e: Error) => e instanceof KubeconfigError && /without its key/.test(e.message));
  });

  it('does not throw for a certificate authority that is not PEM: the first request fails to verify the server', async () => {
    const url = await listen(http2.createSecureServer(serverTls, (_req, res) => res.end('{}')));
    const cluster = { server: url.origin, 'certificate-authority-data': b64('not a certificate') };
    const client = new KubeClient({ server: cluster.server, cluster, user: { token: 't' } } as never);
    // The same server is trusted with its real certificate authority (the first test).
    await assert.rejects(client.request({ path: '/api/v1/nodes' }), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await client.close();
  });
});
