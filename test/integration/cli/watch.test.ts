// `kube-lessons watch`: list then watch against the sandbox, in a namespace of its own. Events made during the
// watch show as ADDED/MODIFIED/DELETED; a stale resourceVersion shows the 410 and what a reflector does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { KubeClient } from '../../../src/core/client.ts';
import { runCli, startCli } from '../../helpers/cli.ts';
import { createTestNamespace, deleteNamespace, etcdPost, sandboxState, testClient } from '../../helpers/cluster.ts';

let client: KubeClient;
let ns = '';
let kubeconfig = '';
const lines = (text: string) => text.trim().split('\n');

function watch(args: string[]) {
  return runCli(['watch', ...args, '--kubeconfig', kubeconfig], { timeoutMs: 90_000 });
}

/**
 * Starts a watch and resolves once it printed `ready` (by default the line saying which resourceVersion it
 * watches from, printed after the list: the watch replays every change since that version, so changes made
 * from then on all arrive).
 */
async function watching(args: string[], ready = /^watching from resourceVersion /) {
  const running = startCli(['watch', ...args, '--kubeconfig', kubeconfig], { timeoutMs: 90_000 });
  await running.line(ready);
  return running;
}

/** Every credential in the sandbox kubeconfig: none may ever be printed. */
function credentials(): string[] {
  const text = readFileSync(kubeconfig, 'utf8');
  return [...text.matchAll(/(?:token|client-key-data|password):\s*"?([^\s"]+)/g)].map((m) => m[1]!).filter((v) => v.length >= 6);
}

function assertNoCredentials(...outputs: string[]): void {
  const secrets = credentials();
  assert.ok(secrets.length > 0, 'the sandbox kubeconfig has a credential to look for');
  for (const out of outputs) for (const s of secrets) assert.ok(!out.includes(s), 'a credential was printed');
}

async function configMap(method: 'POST' | 'PATCH' | 'DELETE', name: string, data?: Record<string, string>): Promise<void> {
  const base = `/api/v1/namespaces/${ns}/configmaps`;
  if (method === 'POST') await client.request({ method, path: base, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } });
  else if (method === 'PATCH') await client.request({ method, path: `${base}/${name}`, body: { data }, contentType: 'application/merge-patch+json' });
  else await client.request({ method, path: `${base}/${name}` });
}

/** Compacts the sandbox's etcd up to its current revision, as the API server does every 5 minutes. */
async function compactEtcd(): Promise<number> {
  const state = sandboxState();
  const range = await etcdPost<{ header: { revision: string } }>(state, '/v3/kv/range', { key: Buffer.from('/').toString('base64') });
  const revision = Number(range.body.header.revision);
  const compact = await etcdPost(state, '/v3/kv/compaction', { revision: String(revision), physical: true });
  assert.equal(compact.status, 200, JSON.stringify(compact.body));
  return revision;
}

describe('kube-lessons watch', () => {
  before(async () => {
    kubeconfig = sandboxState().kubeconfig;
    client = await testClient();
    ns = await createTestNamespace(client, 'kl-watch');
  });
  after(async () => {
    if (ns) await deleteNamespace(client, ns);
  });

  it('with --watch-list off, lists, then prints ADDED, MODIFIED and DELETED for a configmap changed during the watch', async () => {
    const running = await watching(['configmaps', '-n', ns, '--watch-list', 'off', '--timeout', '12s']);
    await configMap('POST', 'watched', { step: '1' });
    await configMap('PATCH', 'watched', { step: '2' });
    await configMap('DELETE', 'watched');
    const r = await running.done;
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out[0], `configmaps (v1 ConfigMap), namespace ${ns}; resolved through the built-in table`);
    const listed = /^listed (\d+) objects? at resourceVersion (\d+)$/.exec(out[1]!);
    assert.ok(listed, out[1]);
    assert.equal(out[2], `watching from resourceVersion ${listed[2]} (the list's: only changes after the list arrive), bookmarks on`);
    const events = out.filter((l) => /^(ADDED|MODIFIED|DELETED) /.test(l)).filter((l) => l.includes(`${ns}/watched `));
    assert.deepEqual(
      events.map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
      [`ADDED ${ns}/watched`, `MODIFIED ${ns}/watched`, `DELETED ${ns}/watched`],
    );
    const rvs = events.map((l) => Number(/ rv (\d+)$/.exec(l)![1]));
    assert.ok(rvs[0]! > Number(listed[2]) && rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `resource versions grow: ${rvs.join(', ')}`);
    assert.match(
      out.at(-1)!,
      new RegExp(`^summary: stopped \\(timeout\\) after \\d+\\.\\d s: ADDED 1, MODIFIED 1, DELETED 1, BOOKMARK \\d+, ERROR 0; last resourceVersion ${rvs[2]}$`),
    );
  });

  it('by default streams the initial state (watch-list), marks its end with the bookmark, then the changes on the same stream', async () => {
    await configMap('POST', 'already-there', { step: '0' });
    const running = await watching(['configmaps', '-n', ns, '--timeout', '12s'], /^BOOKMARK\s+initial-events-end/);
    await configMap('PATCH', 'already-there', { step: '1' });
    await running.line(new RegExp(`^MODIFIED\\s+${ns}/already-there `));
    const r = await running.done;
    await configMap('DELETE', 'already-there');
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out[1], 'watch-list: one watch with sendInitialEvents=true, resourceVersionMatch=NotOlderThan, allowWatchBookmarks=true');
    assert.ok(!out.some((l) => l.startsWith('listed ')), 'no list request');
    const initial = out.findIndex((l) => l.startsWith(`ADDED      ${ns}/already-there `));
    const end = out.findIndex((l) => /^BOOKMARK\s+initial-events-end: the initial state is complete, \d+ objects? at resourceVersion \d+$/.test(l));
    const modified = out.findIndex((l) => l.startsWith(`MODIFIED   ${ns}/already-there `));
    assert.ok(initial > 1 && end > initial && modified > end, r.stdout);
    assert.equal(out[end + 1], '  a reflector replaces its store here, then keeps reading this same stream for the changes');
  });

  it('explains the 410 a stale resourceVersion gets, and that a reflector would relist', async () => {
    // Events bypass the API server's watch cache, so a watch from an old version goes to etcd, which has
    // forgotten everything before its compaction: 410 Expired.
    await compactEtcd();
    const r = await watch(['events', '-n', ns, '--resource-version', '1', '--timeout', '20s']);
    assert.equal(r.code, 1, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, 12, r.stdout + r.stderr);
    assert.equal(out[2], 'watching from resourceVersion 1 (--resource-version), bookmarks on');
    assert.equal(out[3], "  it is older than the list's: the server replays the changes since then if it still keeps them, else answers 410 Expired");
    assert.equal(out[4], 'ERROR      410 Expired: The resourceVersion for the provided watch is too old.');
    assert.match(out[5]!, /^ {2}410 Gone \/ Expired: resourceVersion 1 is older than the history the server keeps \(the list was at \d+\):$/);
    assert.deepEqual(out.slice(6, 11), [
      "  etcd compacted those revisions, or the changes fell out of the API server's watch cache.",
      '  A reflector meeting this relists from the last resourceVersion it saw: a list at a version returns data',
      '  at least that fresh, which the watch cache can serve. It replaces its store with the result (queuing',
      "  deletions for objects that vanished meanwhile) and watches again from the new list's resourceVersion.",
      '  Only if that list answers 410 too does it ask for resourceVersion "" (a consistent read of the newest state).',
    ]);
    assert.match(
      out.at(-1)!,
      /^summary: stopped \(resourceVersion expired\) after \d+\.\d s: ADDED 0, MODIFIED 0, DELETED 0, BOOKMARK 0, ERROR 1; last resourceVersion 1$/,
    );
    assert.deepEqual(lines(r.stderr), [
      'error: watch events: resourceVersion 1 is too old (410 Gone, reason Expired): the server no longer keeps the changes since then (hint: list again and watch from the new list, as a reflector does: run without --resource-version)',
    ]);
  });

  it('rejects a resourceVersion the server cannot parse', async () => {
    const r = await watch(['configmaps', '-n', ns, '--resource-version', 'abc', '--timeout', '10s']);
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /^error: watch: the server rejected resourceVersion "abc" \(500\): .*Invalid value/);
  });

  it('with --raw prints the request with credentials redacted and each chunked line, masking Secret data', async () => {
    // --raw shows the watch's own response: the watch is open once it is printed.
    const running = await watching(
      ['secrets', '-n', ns, '--raw', '--no-bookmarks', '--watch-list', 'off', '--timeout', '10s'],
      /^< 200 OK \(application\/json\), streaming$/,
    );
    const value = 'do-not-print-this-value-42';
    await client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'raw-secret' }, stringData: { password: value } },
    });
    const r = await running.done;
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    const requests = out.filter((l) => l.startsWith('> GET '));
    assert.equal(requests.length, 2, 'the list and the watch');
    assert.match(requests[0]!, new RegExp(`^> GET https://127\\.0\\.0\\.1:\\d+/api/v1/namespaces/${ns}/secrets$`));
    assert.match(
      requests[1]!,
      new RegExp(`^> GET https://127\\.0\\.0\\.1:\\d+/api/v1/namespaces/${ns}/secrets\\?resourceVersion=\\d+&watch=true$`),
      'no bookmarks asked for',
    );
    assert.ok(
      out.some((l) => /^> {3}authorization: Bearer <redacted>$/i.test(l)),
      'the credential header, masked',
    );
    assert.ok(out.includes('< 200 OK (application/json), streaming'));
    const chunk = out.find((l) => l.startsWith('< {"type":"ADDED"'));
    assert.ok(chunk, 'the raw line of the ADDED event');
    assert.ok(chunk.includes('"name":"raw-secret"'));
    assert.ok(out.some((l) => /^ADDED\s+\S+\/raw-secret\s+rv \d+$/.test(l)));
    assert.ok(!r.stdout.includes(value) && !r.stdout.includes(Buffer.from(value).toString('base64')), 'the Secret value is masked');
    assertNoCredentials(r.stdout, r.stderr);
  });

  it('stops cleanly on Ctrl-C with exit 130 and the counts per type', async () => {
    const running = await watching(['configmaps', '-A'], /^BOOKMARK\s+initial-events-end/);
    running.interrupt();
    const r = await running.done;
    assert.equal(r.code, 130, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out[0], 'configmaps (v1 ConfigMap), all namespaces; resolved through the built-in table');
    assert.match(
      out.at(-1)!,
      /^summary: stopped \(interrupted\) after \d+\.\d s: ADDED \d+, MODIFIED \d+, DELETED \d+, BOOKMARK \d+, ERROR 0; last resourceVersion \d+$/,
    );
    assert.equal(r.stderr.trim(), 'interrupted', 'one line says why it ended, as for every command a signal stops');
    assertNoCredentials(r.stdout, r.stderr);
  });

  it('says a SIGTERM stop was terminated, not interrupted, and exits 143', async () => {
    const running = await watching(['configmaps', '-A'], /^BOOKMARK\s+initial-events-end/);
    process.kill(running.pid, 'SIGTERM');
    const r = await running.done;
    assert.equal(r.code, 143, r.stderr);
    assert.match(lines(r.stdout).at(-1)!, /^summary: stopped \(terminated by SIGTERM\) after \d+\.\d s: ADDED \d+, /);
    assert.equal(r.stderr.trim(), 'terminated');
  });

  it('resolves other names through discovery, and says so for an unknown one', async () => {
    const r = await watch(['cm', '-n', ns, '-l', 'app=none', '--timeout', '1s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout)[0], `configmaps (v1 ConfigMap), namespace ${ns}; resolved through discovery`);
    const bad = await watch(['nosuchthings', '--timeout', '1s']);
    assert.equal(bad.code, 8);
    assert.match(bad.stderr, /the server has no resource type "nosuchthings"/);
  });

  it('shows an example in --help', async () => {
    const r = await runCli(['watch', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples:\n\s+\$ kube-lessons watch pods/);
    for (const flag of ['--resource-version', '--raw', '--timeout', '--no-bookmarks', '--all-namespaces', '--selector'])
      assert.ok(r.stdout.includes(flag), flag);
  });
});
