import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inClusterConfig, loadKubeconfig, mergeFiles, PLAIN_HTTP_CREDENTIAL } from '../../../src/core/kubeconfig.ts';
import { ExitCode, KubeconfigError } from '../../../src/core/errors.ts';
import { redact } from '../../../src/core/redact.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { withFsError } from '../../helpers/fs-error.ts';

const dir = tempDir('kubeconfig-test-');
// Parsed files are cached per user: keep the tests' cache out of the real one.
const cacheEnv = { XDG_CACHE_HOME: join(dir, 'cache') };
function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

mkdirSync(join(dir, 'certs'));
file('certs/ca.crt', 'a CA certificate would be here\n');
const A = file(
  'a.yaml',
  `apiVersion: v1
kind: Config
current-context: ctx-a
clusters:
- name: shared
  cluster: {server: 'https://127.0.0.1:1111', certificate-authority: certs/ca.crt}
users:
- name: alice
  user: {token: alice-secret-token}
contexts:
- name: ctx-a
  context: {cluster: shared, user: alice, namespace: team-a}
`,
);
const B = file(
  'b.yaml',
  `apiVersion: v1
kind: Config
current-context: ctx-b
clusters:
- name: shared
  cluster: {server: 'https://127.0.0.1:2222'}
- name: other
  cluster: {server: 'https://127.0.0.1:3333'}
users:
- name: bob
  user: {username: bob, password: bobs-password}
contexts:
- name: ctx-b
  context: {cluster: other, user: bob}
`,
);

describe('kubeconfig resolution', () => {
  it('merges KUBECONFIG files with the first definition of a name winning, like kubectl', async () => {
    const merged = await mergeFiles([A, B], cacheEnv);
    assert.equal(merged['current-context'], 'ctx-a');
    assert.deepEqual(
      merged.clusters.map((c) => [c.name, c.cluster.server]),
      [
        ['shared', 'https://127.0.0.1:1111'],
        ['other', 'https://127.0.0.1:3333'],
      ],
    );
    assert.equal(merged.clusters[0]!.cluster['certificate-authority'], join(dir, 'certs/ca.crt'), 'relative paths resolve against their own file');
  });

  it('reads KUBECONFIG in order and takes the namespace from the context', async () => {
    const r = await loadKubeconfig({ env: { ...cacheEnv, KUBECONFIG: `${A}:${B}`, HOME: dir } });
    assert.equal(r.source, 'env');
    assert.deepEqual(r.files, [A, B]);
    assert.equal(r.contextName, 'ctx-a');
    assert.equal(r.server, 'https://127.0.0.1:1111');
    assert.equal(r.namespace, 'team-a');
    assert.equal(r.credentialKind, 'bearer token');
  });

  it('lets --kubeconfig win over KUBECONFIG and --context and -n override', async () => {
    const r = await loadKubeconfig({ kubeconfig: B, context: 'ctx-b', namespace: 'ns-x', env: { ...cacheEnv, KUBECONFIG: A, HOME: dir } });
    assert.equal(r.source, 'flag');
    assert.equal(r.server, 'https://127.0.0.1:3333');
    assert.equal(r.namespace, 'ns-x');
    assert.equal(r.credentialKind, 'username and password');
  });

  it('defaults the namespace to "default" when the context has none', async () => {
    const r = await loadKubeconfig({ kubeconfig: B, env: { ...cacheEnv, HOME: dir } });
    assert.equal(r.namespace, 'default');
  });

  it('falls back to ~/.kube/config, then to a running sandbox, then fails with a hint', async () => {
    const home = tempDir('home-');
    await assert.rejects(
      loadKubeconfig({ env: { ...cacheEnv, HOME: home } }),
      (e: KubeconfigError) => e instanceof KubeconfigError && /no cluster configured/.test(e.message) && /sandbox up/.test(e.hint ?? ''),
    );
    const r = await loadKubeconfig({ env: { ...cacheEnv, HOME: home }, sandboxKubeconfig: () => B });
    assert.equal(r.source, 'sandbox');
  });

  it('rejects an unknown context naming the known ones', async () => {
    await assert.rejects(
      loadKubeconfig({ kubeconfig: A, context: 'nope', env: cacheEnv }),
      (e: KubeconfigError) => /context "nope" not found/.test(e.message) && /ctx-a/.test(e.hint ?? ''),
    );
  });

  it('reports malformed YAML and wrong shapes in one line', async () => {
    const bad = file('bad.yaml', 'clusters: [ {name: x\n');
    await assert.rejects(
      loadKubeconfig({ kubeconfig: bad, env: cacheEnv }),
      (e: KubeconfigError) => /not valid YAML/.test(e.message) && !e.message.includes('\n'),
    );
    const shape = file('shape.yaml', 'clusters: {a: 1}\n');
    await assert.rejects(loadKubeconfig({ kubeconfig: shape, env: cacheEnv }), (e: KubeconfigError) => /"clusters" must be a list/.test(e.message));
    await assert.rejects(loadKubeconfig({ kubeconfig: join(dir, 'missing.yaml'), env: cacheEnv }), (e: KubeconfigError) => /does not exist/.test(e.message));
  });

  it('says a kubeconfig that is a folder is one, where it came from, and the kubeconfig inside it if there is one', async () => {
    const kube = join(dir, 'dot-kube');
    mkdirSync(kube);
    await assert.rejects(loadKubeconfig({ kubeconfig: kube, env: cacheEnv }), (e: KubeconfigError) => {
      assert.equal(e.exitCode, ExitCode.config);
      assert.equal(e.message, `kubeconfig ${kube} (from --kubeconfig) is a folder, not a file`);
      assert.equal(e.hint, "name the kubeconfig file itself, not its folder: kubectl's own is ~/.kube/config");
      return true;
    });
    writeFileSync(join(kube, 'config'), readFileSync(A));
    await assert.rejects(loadKubeconfig({ env: { ...cacheEnv, KUBECONFIG: kube } }), (e: KubeconfigError) => {
      assert.equal(e.message, `kubeconfig ${kube} (from KUBECONFIG) is a folder, not a file`);
      assert.equal(e.hint, `name the file itself: did you mean ${join(kube, 'config')}?`);
      return true;
    });
  });

  it('says a kubeconfig that exists but may not be read cannot be read (permission denied), with a permissions hint and exit 3', async () => {
    const locked = file('locked.yaml', readFileSync(A, 'utf8'));
    await withFsError('readFileSync', locked, 'EACCES', async () => {
      for (const req of [{ kubeconfig: locked }, { env: { KUBECONFIG: locked } }]) {
        await assert.rejects(loadKubeconfig({ ...req, env: { ...cacheEnv, ...req.env } }), (e: KubeconfigError) => {
          assert.ok(e instanceof KubeconfigError);
          assert.equal(e.exitCode, ExitCode.config);
          assert.equal(e.message, `kubeconfig ${locked} cannot be read (permission denied)`);
          assert.equal(e.hint, `check its permissions and owner, and those of the folders above it (\`ls -l ${locked}\`)`);
          return true;
        });
      }
    });
    // A folder on the way that may not be searched: the file may be there, so it is not "does not exist", nor
    // skipped from KUBECONFIG or passed over for the sandbox, as kubectl fails on it too.
    const hidden = join(dir, 'private', 'config');
    const home = tempDir('home-');
    const homeConfig = join(home, '.kube', 'config');
    for (const [path, req, from] of [
      [hidden, { kubeconfig: hidden }, ' (from --kubeconfig)'],
      [hidden, { env: { KUBECONFIG: `${hidden}${delimiter}${B}` } }, ' (from KUBECONFIG)'],
      [homeConfig, { env: { HOME: home }, sandboxKubeconfig: () => B }, ''],
    ] as const) {
      await withFsError('statSync', path, 'EACCES', () =>
        assert.rejects(loadKubeconfig({ ...req, env: { ...cacheEnv, ...('env' in req ? req.env : {}) } }), (e: KubeconfigError) => {
          assert.equal(e.exitCode, ExitCode.config);
          assert.equal(e.message, `kubeconfig ${path}${from} cannot be read (permission denied)`);
          assert.match(e.hint!, /permissions and owner/);
          return true;
        }),
      );
    }
  });

  it('registers every loaded credential with the redactor', async () => {
    await loadKubeconfig({ env: { ...cacheEnv, KUBECONFIG: `${A}:${B}`, HOME: dir } });
    assert.equal(redact('token=alice-secret-token and bobs-password'), 'token=<redacted> and <redacted>');
  });

  it('names the kubeconfig field and the file when a file it points at is missing', async () => {
    const cfg = (cluster: string, user: string) => `apiVersion: v1
kind: Config
current-context: c
clusters:
- {name: k, cluster: {server: 'https://127.0.0.1:1111'${cluster}}}
users:
- {name: u, user: {${user}}}
contexts:
- {name: c, context: {cluster: k, user: u}}
`;
    const cases = [
      {
        name: 'no-ca.yaml',
        cluster: ', certificate-authority: nowhere/ca.crt',
        user: 'token: t',
        field: 'certificate-authority',
        missing: join(dir, 'nowhere/ca.crt'),
        entry: 'cluster "k"',
      },
      {
        name: 'no-cert.yaml',
        cluster: '',
        user: 'client-certificate: /nonexistent/u.crt, client-key: certs/ca.crt',
        field: 'client-certificate',
        missing: '/nonexistent/u.crt',
        entry: 'user "u"',
      },
      {
        name: 'no-key.yaml',
        cluster: '',
        user: 'client-certificate: certs/ca.crt, client-key: /nonexistent/u.key',
        field: 'client-key',
        missing: '/nonexistent/u.key',
        entry: 'user "u"',
      },
    ];
    for (const c of cases) {
      const f = file(c.name, cfg(c.cluster, c.user));
      await assert.rejects(loadKubeconfig({ kubeconfig: f, env: {} }), (e: KubeconfigError) => {
        assert.ok(e instanceof KubeconfigError);
        assert.equal(e.exitCode, 3);
        assert.equal(e.message, `${c.field} file ${c.missing} of ${c.entry} does not exist (kubeconfig ${f})`);
        assert.match(e.hint!, new RegExp(`${c.field}-data`));
        return true;
      });
    }
    // Only the chosen context's entries matter, as with kubectl: another user's missing file is no error.
    const other = file('other.yaml', cfg('', 'token: t').replace('users:\n', 'users:\n- {name: unused, user: {client-certificate: /nonexistent/x.crt}}\n'));
    assert.equal((await loadKubeconfig({ kubeconfig: other, env: {} })).userName, 'u');
  });

  it('says a certificate, key or token file the kubeconfig names that may not be read cannot be read (permission denied), with what to check', async () => {
    const key = file('certs/u.key', 'a key would be here\n');
    const locked = file(
      'locked-key.yaml',
      `current-context: c
clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1111'}}]
users: [{name: u, user: {client-certificate: certs/ca.crt, client-key: certs/u.key}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
`,
    );
    await withFsError('accessSync', key, 'EACCES', () =>
      assert.rejects(loadKubeconfig({ kubeconfig: locked, env: cacheEnv }), (e: KubeconfigError) => {
        assert.equal(e.exitCode, ExitCode.config);
        assert.equal(e.message, `client-key file ${key} of user "u" cannot be read (permission denied) (kubeconfig ${locked})`);
        assert.equal(
          e.hint,
          `check its permissions and owner, and those of the folders above it (\`ls -l ${key}\`), or put the content inline with client-key-data`,
        );
        return true;
      }),
    );
  });

  it('gives the same answer from the parsed-file cache as from a fresh parse, and reads JSON kubeconfigs', async () => {
    const strip = (r: Awaited<ReturnType<typeof loadKubeconfig>>) => ({ ...r, clientNodeConfig: undefined });
    const fresh = strip(await loadKubeconfig({ kubeconfig: A, env: { XDG_CACHE_HOME: join(dir, 'fresh-cache') } }));
    const cached = strip(await loadKubeconfig({ kubeconfig: A, env: { XDG_CACHE_HOME: join(dir, 'fresh-cache') } }));
    assert.deepEqual(cached, fresh);
    assert.equal(fresh.cluster['certificate-authority'], join(dir, 'certs/ca.crt'));
    const json = file(
      'c.json',
      JSON.stringify({
        'current-context': 'j',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:4444' } }],
        users: [{ name: 'u', user: { exec: { command: './bin/plugin', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' } } }],
        contexts: [{ name: 'j', context: { cluster: 'c', user: 'u' } }],
      }),
    );
    const r = await loadKubeconfig({ kubeconfig: json, env: cacheEnv });
    assert.equal(r.server, 'https://127.0.0.1:4444');
    assert.equal(r.user.exec?.command, join(dir, 'bin/plugin'), 'a relative exec command resolves against the kubeconfig folder, as in client-go');
    assert.equal(r.credentialKind, `exec plugin (${join(dir, 'bin/plugin')})`);
  });

  it("builds client-node's KubeConfig for the same context only when asked", async () => {
    const r = await loadKubeconfig({ kubeconfig: B, context: 'ctx-b', env: cacheEnv });
    const kc = await r.clientNodeConfig();
    assert.equal(kc.getCurrentContext(), 'ctx-b');
    assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:3333');
    assert.equal(kc.getCurrentUser()?.password, 'bobs-password');
  });
});

describe('kubeconfig checks clientcmd makes', () => {
  const one = (name: string, cluster: string, user: string) =>
    file(
      name,
      `apiVersion: v1
kind: Config
current-context: c
clusters:
- {name: k, cluster: {${cluster}}}
users:
- {name: u, user: {${user}}}
contexts:
- {name: c, context: {cluster: k, user: u}}
`,
    );
  const refused = async (f: string, message: RegExp) =>
    assert.rejects(loadKubeconfig({ kubeconfig: f, env: cacheEnv }), (e: KubeconfigError) => {
      assert.ok(e instanceof KubeconfigError);
      assert.equal(e.exitCode, 3);
      assert.match(e.message, message);
      assert.ok(e.hint && !e.message.includes('\n'));
      assert.ok(!`${e.message} ${e.hint}`.includes('s3cret'), 'no credential in the error');
      return true;
    });
  const server = "server: 'https://127.0.0.1:1111'";

  it('sends no credentials to a plain http server, as clientcmd reads them only for https', async () => {
    const r = await loadKubeconfig({ kubeconfig: one('http.yaml', "server: 'http://127.0.0.1:8080'", 'token: s3cret'), env: cacheEnv });
    assert.deepEqual(r.user, {});
    assert.match(r.credentialKind, /plain http/);
  });

  it('refuses a user with a token and a username or password, as clientcmd allows one method', async () => {
    await refused(one('tok-basic.yaml', server, 'token: s3cret, username: bob, password: s3cret'), /user "u" has both a token and a username/);
    await refused(one('tokfile-basic.yaml', server, 'tokenFile: certs/ca.crt, username: bob'), /both a tokenFile and a username/);
  });

  it('refuses insecure-skip-tls-verify together with a certificate authority, as client-go does', async () => {
    await refused(
      one('insecure-ca.yaml', `${server}, insecure-skip-tls-verify: true, certificate-authority: certs/ca.crt`, 'token: t'),
      /insecure-skip-tls-verify together with/,
    );
  });

  it('refuses a -data field set together with its file, as clientcmd does', async () => {
    const b = Buffer.from('pem').toString('base64');
    await refused(
      one('ca-both.yaml', `${server}, certificate-authority: certs/ca.crt, certificate-authority-data: ${b}`, 'token: t'),
      /both certificate-authority and/,
    );
    await refused(
      one('cert-both.yaml', server, `client-certificate: certs/ca.crt, client-certificate-data: ${b}, client-key-data: ${b}`),
      /both client-certificate and client-certificate-data/,
    );
    await refused(one('key-both.yaml', server, `client-certificate-data: ${b}, client-key: certs/ca.crt, client-key-data: ${b}`), /both client-key and/);
  });

  it('refuses a -data field that is not base64, naming it but not its value', async () => {
    await refused(
      one('pem-inline.yaml', `${server}, certificate-authority-data: "-----BEGIN s3cret"`, 'token: t'),
      /certificate-authority-data of cluster "k" is not base64/,
    );
    await refused(one('key-inline.yaml', server, 'client-certificate-data: QQ==, client-key-data: "s3cret!"'), /client-key-data of user "u" is not base64/);
    const wrapped = Buffer.from('a longer certificate body')
      .toString('base64')
      .replace(/(.{8})/g, '$1\\n');
    assert.equal(
      (await loadKubeconfig({ kubeconfig: one('wrapped.yaml', `${server}, certificate-authority-data: "${wrapped}"`, 'token: t'), env: cacheEnv })).userName,
      'u',
    );
  });

  it('refuses a name used twice in one file, while across files the first one wins', async () => {
    const dup = file('dup.yaml', readFileSync(A, 'utf8').replace('users:\n', 'users:\n- name: alice\n  user: {token: other}\n'));
    await refused(dup, /"users" has two entries named "alice"/);
  });

  it('refuses a server without http(s):// (never echoing a user:password in it) and a proxy-url that is not http(s), in one line with a hint', async () => {
    await refused(one('noscheme.yaml', "server: 'localhost:6443'", 'token: t'), /server of cluster "k" is not an http:\/\/ or https:\/\/ URL/);
    // A user:password written into such a server stays out of the message and the hint.
    await refused(one('noscheme-userinfo.yaml', "server: 'admin:s3cret@localhost:6443'", 'token: t'), /not an http:\/\/ or https:\/\/ URL: localhost:6443$/);
    await refused(one('ftp-userinfo.yaml', "server: 'ftp://admin:s3cret@localhost:6443'", 'token: t'), /URL: ftp:\/\/localhost:6443$/);
    await refused(one('socks.yaml', `${server}, proxy-url: 'socks5://127.0.0.1:1080'`, 'token: t'), /socks5 proxies are not supported/);
    await refused(one('ftp.yaml', `${server}, proxy-url: 'ftp://127.0.0.1:21'`, 'token: t'), /proxy-url of cluster "k"/);
  });

  it('hints the full URL for a bare host:port server, and the form (not a doubled scheme) for a mistyped one', async () => {
    await refused(one('bare.yaml', "server: 'localhost:6443'", 'token: t'), /URL: localhost:6443$/);
    await assert.rejects(
      loadKubeconfig({ kubeconfig: one('bare.yaml', "server: 'localhost:6443'", 'token: t'), env: cacheEnv }),
      (e: KubeconfigError) => e.hint === 'write it in full, e.g. https://localhost:6443',
    );
    await assert.rejects(
      loadKubeconfig({ kubeconfig: one('nocolon.yaml', "server: 'https//localhost:6443'", 'token: t'), env: cacheEnv }),
      (e: KubeconfigError) => e.hint === 'write it in full, e.g. https://HOST:PORT',
    );
  });

  it('refuses a context naming a user the kubeconfig does not define, rather than going anonymous', async () => {
    const typo = file('user-typo.yaml', readFileSync(A, 'utf8').replace('user: alice, namespace', 'user: alicee, namespace'));
    await refused(typo, /context "ctx-a" names user "alicee", which the kubeconfig does not define/);
    await assert.rejects(loadKubeconfig({ kubeconfig: typo, env: cacheEnv }), (e: KubeconfigError) => /known users: alice$/.test(e.hint ?? ''));
  });

  it('says an empty kubeconfig defines no contexts, naming the file, rather than "pick one with --context"', async () => {
    const empty = file('empty.yaml', '');
    await refused(empty, /^kubeconfig .*empty\.yaml defines no contexts$/);
  });

  it('refuses an exec plugin next to an auth-provider, or with an unnamed env entry', async () => {
    const exec = 'exec: {command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never';
    await refused(one('exec-ap.yaml', server, `${exec}}, auth-provider: {name: oidc}`), /both an exec plugin and an auth-provider/);
    await refused(one('exec-env.yaml', server, `${exec}, env: [{name: '', value: s3cret}]}`), /env entry of the exec plugin of user "u" has no name/);
  });

  it('takes the in-cluster namespace from POD_NAMESPACE first, as clientcmd does', () => {
    const cfg = inClusterConfig({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', POD_NAMESPACE: 'from-downward-api' });
    assert.equal(cfg.contexts[0]!.context.namespace, 'from-downward-api');
    assert.equal(cfg.clusters[0]!.cluster.server, 'https://10.0.0.1:443');
  });

  it('accepts insecure-skip-tls-verify with a CA, and a tokenFile with a username, for a plain http server, as client-go uses neither there', async () => {
    const http = "server: 'http://127.0.0.1:8080'";
    const insecureCa = await loadKubeconfig({
      kubeconfig: one('http-insecure-ca.yaml', `${http}, insecure-skip-tls-verify: true, certificate-authority: certs/ca.crt`, 'token: s3cret'),
      env: cacheEnv,
    });
    assert.deepEqual(insecureCa.user, {});
    const fileAndName = await loadKubeconfig({ kubeconfig: one('http-tokfile-basic.yaml', http, 'tokenFile: certs/ca.crt, username: bob'), env: cacheEnv });
    assert.equal(fileAndName.credentialKind, PLAIN_HTTP_CREDENTIAL);
    // Still refused for http: clientcmd's ConfirmUsable checks these whatever the scheme.
    await refused(one('http-tok-basic.yaml', http, 'token: s3cret, password: s3cret'), /both a token and a username/);
  });

  it('sends the credentials to a server written HTTPS://, as Go lowercases the scheme', async () => {
    const r = await loadKubeconfig({ kubeconfig: one('upper.yaml', "server: 'HTTPS://127.0.0.1:1111'", 'token: s3cret'), env: cacheEnv });
    assert.equal(r.server, 'https://127.0.0.1:1111');
    assert.equal(r.cluster.server, 'https://127.0.0.1:1111');
    assert.equal(r.user.token, 's3cret');
    assert.equal(r.credentialKind, 'bearer token');
  });

  it('says anonymous, not credentials withheld, for a plain http server and a user without credentials', async () => {
    const r = await loadKubeconfig({ kubeconfig: one('http-anon.yaml', "server: 'http://127.0.0.1:8080'", ''), env: cacheEnv });
    assert.equal(r.credentialKind, 'none (anonymous)');
  });

  it('accepts a missing tokenFile when the user also has an inline token, which client-go falls back to', async () => {
    const r = await loadKubeconfig({ kubeconfig: one('tok-missing-file.yaml', server, 'token: t, tokenFile: /nonexistent/token'), env: cacheEnv });
    assert.equal(r.credentialKind, 'bearer token');
  });
});
