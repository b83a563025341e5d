/** `kube-lessons list-nodes` against the sandbox: the article's NAME/ARCH/OS table, the wide view, data formats, selectors. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/core/client.ts';
import { createTestNamespace, deleteNamespace, testClient } from '../../helpers/cluster.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { cli, assertNoSecrets } from './helpers.ts';

interface Node {
  metadata: { name: string; labels?: Record<string, string> };
  status: { nodeInfo: { architecture: string; osImage: string; kubeletVersion: string }; addresses: { type: string; address: string }[] };
}

describe('list-nodes', () => {
  let client: KubeClient;
  let namespace: string;
  let nodes: Node[];

  before(async () => {
    client = await testClient();
    namespace = await createTestNamespace(client, 'cli-list-nodes');
    nodes = (await client.request<{ items: Node[] }>({ path: '/api/v1/nodes' })).body.items;
    assert.ok(nodes.length > 0, 'the sandbox has nodes');
  });
  after(async () => deleteNamespace(client, namespace));

  it('prints NAME, ARCH and OS with the real architecture and OS image of every node', async () => {
    const r = await cli(['list-nodes', '-n', namespace]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+ARCH\s+OS$/);
    assert.equal(lines.length, nodes.length + 1);
    for (const n of nodes) {
      const line = lines.find((l) => l.split(/\s+/)[0] === n.metadata.name);
      assert.ok(line, `a line for ${n.metadata.name}`);
      const [, arch, ...os] = line.split(/\s{2,}/);
      assert.equal(arch, n.status.nodeInfo.architecture);
      assert.equal(os.join('  '), n.status.nodeInfo.osImage);
    }
    assertNoSecrets(r);
  });

  it('-o wide adds status, roles, kubelet version, internal IP and age', async () => {
    const r = await cli(['list-nodes', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+ARCH\s+OS\s+STATUS\s+ROLES\s+KUBELET VERSION\s+INTERNAL-IP\s+AGE$/);
    for (const n of nodes) {
      const line = lines.find((l) => l.startsWith(n.metadata.name + ' '))!;
      assert.ok(line.includes(n.status.nodeInfo.osImage));
      assert.match(line, /\sReady\s/);
      const roles = Object.keys(n.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.split('/')[1]);
      assert.ok(line.includes(roles.length ? roles.sort().join(',') : '<none>'));
      assert.ok(line.includes(n.status.nodeInfo.kubeletVersion));
      assert.ok(line.includes(n.status.addresses.find((a) => a.type === 'InternalIP')!.address));
      assert.match(line, /\s\d+[smhd]\S*$/, 'an age at the end');
    }
  });

  it('-o json gives a List of the Node objects as the server returned them', async () => {
    const r = await cli(['list-nodes', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { kind: string; items: (Node & { kind: string })[] };
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((n) => n.metadata.name).sort(), nodes.map((n) => n.metadata.name).sort());
    assert.ok(list.items.every((n) => n.kind === 'Node'));
    assert.deepEqual(list.items.map((n) => n.status.nodeInfo.architecture).sort(), nodes.map((n) => n.status.nodeInfo.architecture).sort());
  });

  it('-o yaml and -o name', async () => {
    const y = await cli(['list-nodes', '-o', 'yaml']);
    assert.equal(y.code, 0, y.stderr);
    assert.match(y.stdout, /^apiVersion: v1\nkind: List\n/);
    const n = await cli(['list-nodes', '-o', 'name']);
    assert.equal(n.code, 0, n.stderr);
    assert.deepEqual(n.stdout.trimEnd().split('\n').sort(), nodes.map((x) => `node/${x.metadata.name}`).sort());
  });

  it('-l filters by label, and an empty answer says so and exits 0', async () => {
    const arch = nodes[0]!.status.nodeInfo.architecture;
    const r = await cli(['list-nodes', '-l', `kubernetes.io/arch=${arch}`, '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').length, nodes.filter((x) => x.status.nodeInfo.architecture === arch).length);
    const none = await cli(['list-nodes', '--selector', 'kube-lessons/no-such-label=1']);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^No nodes found\./);
  });

  it('talks HTTP/1.1 and never loads node:http2, node:http(s) nor perf_hooks; api-resources, with requests at once, speaks HTTP/2', async () => {
    // What lesson 04 says about the connection. A preload writes down, as the process exits, which of Node's modules it loaded.
    const dir = tempDir('list-nodes-modules-');
    const report = join(dir, 'report.cjs');
    writeFileSync(report, `process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_REPORT, process.moduleLoadList.join('\\n')));`);
    const modules = async (args: string[]) => {
      const out = join(dir, `${args[0]}.txt`);
      // Quoted: the temporary folder's path may hold a space.
      const r = await cli(args, { env: { NODE_OPTIONS: `--require ${JSON.stringify(report)}`, MODULES_REPORT: out } });
      assert.equal(r.code, 0, r.stderr);
      return readFileSync(out, 'utf8').split('\n');
    };
    const listNodes = await modules(['list-nodes']);
    assert.ok(listNodes.includes('NativeModule tls'), 'list-nodes sends its request over its own TLS connection');
    // Node's HTTP/1.1 client, agent and parser: the transport writes the request and reads the answer itself.
    assert.ok(!listNodes.includes('NativeModule https'));
    assert.ok(!listNodes.includes('NativeModule _http_client'));
    assert.ok(!listNodes.includes('Internal Binding http_parser'));
    assert.ok(!listNodes.includes('NativeModule http2'));
    assert.ok(!listNodes.includes('NativeModule http'), 'the answer carries its reason phrase: no table of them is loaded');
    assert.ok(!listNodes.includes('NativeModule perf_hooks'));
    assert.ok((await modules(['api-resources'])).includes('NativeModule http2'));
  });
});
