// Native authentication against the sandbox's API server: each credential kind the client handles itself,
// the answers the server gives a wrong or powerless one, and credentials kept out of what traces see; each
// over HTTP/1.1 (a client sending one request at a time, as one-shot commands do) and over HTTP/2 (a client
// asked for it, as informers and controllers do), with the protocol checked.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient, type HttpTraceHooks } from '../../../src/core/client.ts';
import { describeError, ExitCode } from '../../../src/core/errors.ts';
import { loadKubeconfig, type ResolvedKubeconfig } from '../../../src/core/kubeconfig.ts';
import type { UserEntry } from '../../../src/core/auth.ts';
import { ApiStatusError } from '../../../src/machinery/errors.ts';
import { CERT_USER } from '../../../src/sandbox/sandbox.ts';
import { sandboxState } from '../../helpers/cluster.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const dir = tempDir('auth-it-');

async function admin(): Promise<ResolvedKubeconfig> {
  return loadKubeconfig({ kubeconfig: sandboxState().kubeconfig });
}

/** An exec plugin printing an ExecCredential with `token`; each run is logged. */
function execPlugin(name: string, token: string): { user: UserEntry; runs: () => number } {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const command = join(dir, name);
  writeFileSync(
    command,
    `#!${process.execPath}
require('node:fs').appendFileSync(${JSON.stringify(log)}, 'run\\n');
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(token)} } }));
`,
  );
  chmodSync(command, 0o700);
  return {
    user: { exec: { command, apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' } },
    runs: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length,
  };
}

const adminToken = async () => (await admin()).user.token!;

for (const protocol of ['HTTP/1.1', 'HTTP/2'] as const) {
  describe(`native authentication against the sandbox over ${protocol}`, () => {
    /** What each TLS connection this process opened agreed on (ALPN): the HTTP/2 transport asks for h2, the HTTP/1.1 one for nothing. */
    const negotiated: (string | false | null)[] = [];
    const counted = (message: unknown) => {
      const { socket } = message as { socket: TLSSocket };
      socket.once('secureConnect', () => negotiated.push(socket.alpnProtocol));
    };
    before(() => subscribe('net.client.socket', counted));
    after(() => {
      unsubscribe('net.client.socket', counted);
      // Every test sent requests: over HTTP/1.1 some went over connections without h2 (the HTTP/1.1 transport's), over HTTP/2 none did.
      const http1 = negotiated.filter((p) => p !== 'h2').length;
      if (protocol === 'HTTP/2') assert.equal(http1, 0);
      else assert.ok(http1 > 0);
    });
    /** A client for `config`, on this suite's protocol. */
    const make = (config: ResolvedKubeconfig, hooks?: HttpTraceHooks) => {
      const client = new KubeClient(config, hooks ? { hooks } : {});
      if (protocol === 'HTTP/2') client.preferHttp2();
      return client;
    };
    /** The sandbox's cluster with another user entry. */
    const as = async (user: UserEntry) => make({ ...(await admin()), user });

    it('authenticates with the kubeconfig bearer token', async () => {
      const client = make(await admin());
      const r = await client.request<{ metadata: { name: string } }>({ path: '/api/v1/namespaces/default' });
      assert.equal(r.body.metadata.name, 'default');
      await client.close();
    });

    it('authenticates with a token file', async () => {
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, `${await adminToken()}\n`, { mode: 0o600 });
      const client = await as({ tokenFile });
      assert.equal((await client.request<{ kind: string }>({ path: '/api/v1/namespaces/default' })).body.kind, 'Namespace');
      await client.close();
    });

    it('authenticates with the token an exec plugin prints, running it once for many requests', async () => {
      const plugin = execPlugin('good-plugin', await adminToken());
      const client = await as(plugin.user);
      await Promise.all(Array.from({ length: 5 }, () => client.request({ path: '/api/v1/namespaces/default' })));
      assert.equal(plugin.runs(), 1);
      await client.close();
    });

    it('runs the exec plugin again after the server answers 401', async () => {
      const plugin = execPlugin('stale-plugin', 'not-a-valid-token-123456');
      const client = await as(plugin.user);
      for (let i = 0; i < 2; i++) {
        await assert.rejects(client.request({ path: '/api/v1/namespaces/default' }), (e: ApiStatusError) => e.code === 401);
      }
      assert.equal(plugin.runs(), 2, 'each 401 drops the credential');
      await client.close();
    });

    it('signs in with a client certificate from files and from inline data, as the user the certificate names', async () => {
      const certs = join(sandboxState().dir, 'certs');
      const [cert, key] = [join(certs, `${CERT_USER}.crt`), join(certs, `${CERT_USER}.key`)];
      const inline = { 'client-certificate-data': readFileSync(cert).toString('base64'), 'client-key-data': readFileSync(key).toString('base64') };
      for (const user of [{ 'client-certificate': cert, 'client-key': key }, inline]) {
        const client = await as(user);
        // Any signed-in user may ask who the server takes it for; an anonymous one gets 401 or system:anonymous.
        const review = await client.request<{ status: { userInfo: { username: string; groups: string[] } } }>({
          method: 'POST',
          path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        });
        assert.equal(review.body.status.userInfo.username, CERT_USER);
        assert.ok(review.body.status.userInfo.groups.includes('system:authenticated'));
        const forbidden = await client.request({ path: '/api/v1/nodes' }).catch((e: unknown) => e);
        assert.ok(forbidden instanceof ApiStatusError && forbidden.code === 403, String(forbidden));
        assert.match(forbidden.message, new RegExp(`"${CERT_USER}"`));
        await client.close();
      }
    });

    it('gets 401 for an unknown token and 403 for the "nobody" user, each with its exit code', async () => {
      const stranger = await as({ token: 'unknown-token-abcdef' });
      const unauthorized = await stranger.request({ path: '/api/v1/nodes' }).catch((e: unknown) => e);
      assert.ok(unauthorized instanceof ApiStatusError && unauthorized.code === 401);
      assert.equal(describeError(unauthorized).exitCode, ExitCode.unauthorized);
      const nobody = make(await loadKubeconfig({ kubeconfig: sandboxState().kubeconfig, context: 'kube-lessons-sandbox-nobody' }));
      const forbidden = await nobody.request({ path: '/api/v1/nodes' }).catch((e: unknown) => e);
      assert.ok(forbidden instanceof ApiStatusError && forbidden.code === 403, String(forbidden));
      assert.equal(describeError(forbidden).exitCode, ExitCode.forbidden);
      await Promise.all([stranger.close(), nobody.close()]);
    });

    it('shows trace hooks the request with its credential redacted', async () => {
      const seen: string[] = [];
      const config = await admin();
      const client = make(config, { request: (r) => seen.push(JSON.stringify(r.headers)) });
      await client.request({ path: '/version' });
      assert.match(seen[0]!, /"authorization":"Bearer <redacted>"/);
      assert.ok(!seen[0]!.includes(config.user.token!));
      await client.close();
    });

    it('rejects a server certificate the kubeconfig does not trust, with the TLS exit code', async () => {
      const config = await admin();
      const client = make({ ...config, cluster: { server: config.server } });
      const err = await client.request({ path: '/version' }).catch((e: unknown) => e);
      assert.equal(describeError(err, { server: config.server }).exitCode, ExitCode.tls);
      await client.close();
    });
  });
}
