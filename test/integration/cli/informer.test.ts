// `kube-lessons informer`: the article's informer against the sandbox, in a namespace of its own: ADD, MOD and
// DEL for a pod created, changed and deleted while it runs; late handlers still get ADD; --trace names the
// stages; resyncs show as MOD (resync); Ctrl-C ends it with exit 130 and the counts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { KubeClient } from '../../../src/core/client.ts';
import { runCli, startCli } from '../../helpers/cli.ts';
import { createTestNamespace, deleteNamespace, sandboxState, testClient } from '../../helpers/cluster.ts';
import { FIFO_KINDS, type FifoKind } from '../../../src/machinery/cache/shared-informer.ts';

let client: KubeClient;
let kubeconfig = '';
const namespaces: string[] = [];
const lines = (text: string) => text.trim().split('\n');

function informer(fifo: FifoKind, args: string[]) {
  return runCli(['informer', ...args, '--fifo', fifo, '--kubeconfig', kubeconfig], { timeoutMs: 90_000 });
}

const QUEUE_NAME: Record<FifoKind, string> = { real: 'RealFIFO', delta: 'DeltaFIFO' };

/**
 * Starts the informer and resolves once its cache has synced. The watch starts from the list's
 * resourceVersion, so every change made from then on reaches it, even before the watch request is answered.
 */
async function syncedInformer(fifo: FifoKind, args: string[]) {
  const running = startCli(['informer', ...args, '--fifo', fifo, '--kubeconfig', kubeconfig], { timeoutMs: 90_000 });
  await running.line(/^cache synced: /);
  return running;
}

const eventLine = (type: string, key: string) => new RegExp(`^${type}\\s+${key}\\s`);

async function namespace(prefix: string): Promise<string> {
  const ns = await createTestNamespace(client, prefix);
  namespaces.push(ns);
  return ns;
}

async function createPod(ns: string, name: string): Promise<void> {
  await client.request({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/pods`,
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'httpd:alpine' }] } },
  });
}

async function labelPod(ns: string, name: string): Promise<void> {
  await client.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${ns}/pods/${name}`,
    body: { metadata: { labels: { changed: 'yes' } } },
    contentType: 'application/merge-patch+json',
  });
}

async function deletePod(ns: string, name: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${name}`, body: { gracePeriodSeconds: 0 } });
}

/** The event lines (`ADD  ns/name ...`) for one key, as [type, line]. */
function eventsFor(stdout: string, key: string): [string, string][] {
  return lines(stdout)
    .map((l) => /^(ADD|MOD \(resync\)|MOD|DEL)\s+(\S+)\s/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[2] === key)
    .map((m) => [m[1]!, m.input]);
}

function assertNoCredentials(...outputs: string[]): void {
  const text = readFileSync(kubeconfig, 'utf8');
  const secrets = [...text.matchAll(/(?:token|client-key-data|password):\s*"?([^\s"]+)/g)].map((m) => m[1]!).filter((v) => v.length >= 6);
  assert.ok(secrets.length > 0);
  for (const out of outputs) for (const s of secrets) assert.ok(!out.includes(s), 'a credential was printed');
}

// Every test runs on both queues an informer can be built on.
for (const fifo of FIFO_KINDS) {
  describe(`kube-lessons informer [${fifo} FIFO]`, () => {
    before(async () => {
      kubeconfig = sandboxState().kubeconfig;
      client = await testClient();
    });
    after(async () => {
      for (const ns of namespaces) await deleteNamespace(client, ns);
    });

    it('prints ADD, MOD and DEL in that order for a pod created, changed and deleted while it runs', async () => {
      const ns = await namespace('kl-informer');
      const running = await syncedInformer(fifo, ['-n', ns, '--timeout', '16s']);
      await createPod(ns, 'informed');
      await running.line(eventLine('ADD', `${ns}/informed`));
      await labelPod(ns, 'informed');
      await running.line(eventLine('MOD', `${ns}/informed`));
      await deletePod(ns, 'informed');
      const r = await running.done;
      assert.equal(r.code, 0, r.stderr);
      const out = lines(r.stdout);
      assert.equal(out[0], `pods (v1 Pod), namespace ${ns}; resolved through the built-in table`);
      assert.equal(out[1], `informer starting on the ${QUEUE_NAME[fifo]}: resync every 30s, handler added before start`);
      assert.match(out[2]!, /^cache synced: 0 objects \(resourceVersion \d+, by a streaming watch-list\)$/);
      const events = eventsFor(r.stdout, `${ns}/informed`);
      const types = events.map(([t]) => t);
      assert.equal(types[0], 'ADD', types.join(' '));
      assert.equal(types.at(-1), 'DEL', types.join(' '));
      assert.ok(types.slice(1, -1).length >= 1 && types.slice(1, -1).every((t) => t === 'MOD'), types.join(' '));
      assert.ok(
        events.some(([t, l]) => t === 'MOD' && /rv \d+ -> \d+$/.test(l)),
        'MOD shows the old and new resourceVersion',
      );
      const mods = types.filter((t) => t === 'MOD').length;
      assert.match(out.at(-1)!, new RegExp(`^summary: stopped \\(timeout\\) after \\d+\\.\\d s: ADD 1, MOD ${mods}, MOD \\(resync\\) 0, DEL 1$`));
      assertNoCredentials(r.stdout, r.stderr);
    });

    it('with --handlers-after-sync, pods already there still show as ADD, after the sync', async () => {
      const ns = await namespace('kl-informer-late');
      await createPod(ns, 'early-1');
      await createPod(ns, 'early-2');
      const r = await informer(fifo, ['pods', '-n', ns, '--handlers-after-sync', '--timeout', '4s']);
      assert.equal(r.code, 0, r.stderr);
      const out = lines(r.stdout);
      assert.equal(out[1], `informer starting on the ${QUEUE_NAME[fifo]}: resync every 30s, handler added after the sync`);
      const synced = out.findIndex((l) => l.startsWith('cache synced: 2 objects'));
      assert.ok(synced > 0, r.stdout);
      assert.equal(out[synced + 1], 'handler added after the sync: the informer replays the 2 cached objects to it as ADD');
      for (const name of ['early-1', 'early-2']) {
        const events = eventsFor(r.stdout, `${ns}/${name}`);
        assert.equal(events[0]?.[0], 'ADD', r.stdout);
        assert.match(events[0][1], /\(replayed from the cache to the late handler\)$/);
        assert.ok(out.indexOf(events[0][1]) > synced);
      }
      assert.match(out.at(-1)!, /^summary: stopped \(timeout\) after \d+\.\d s: ADD 2, /);
    });

    it('with --trace names every stage of the pipeline, timed from the watch event, and narrates the watch-list sync', async () => {
      const ns = await namespace('kl-informer-trace');
      const running = await syncedInformer(fifo, ['pods', '-n', ns, '--trace', '--resync', '0', '--timeout', '9s']);
      await createPod(ns, 'traced');
      const r = await running.done;
      assert.equal(r.code, 0, r.stderr);
      const out = lines(r.stdout);
      assert.equal(out[1], `informer starting on the ${QUEUE_NAME[fifo]}: resync off, handler added before start`);
      const add = out.findIndex((l) => /^ADD\s+\S+\/traced\s/.test(l));
      assert.ok(add > 0, r.stdout);
      const stages = out
        .slice(add + 1, add + 6)
        .map((l) => /^\s+(reflector received|delta queued|delta popped|indexer updated|handler called)\s+\+(\d+\.\d{3}) ms\s/.exec(l));
      assert.deepEqual(
        stages.map((m) => m?.[1]),
        ['reflector received', 'delta queued', 'delta popped', 'indexer updated', 'handler called'],
        out.slice(add, add + 6).join('\n'),
      );
      assert.equal(stages[0]![2], '0.000');
      assert.match(out[add + 1]!, /watch event ADDED$/);
      // The watch-list path, stage by stage, each with what it means, then the queue taking the initial state.
      const at = (re: RegExp) => out.findIndex((l) => re.test(l));
      const order = [
        at(/· reflector watch-list-start/),
        at(/· reflector initial-events-end/),
        fifo === 'real'
          ? at(/· realfifo queued: type=ReplacedAll objects=0 resourceVersion=\d+/)
          : at(/· deltafifo replaced: listed=0 deletions=0 resourceVersion=\d+/),
        at(/· reflector watch-list-synced: count=0 resourceVersion=\d+/),
        at(/· reflector watch-continues/),
      ];
      assert.ok(
        order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)),
        `${order.join(',')}\n${r.stdout}`,
      );
      assert.match(out[order[0]! + 1]!, /watch-list: one watch request streams the current state/);
      assert.ok(!out.some((l) => l.includes('· reflector list-start')));
    });

    it('with --watch-list off, syncs by a list and --trace narrates that path', async () => {
      const ns = await namespace('kl-informer-list');
      await createPod(ns, 'listed');
      const r = await informer(fifo, ['pods', '-n', ns, '--watch-list', 'off', '--trace', '--resync', '0', '--timeout', '4s']);
      assert.equal(r.code, 0, r.stderr);
      const out = lines(r.stdout);
      assert.ok(
        out.some((l) => /^cache synced: 1 object \(resourceVersion \d+, by a list\)$/.test(l)),
        r.stdout,
      );
      const at = (re: RegExp) => out.findIndex((l) => re.test(l));
      const order = [
        at(/· reflector list-start/),
        fifo === 'real'
          ? at(/· realfifo queued: type=ReplacedAll objects=1 resourceVersion=\d+/)
          : at(/· deltafifo replaced: listed=1 deletions=0 resourceVersion=\d+/),
        at(/· reflector listed: count=1 resourceVersion=\d+/),
        at(/· reflector watch-start: resourceVersion=\d+/),
      ];
      assert.ok(
        order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)),
        `${order.join(',')}\n${r.stdout}`,
      );
      assert.ok(!out.some((l) => l.includes('· reflector watch-list-start')));
      // The listed pod went through every stage, from the list.
      const listed = at(new RegExp(`^ADD\\s+${ns}/listed\\s`));
      assert.ok(listed > 0, r.stdout);
      assert.match(out[listed + 1]!, /^\s+reflector received\s+\+0\.000 ms\s+in a list of 1 object$/);
      assert.match(out[listed + 5]!, /^\s+handler called\s/);
    });

    it('shows resyncs as MOD (resync), same resourceVersion', async () => {
      const ns = await namespace('kl-informer-resync');
      await createPod(ns, 'steady');
      const r = await informer(fifo, ['pods', '-n', ns, '--resync', '2s', '--timeout', '5s']);
      assert.equal(r.code, 0, r.stderr);
      const resyncs = eventsFor(r.stdout, `${ns}/steady`).filter(([t]) => t === 'MOD (resync)');
      assert.ok(resyncs.length >= 1, r.stdout);
      assert.match(resyncs[0]![1], /rv \d+$/);
      assert.match(lines(r.stdout)[1]!, /resync every 2s/);
    });

    it('stops on Ctrl-C with exit 130 and the counts per event type', async () => {
      const ns = await namespace('kl-informer-int');
      await createPod(ns, 'one');
      const running = await syncedInformer(fifo, ['-n', ns]);
      running.interrupt();
      const r = await running.done;
      assert.equal(r.code, 130, r.stderr);
      const out = lines(r.stdout);
      assert.ok(
        out.some((l) => l.startsWith('cache synced: 1 object ')),
        r.stdout,
      );
      assert.match(out.at(-1)!, /^summary: stopped \(interrupted\) after \d+\.\d s: ADD 1, MOD \d+, MOD \(resync\) 0, DEL 0$/);
      // One line says why it ended, as for every command a signal stops.
      assert.equal(r.stderr.trim(), 'interrupted');
    });

    it('shows an example in --help', async () => {
      const r = await runCli(['informer', '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Examples:\n\s+\$ kube-lessons informer/);
      for (const flag of ['--fifo', '--watch-list', '--resync', '--trace', '--handlers-after-sync', '--timeout', '--all-namespaces', '--selector'])
        assert.ok(r.stdout.includes(flag), flag);
    });
  });
}
