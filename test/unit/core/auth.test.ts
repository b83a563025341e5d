import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authenticator, credentialKind, needsClientNode, registerUserSecrets, tlsOptions, type ClusterEntry, type UserEntry } from '../../../src/core/auth.ts';
import { ExitCode, KubeconfigError, UserFacingError } from '../../../src/core/errors.ts';
import { redact } from '../../../src/core/redact.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { withFsError } from '../../helpers/fs-error.ts';

const dir = tempDir('auth-test-');
function file(name: string, text: string, mode = 0o600): string {
  const f = join(dir, name);
  writeFileSync(f, text, { mode });
  chmodSync(f, mode);
  return f;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkeymaterial\n-----END EC PRIVATE KEY-----\n';
const cluster: ClusterEntry = { server: 'https://127.0.0.1:6443' };

/** An exec plugin: a Node script that logs each run and its KUBERNETES_EXEC_INFO, then prints `output` (a JS expression). */
function plugin(name: string, output: string, exitCode = 0): { command: string; runs: () => Record<string, unknown>[] } {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const command = file(
    name,
    `#!${process.execPath}
const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ info: JSON.parse(process.env.KUBERNETES_EXEC_INFO), extra: process.env.EXTRA ?? null }) + '\\n');
process.stderr.write('');
process.stdout.write(JSON.stringify(${output}));
process.exit(${exitCode});
`,
    0o700,
  );
  return {
    command,
    runs: () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const v1 = 'client.authentication.k8s.io/v1';

describe('native authentication', () => {
  it('sends a bearer token and registers it with the redactor', async () => {
    const creds = await authenticator({ token: 'tok-abcdef-123' }, cluster).credentials();
    assert.deepEqual(creds.headers, { authorization: 'Bearer tok-abcdef-123' });
    assert.equal(creds.cert, undefined);
    assert.equal(redact('sent tok-abcdef-123'), 'sent <redacted>');
  });

  it('reads a token file, keeps it for a minute, then reads it again', async () => {
    let now = 1_000_000;
    const tokenFile = file('token', 'first-token-value\n');
    const auth = authenticator({ tokenFile }, cluster, { now: () => now });
    assert.equal((await auth.credentials()).headers.authorization, 'Bearer first-token-value');
    writeFileSync(tokenFile, 'second-token-value');
    now += 59_000;
    assert.equal((await auth.credentials()).headers.authorization, 'Bearer first-token-value');
    now += 1_000;
    assert.equal((await auth.credentials()).headers.authorization, 'Bearer second-token-value');
    assert.equal(redact('second-token-value'), '<redacted>');
  });

  it('keeps the last token while a token file is briefly missing, but fails when it never existed', async () => {
    let now = 0;
    const tokenFile = file('token-rotating', 'rotating-token-1');
    const auth = authenticator({ tokenFile }, cluster, { now: () => now });
    await auth.credentials();
    rmSync(tokenFile);
    now += 120_000;
    assert.equal((await auth.credentials()).headers.authorization, 'Bearer rotating-token-1');
    const missing = authenticator({ tokenFile: join(dir, 'no-such-token') }, cluster);
    await assert.rejects(missing.credentials(), (e: Error) => e instanceof KubeconfigError && /^token file .*no-such-token does not exist$/.test(e.message));
  });

  it('says a token, certificate or key file it may not read cannot be read (permission denied), with a permissions hint and exit 3', async () => {
    const tokenFile = file('token-locked', 'locked-token');
    await withFsError('readFileSync', tokenFile, 'EACCES', () =>
      assert.rejects(authenticator({ tokenFile }, cluster).credentials(), (e: KubeconfigError) => {
        assert.ok(e instanceof KubeconfigError);
        assert.equal(e.exitCode, ExitCode.config);
        assert.equal(e.message, `token file ${tokenFile} cannot be read (permission denied)`);
        assert.equal(e.hint, `check its permissions and owner, and those of the folders above it (\`ls -l ${tokenFile}\`)`);
        return true;
      }),
    );
    const key = file('locked.key', KEY);
    await withFsError('readFileSync', key, 'EACCES', () =>
      assert.throws(
        () => authenticator({ 'client-certificate': file('locked.crt', CERT), 'client-key': key }, cluster),
        (e: KubeconfigError) =>
          e.exitCode === ExitCode.config &&
          e.message === `client-key file ${key} cannot be read (permission denied)` &&
          /permissions and owner/.test(e.hint ?? ''),
      ),
    );
  });

  it('presents a client certificate and key from files or inline data (inline wins)', async () => {
    const fromFiles = await authenticator({ 'client-certificate': file('c.crt', CERT), 'client-key': file('c.key', KEY) }, cluster).credentials();
    assert.equal(fromFiles.cert, CERT);
    assert.equal(fromFiles.key, KEY);
    assert.deepEqual(fromFiles.headers, {});
    const inline = await authenticator(
      { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY), 'client-certificate': join(dir, 'missing.crt') },
      cluster,
    ).credentials();
    assert.equal(inline.cert, CERT);
    assert.equal(redact(`key: ${KEY}`).includes('keymaterial'), false);
  });

  it('refuses a certificate without its key, and an unreadable certificate file, with a kubeconfig error', () => {
    assert.throws(
      () => authenticator({ 'client-certificate-data': b64(CERT) }, cluster),
      (e: Error) => e instanceof KubeconfigError && /without its key/.test(e.message),
    );
    assert.throws(
      () => authenticator({ 'client-certificate': join(dir, 'nope.crt'), 'client-key': join(dir, 'nope.key') }, cluster),
      (e: Error) => e instanceof KubeconfigError && /^client-certificate file .*nope.crt does not exist$/.test(e.message),
    );
  });

  it('knows the client certificate up front for every user but an exec plugin, which may hand one out', () => {
    const inline = { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) };
    assert.deepEqual(authenticator(inline, cluster).tlsIdentity, { cert: CERT, key: KEY });
    assert.deepEqual(authenticator({ ...inline, tokenFile: file('identity-token', 'tok') }, cluster).tlsIdentity, { cert: CERT, key: KEY });
    assert.deepEqual(authenticator({ token: 'tok' }, cluster).tlsIdentity, { cert: undefined, key: undefined });
    const exec = { exec: { command: 'never-run', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' as const } };
    assert.equal(authenticator(exec, cluster, { stdinIsTTY: false }).tlsIdentity, undefined);
  });

  it('sends basic auth and registers both the password and the encoded header value', async () => {
    const creds = await authenticator({ username: 'admin', password: 'pa55word!' }, cluster).credentials();
    assert.equal(creds.headers.authorization, `Basic ${b64('admin:pa55word!')}`);
    assert.equal(redact(`Authorization: Basic ${b64('admin:pa55word!')}`), 'Authorization: Basic <redacted>');
  });

  it('prefers a token file over an inline token, which stands in while the file cannot be read', async () => {
    const tf = file('both-token', 'from-file\n');
    assert.equal((await authenticator({ token: 'inline', tokenFile: tf }, cluster).credentials()).headers.authorization, 'Bearer from-file');
    const missing = authenticator({ token: 'inline', tokenFile: join(dir, 'no-such-token') }, cluster);
    assert.equal((await missing.credentials()).headers.authorization, 'Bearer inline');
    const empty = authenticator({ token: 'inline', tokenFile: file('empty-token', '\n') }, cluster);
    assert.equal((await empty.credentials()).headers.authorization, 'Bearer inline');
  });

  it('sends no basic auth for a password without a username, as client-go needs the username', async () => {
    assert.deepEqual((await authenticator({ password: 'lonely' }, cluster).credentials()).headers, {});
    assert.equal(credentialKind({ password: 'lonely' }), 'none (anonymous)');
  });

  it('uses a static token, username or client certificate instead of running an exec plugin', async () => {
    const p = plugin('static-wins', `{ apiVersion: '${v1}', kind: 'ExecCredential', status: { token: 'from-plugin' } }`);
    const exec = { command: p.command, apiVersion: v1, interactiveMode: 'Never' as const };
    assert.equal((await authenticator({ token: 'static', exec }, cluster, { stdinIsTTY: false }).credentials()).headers.authorization, 'Bearer static');
    const withCert = await authenticator({ 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY), exec }, cluster, {
      stdinIsTTY: false,
    }).credentials();
    assert.equal(withCert.cert, CERT);
    assert.deepEqual(withCert.headers, {});
    assert.equal(credentialKind({ token: 'static', exec }), 'bearer token');
    assert.equal(p.runs().length, 0, 'the plugin never ran');
    assert.equal((await authenticator({ exec }, cluster, { stdinIsTTY: false }).credentials()).headers.authorization, 'Bearer from-plugin');
  });

  it('sends nothing for an anonymous user', async () => {
    assert.deepEqual(await authenticator({}, cluster).credentials(), { headers: {}, cert: undefined, key: undefined });
  });

  it('runs an exec plugin with KUBERNETES_EXEC_INFO and its env, and reuses the credential until it expires', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const p = plugin(
      'exec-token',
      `{ apiVersion: '${v1}', kind: 'ExecCredential', status: { token: 'exec-token-' + Date.now(), expirationTimestamp: '2026-01-01T00:10:00Z' } }`,
    );
    const auth = authenticator(
      { exec: { command: p.command, apiVersion: v1, interactiveMode: 'IfAvailable', env: [{ name: 'EXTRA', value: 'extra-value' }] } },
      cluster,
      { now: () => now, stdinIsTTY: false },
    );
    const first = await auth.credentials();
    assert.match(first.headers.authorization!, /^Bearer exec-token-\d+$/);
    now += 5 * 60_000;
    assert.equal((await auth.credentials()).headers.authorization, first.headers.authorization);
    assert.equal(p.runs().length, 1);
    assert.deepEqual(p.runs()[0], { info: { apiVersion: v1, kind: 'ExecCredential', spec: { interactive: false } }, extra: 'extra-value' });
    assert.equal(redact(first.headers.authorization!), 'Bearer <redacted>');
    now += 5 * 60_000;
    await auth.credentials();
    assert.equal(p.runs().length, 2, 'an expired credential runs the plugin again');
  });

  it('runs the plugin again after a 401, and once for concurrent requests', async () => {
    const p = plugin('exec-401', `{ apiVersion: '${v1}', kind: 'ExecCredential', status: { token: 'no-expiry-token' } }`);
    const auth = authenticator({ exec: { command: p.command, apiVersion: v1, interactiveMode: 'Never' } }, cluster, { stdinIsTTY: true });
    await Promise.all([auth.credentials(), auth.credentials(), auth.credentials()]);
    assert.equal(p.runs().length, 1);
    assert.equal((p.runs()[0]!.info as { spec: { interactive: boolean } }).spec.interactive, false, 'interactiveMode Never is never interactive');
    auth.unauthorized();
    await auth.credentials();
    assert.equal(p.runs().length, 2);
  });

  it('gives an exec plugin the cluster when it asks (provideClusterInfo), and takes a client certificate from it', async () => {
    const p = plugin(
      'exec-cert',
      `{ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { clientCertificateData: ${JSON.stringify(CERT)}, clientKeyData: ${JSON.stringify(KEY)} } }`,
    );
    const withCa: ClusterEntry = {
      server: 'https://10.0.0.1:6443',
      'certificate-authority-data': b64('CA PEM'),
      'tls-server-name': 'kubernetes',
      extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'x' } }],
    };
    const creds = await authenticator({ exec: { command: p.command, apiVersion: 'client.authentication.k8s.io/v1beta1', provideClusterInfo: true } }, withCa, {
      stdinIsTTY: false,
    }).credentials();
    assert.equal(creds.cert, CERT);
    assert.equal(creds.key, KEY);
    assert.deepEqual(creds.headers, {});
    assert.deepEqual((p.runs()[0]!.info as { spec: unknown }).spec, {
      interactive: false,
      cluster: { server: 'https://10.0.0.1:6443', 'tls-server-name': 'kubernetes', 'certificate-authority-data': b64('CA PEM'), config: { audience: 'x' } },
    });
  });

  it('says an exec plugin that is not installed or may not be run is missing here (exit 3, as a missing token file), naming the command, with all of its installHint', async () => {
    const noPath = tempDir('empty-path-');
    const notExecutable = file('exec-not-executable', '#!/bin/sh\necho {}\n', 0o600);
    const noInterpreter = file('exec-no-interpreter', '#!/nonexistent/interpreter\n', 0o700);
    const installHint = 'thing-login is required to sign in.\n\n  On macOS: brew install thing\n  On Linux: apt install thing\n';
    for (const [command, message, hint] of [
      [join(dir, 'no-such-plugin'), `exec plugin "${join(dir, 'no-such-plugin')}" is not installed (not found)`, undefined],
      ['thing-login', 'exec plugin "thing-login" is not installed (not found on PATH)', undefined],
      [notExecutable, `exec plugin "${notExecutable}" cannot be run (permission denied: not an executable file)`, /^make it executable \(chmod \+x\)/],
      [noInterpreter, `exec plugin "${noInterpreter}" cannot be run: the interpreter its #! line names is not installed`, /^install what its #! line names/],
    ] as const) {
      for (const withHint of [true, false]) {
        const exec = { command, apiVersion: v1, interactiveMode: 'Never' as const, ...(withHint ? { installHint } : {}) };
        await assert.rejects(authenticator({ exec }, cluster, { env: { PATH: noPath } }).credentials(), (e: UserFacingError) => {
          assert.ok(e instanceof KubeconfigError);
          assert.equal(e.exitCode, ExitCode.config);
          assert.equal(e.message, message);
          if (withHint) assert.equal(e.hint, 'thing-login is required to sign in. On macOS: brew install thing On Linux: apt install thing');
          else assert.match(e.hint!, hint ?? /^install it, or fix users\[\]\.user\.exec\.command in the kubeconfig$/);
          return true;
        });
      }
    }
  });

  it('reports a failing plugin with its exit code, and wrong output plainly, with the unauthorized code', async () => {
    const failing = plugin('exec-fail', `{}`, 3);
    await assert.rejects(
      authenticator({ exec: { command: failing.command, apiVersion: v1, interactiveMode: 'Never' } }, cluster).credentials(),
      (e: UserFacingError) => /failed with exit code 3/.test(e.message) && e.exitCode === ExitCode.unauthorized,
    );
    const wrongVersion = plugin('exec-wrong', `{ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 't' } }`);
    await assert.rejects(
      authenticator({ exec: { command: wrongVersion.command, apiVersion: v1, interactiveMode: 'Never' } }, cluster).credentials(),
      (e: Error) => /not an ExecCredential of client.authentication.k8s.io\/v1/.test(e.message),
    );
    const empty = plugin('exec-empty', `{ apiVersion: '${v1}', kind: 'ExecCredential', status: {} }`);
    await assert.rejects(authenticator({ exec: { command: empty.command, apiVersion: v1, interactiveMode: 'Never' } }, cluster).credentials(), (e: Error) =>
      /neither a token nor a client certificate/.test(e.message),
    );
  });

  it('refuses an ExecCredential whose token or certificate is not a string, naming the field but not its value, with a hint', async () => {
    for (const [field, status] of [
      ['token', '{ token: 123456 }'],
      ['clientCertificateData', `{ clientCertificateData: ['x'], clientKeyData: 'k' }`],
      ['expirationTimestamp', `{ token: 't', expirationTimestamp: 1 }`],
    ] as const) {
      const p = plugin(`exec-type-${field}`, `{ apiVersion: '${v1}', kind: 'ExecCredential', status: ${status} }`);
      await assert.rejects(
        authenticator({ exec: { command: p.command, apiVersion: v1, interactiveMode: 'Never' } }, cluster).credentials(),
        (e: UserFacingError) =>
          e.message.endsWith(`printed an ExecCredential whose status.${field} is not a string`) &&
          !e.message.includes('123456') &&
          /run the plugin by hand/.test(e.hint ?? ''),
      );
    }
    const garbage = plugin('exec-garbage', `'token: sekrit'`);
    await assert.rejects(
      authenticator({ exec: { command: garbage.command, apiVersion: v1, interactiveMode: 'Never' } }, cluster).credentials(),
      (e: UserFacingError) => /printed something, not an ExecCredential/.test(e.message) && /ExecCredential as JSON on stdout/.test(e.hint ?? ''),
    );
  });

  it('checks the exec configuration before running anything', async () => {
    assert.throws(() => authenticator({ exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1alpha1' } }, cluster), /uses apiVersion/);
    assert.throws(() => authenticator({ exec: { command: 'x', apiVersion: v1 } }, cluster), /interactiveMode ""/);
    await assert.rejects(
      authenticator({ exec: { command: 'x', apiVersion: v1, interactiveMode: 'Always' } }, cluster, { stdinIsTTY: false }).credentials(),
      /needs a terminal/,
    );
  });

  it('builds TLS trust from CA data or file, insecure-skip-tls-verify and tls-server-name', () => {
    assert.deepEqual(tlsOptions({ 'certificate-authority-data': b64('CA1') }), { ca: 'CA1', rejectUnauthorized: true, servername: undefined });
    assert.deepEqual(tlsOptions({ 'certificate-authority': file('ca.crt', 'CA2'), 'tls-server-name': 'api.local' }), {
      ca: 'CA2',
      rejectUnauthorized: true,
      servername: 'api.local',
    });
    assert.deepEqual(tlsOptions({ 'certificate-authority': join(dir, 'unread.crt'), 'insecure-skip-tls-verify': true }), {
      ca: undefined,
      rejectUnauthorized: false,
      servername: undefined,
    });
  });

  it('sends only auth-provider users without a token or token file to client-node, and names each credential kind without its value', () => {
    const oidc: UserEntry = { 'auth-provider': { name: 'oidc', config: { 'id-token': 'oidc-id-token-value' } } };
    assert.equal(needsClientNode(oidc), true);
    assert.equal(needsClientNode({ token: 't' }), false);
    assert.equal(credentialKind(oidc), 'auth provider (oidc)');
    assert.equal(credentialKind({ tokenFile: '/x' }), 'bearer token');
    assert.equal(credentialKind({ exec: { command: 'aws' } }), 'exec plugin (aws)');
    assert.equal(credentialKind({ 'client-certificate-data': 'x' }), 'client certificate');
    assert.equal(credentialKind(undefined), 'none');
    // A token file wins over the auth-provider in client-go (its bearer round tripper sets the header first).
    assert.equal(needsClientNode({ ...oidc, tokenFile: '/x' }), false);
    registerUserSecrets({ ...oidc, exec: { env: [{ name: 'SECRET', value: 'exec-env-secret' }] }, tokenFile: file('tok2', 'file-token-secret\n') });
    assert.equal(redact('oidc-id-token-value exec-env-secret file-token-secret'), '<redacted> <redacted> <redacted>');
  });
});
