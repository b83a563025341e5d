import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority } from '../../../src/sandbox/certs.ts';

test('the CA certificate is a self-signed CA that OpenSSL parses', () => {
  const ca = createCertificateAuthority('kube-lessons-sandbox-ca');
  const x = new X509Certificate(ca.cert);
  assert.equal(x.ca, true);
  assert.equal(x.subject, 'CN=kube-lessons-sandbox-ca');
  assert.equal(x.issuer, x.subject);
  assert.ok(x.verify(x.publicKey), 'self-signed');
  assert.ok(new Date(x.validTo).getTime() > Date.now() + 9 * 365 * 86_400_000);
});

test('issued certificates are signed by the CA, match their key and carry the names and usages asked for', () => {
  const ca = createCertificateAuthority('test-ca');
  const caX = new X509Certificate(ca.cert);
  const server = ca.issue({ commonName: 'etcd', hosts: ['127.0.0.1', 'localhost'], usage: ['server', 'client'] });
  const x = new X509Certificate(server.cert);
  assert.equal(x.ca, false);
  assert.ok(x.verify(caX.publicKey));
  assert.ok(x.checkIssued(caX));
  assert.ok(x.checkPrivateKey(createPrivateKey(server.key)));
  assert.equal(x.subjectAltName, 'IP Address:127.0.0.1, DNS:localhost');
  assert.deepEqual([...(x.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.ok(x.checkIP('127.0.0.1'));
  assert.equal(x.checkIP('127.0.0.2'), undefined);
  // Every certificate gets its own serial and key.
  const other = new X509Certificate(ca.issue({ commonName: 'etcd', usage: ['client'] }).cert);
  assert.notEqual(other.serialNumber, x.serialNumber);
  assert.notEqual(other.publicKey.export({ type: 'spki', format: 'pem' }), x.publicKey.export({ type: 'spki', format: 'pem' }));
});

test('a server requiring client certificates accepts one from the CA and refuses a client without one', async () => {
  const ca = createCertificateAuthority('test-ca');
  const serving = ca.issue({ commonName: 'server', hosts: ['127.0.0.1'], usage: ['server'] });
  const client = ca.issue({ commonName: 'client', usage: ['client'] });
  const srv = createServer({ ...serving, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (s) =>
    s.end(`hello ${(s.getPeerCertificate().subject as { CN?: string }).CN}`),
  );
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as AddressInfo).port;
  const talk = async (opts: { cert?: string; key?: string }): Promise<string> => {
    const sock: TLSSocket = connect({ host: '127.0.0.1', port, ca: ca.cert, ...opts });
    let data = '';
    sock.on('data', (d) => (data += d));
    await once(sock, 'end');
    return data;
  };
  try {
    assert.equal(await talk(client), 'hello client');
    await assert.rejects(talk({}), /certificate|alert|ECONNRESET/i);
  } finally {
    srv.close();
  }
});
