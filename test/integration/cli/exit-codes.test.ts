// The README's exit-code table, row by row, against the real sandbox: every case runs the built CLI the way a
// user does and asserts the exit code, exactly one line on stderr (the error, with its hint), and that nothing
// was left behind: no pod in the test namespace, no sandbox started, no file written in HOME or the working
// folder. Cases that are stopped by a signal wait for a line of output first, never for a fixed time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify as toYaml } from 'yaml';
import type { KubeClient } from '../../../src/core/client.ts';
import { ExitCode } from '../../../src/core/errors.ts';
import { createCertificateAuthority } from '../../../src/sandbox/certs.ts';
import { BIN } from '../../helpers/cli.ts';
import { createTestNamespace, deleteNamespace, etcdPost, sandboxState, testClient, waitUntil } from '../../helpers/cluster.ts';
import { useFooCrd } from '../controller/helpers.ts';
import { closedPort, rawKubeconfig, tokens } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

interface Row {
  /** What the case is; the README row it stands for is its exit code. */
  name: string;
  args: () => string[];
  /** Which cluster the run sees: the sandbox (default), none at all, or a kubeconfig file made for the case. */
  cluster?: 'sandbox' | 'none' | (() => string);
  code: number;
  /** The one line on stderr, hint included; undefined: stderr must be empty. */
  line?: RegExp;
  stdout?: RegExp;
  /** A streaming command that narrates on stderr (warnings, progress) before its one error line. */
  narrates?: boolean;
  /** Send this signal once the output matches. */
  signal?: { name: 'SIGINT' | 'SIGTERM'; when: RegExp };
  /** A pod the case leaves on purpose (its hint says so): checked to exist, then removed. */
  leaves?: string;
  before?: () => Promise<void>;
}

let client: KubeClient;
let ns = '';
const work = tempDir('kube-lessons-exit-codes-');
const files: Record<string, string> = {};
let frozen: Server;
let frozenPort = 0;
const frozenSockets: Socket[] = [];
let releaseCrd = () => {};
let webhook = '';

/** A kubeconfig like the sandbox's, changed by `edit`; written once per name. */
function kubeconfigWith(name: string, edit: (raw: ReturnType<typeof rawKubeconfig> & Record<string, unknown>) => void): () => string {
  return () => {
    if (files[name]) return files[name];
    const raw = rawKubeconfig() as ReturnType<typeof rawKubeconfig> & Record<string, unknown>;
    edit(raw);
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, toYaml(raw));
    return (files[name] = file);
  };
}

const cluster0 = (raw: Record<string, unknown>) => (raw.clusters as { cluster: Record<string, unknown> }[])[0]!.cluster;
const users = (raw: Record<string, unknown>) => raw.users as { user: Record<string, unknown> }[];

const closed = kubeconfigWith('closed-port', (raw) => void (cluster0(raw).server = `https://127.0.0.1:${closedPortNumber}`));
const badPort = kubeconfigWith('bad-port', (raw) => void (cluster0(raw).server = 'https://127.0.0.1:6000'));
const wrongToken = kubeconfigWith('wrong-token', (raw) => users(raw).forEach((u) => (u.user.token = 'wrong-token-' + 'x'.repeat(20))));
const otherCa = kubeconfigWith(
  'other-ca',
  (raw) => void (cluster0(raw)['certificate-authority-data'] = Buffer.from(createCertificateAuthority('not-the-sandbox-ca').cert).toString('base64')),
);
const missingCa = kubeconfigWith('missing-ca', (raw) => {
  delete cluster0(raw)['certificate-authority-data'];
  cluster0(raw)['certificate-authority'] = join(work, 'gone', 'ca.crt');
});
const missingKey = kubeconfigWith('missing-key', (raw) => {
  const u = users(raw)[0]!.user;
  delete u.token;
  u['client-certificate'] = join(work, 'gone', 'client.crt');
  u['client-key'] = join(work, 'gone', 'client.key');
});
const frozenServer = kubeconfigWith('frozen', (raw) => void (cluster0(raw).server = `https://127.0.0.1:${frozenPort}`));
const malformed = () => {
  const file = join(work, 'malformed.yaml');
  writeFileSync(file, 'apiVersion: v1\nclusters: [ {name: a\nusers: :\n');
  return file;
};
let closedPortNumber = 0;

const nobody = () => ['--context', 'kube-lessons-sandbox-nobody'];
const inNs =
  (...args: string[]) =>
  () => [...args, '-n', ns];
const NO_CLUSTER_HINT = /\(hint: start the local sandbox with `kube-lessons sandbox up`, or point --kubeconfig at your cluster\)$/;
const noCluster = (cmd: string[]): Row => ({
  name: `no cluster configured: ${cmd.join(' ')} starts no sandbox`,
  args: () => cmd,
  cluster: 'none',
  code: ExitCode.config,
  line: new RegExp(
    `^error: (.*: )?no cluster configured: no --kubeconfig, no KUBECONFIG, no ~/\\.kube/config and no running sandbox ${NO_CLUSTER_HINT.source}`,
  ),
});

const ROWS: Row[] = [
  // 0: done
  { name: 'no arguments: help on stdout', args: () => [], code: ExitCode.ok, stdout: /^Usage: kube-lessons/ },
  {
    name: "kubectl's -o=json -n=NS -l=SEL spellings",
    args: () => ['list-nodes', '-o=json', '-n=kube-system', '-l=type=kwok'],
    code: ExitCode.ok,
    stdout: /"kind": "List"[\s\S]*"kwok-node-1"/,
  },
  { name: '--no-headers drops the header row', args: () => ['list-nodes', '--no-headers'], code: ExitCode.ok, stdout: /^kwok-node-1\s+(amd64|arm64)\s+/ },
  {
    name: 'delete-pod --ignore-not-found of a missing pod prints nothing',
    args: inNs('delete-pod', 'nosuch', '--ignore-not-found'),
    code: ExitCode.ok,
    stdout: /^$/,
  },
  // 1: anything else
  {
    name: 'watch from a resourceVersion the server no longer keeps (410)',
    // Events bypass the API server's watch cache: from an old version the watch goes to etcd, compacted here.
    before: compactEtcd,
    args: inNs('watch', 'events', '--resource-version', '1', '--timeout', '20s'),
    code: ExitCode.failure,
    line: /^error: watch events: resourceVersion 1 is too old \(410 Gone, reason Expired\).*\(hint: list again and watch from the new list/,
  },
  // 2: usage
  {
    name: 'unknown option',
    args: () => ['list-nodes', '--bogus'],
    code: ExitCode.usage,
    line: /^error: unknown option '--bogus' \(hint: see `kube-lessons list-nodes --help`\)$/,
  },
  {
    name: 'an option misspelt gets a suggestion',
    args: () => ['list-nodes', '--selectr', 'a=b'],
    code: ExitCode.usage,
    line: /^error: unknown option '--selectr' \(hint: did you mean --selector\? see `kube-lessons list-nodes --help`\)$/,
  },
  {
    name: 'extra argument',
    args: () => ['list-nodes', 'extra-arg'],
    code: ExitCode.usage,
    line: /^error: too many arguments for 'list-nodes'.*\(hint: see `kube-lessons list-nodes --help`\)$/,
  },
  {
    name: 'missing argument',
    args: () => ['trace'],
    code: ExitCode.usage,
    line: /^error: missing required argument 'verb' \(hint: see `kube-lessons trace --help`\)$/,
  },
  {
    name: 'two pod names',
    args: () => ['delete-pod', 'a', 'b'],
    code: ExitCode.usage,
    line: /^error: too many arguments for 'delete-pod'.*\(hint: see `kube-lessons delete-pod --help`\)$/,
  },
  {
    name: 'unknown controller subcommand',
    args: () => ['controller', 'nosuch'],
    code: ExitCode.usage,
    line: /^error: unknown command 'nosuch' \(hint: see `kube-lessons controller --help`\)$/,
  },
  {
    name: 'unknown sandbox subcommand',
    args: () => ['sandbox', 'nosuch'],
    code: ExitCode.usage,
    line: /^error: unknown command 'nosuch' \(hint: see `kube-lessons sandbox --help`\)$/,
  },
  {
    name: 'sandbox without a subcommand',
    args: () => ['sandbox'],
    code: ExitCode.usage,
    line: /^error: `kube-lessons sandbox` needs a subcommand: up, build, down, status, env \(hint: see `kube-lessons sandbox --help`\)$/,
  },
  {
    name: 'verify outside an exercise workspace',
    args: () => ['verify'],
    cluster: 'none',
    code: ExitCode.usage,
    line: /^error: no exercise workspace here \(hint: create one with `npx kube-lessons exercise init`, then run this inside kube-lessons-exercises\/\)$/,
  },
  { name: 'unknown command', args: () => ['nosuch'], code: ExitCode.usage, line: /^error: unknown command 'nosuch' \(hint: see `kube-lessons --help`\)$/ },
  {
    name: 'an -o value that does not exist',
    args: () => ['-o', 'bogus', 'list-nodes'],
    code: ExitCode.usage,
    line: /^error: option '-o, --output <format>' argument 'bogus' is invalid\. Allowed choices are table, wide, json, yaml, name \(hint: see `kube-lessons --help`\)$/,
  },
  {
    name: 'a duration that is not one',
    args: inNs('create-pod', '--timeout', 'soon'),
    code: ExitCode.usage,
    line: /^error: invalid duration "soon" \(hint: write it like 30s/,
  },
  {
    name: 'a label without =',
    args: inNs('create-pod', '--label', 'novalue'),
    code: ExitCode.usage,
    line: /^error: --label "novalue" is not key=value \(hint: for example --label app=web\)$/,
  },
  {
    name: '--wait with --dry-run',
    args: inNs('create-pod', '--wait', '--dry-run'),
    code: ExitCode.usage,
    line: /^error: --wait cannot follow a --dry-run pod.*\(hint: drop one of the two flags\)$/,
  },
  {
    name: 'sandbox up --nodes 0 starts nothing',
    args: () => ['sandbox', 'up', '--nodes', '0'],
    cluster: 'none',
    code: ExitCode.usage,
    line: /^error: --nodes must be a whole number from 1 to 50, not "0" \(hint: for example --nodes 3\)$/,
  },
  {
    name: 'completion for an unknown shell',
    args: () => ['completion', 'tcsh'],
    code: ExitCode.usage,
    line: /^error: command-argument value 'tcsh' is invalid for argument 'shell'.*\(hint: see `kube-lessons completion --help`\)$/,
  },
  // 3: nothing usable to talk to; no surprise sandbox
  noCluster(['list-nodes']),
  noCluster(['create-pod']),
  noCluster(['informer', 'pods']),
  noCluster(['watch', 'pods']),
  noCluster(['trace', 'list', 'nodes']),
  noCluster(['controller', 'install']),
  {
    ...noCluster(['doctor']),
    line: /^error: doctor: kubeconfig, api server failed \(hint: start the local sandbox with `kube-lessons sandbox up`/,
    stdout: /✗ kubeconfig\s+no cluster configured/,
  },
  {
    name: 'sandbox env with no sandbox',
    args: () => ['sandbox', 'env'],
    cluster: 'none',
    code: ExitCode.config,
    line: /^error: no sandbox is running \(state folder .*\) \(hint: start one with `kube-lessons sandbox up`\)$/,
  },
  {
    name: 'sandbox status with no sandbox',
    args: () => ['sandbox', 'status'],
    cluster: 'none',
    code: ExitCode.config,
    line: /^error: no sandbox is running \(state folder .*\) \(hint: start one with `kube-lessons sandbox up`\)$/,
  },
  {
    name: '--kubeconfig naming no file',
    args: () => ['--kubeconfig', join(work, 'nope.yaml'), 'list-nodes'],
    cluster: 'none',
    code: ExitCode.config,
    line: /^error: kubeconfig file .*nope\.yaml \(from --kubeconfig\) does not exist \(hint: check the path/,
  },
  {
    name: '--kubeconfig naming a folder',
    args: () => ['--kubeconfig', join(work, 'dot-kube'), 'list-nodes'],
    cluster: 'none',
    before: async () => void mkdirSync(join(work, 'dot-kube'), { recursive: true }),
    code: ExitCode.config,
    line: /^error: kubeconfig .* \(from --kubeconfig\) is a folder, not a file \(hint: name the kubeconfig file itself, not its folder: kubectl's own is ~\/\.kube\/config\)$/,
  },
  {
    name: 'a malformed kubeconfig',
    args: () => ['list-nodes'],
    cluster: malformed,
    code: ExitCode.config,
    line: /^error: kubeconfig .*malformed\.yaml is not valid YAML: .*\(hint: fix the file/,
  },
  {
    name: 'an unknown --context',
    args: () => ['--context', 'no-such-context', 'list-nodes'],
    code: ExitCode.config,
    line: /^error: context "no-such-context" not found in kubeconfig \(hint: known contexts: kube-lessons-sandbox, kube-lessons-sandbox-nobody\)$/,
  },
  {
    name: 'certificate-authority file missing',
    args: () => ['list-nodes'],
    cluster: missingCa,
    code: ExitCode.config,
    line: /^error: certificate-authority file .*gone\/ca\.crt of cluster "kube-lessons-sandbox" does not exist \(kubeconfig .*\) \(hint: fix the certificate-authority path in the kubeconfig, or put the content inline with certificate-authority-data\)$/,
  },
  {
    name: 'client-certificate file missing',
    args: () => ['informer', 'pods'],
    cluster: missingKey,
    code: ExitCode.config,
    line: /^error: client-certificate file .*gone\/client\.crt of user "kube-lessons-admin" does not exist .*\(hint: fix the client-certificate path/,
  },
  // 4: unreachable
  {
    name: 'nothing listens on the port',
    args: () => ['list-nodes'],
    cluster: closed,
    code: ExitCode.unreachable,
    line: /^error: list nodes: cannot reach https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) \(hint: the sandbox is not running: start it with `kube-lessons sandbox up`\)$/,
  },
  {
    // fetch refuses the Fetch standard's "bad ports"; the HTTP/2 transport tries them as kubectl does.
    name: 'port 6000, which fetch would refuse, is tried like any other',
    args: () => ['list-nodes'],
    cluster: badPort,
    code: ExitCode.unreachable,
    line: /^error: list nodes: cannot reach https:\/\/127\.0\.0\.1:6000 \(ECONNREFUSED\)/,
  },
  {
    name: 'doctor against a closed port',
    args: () => ['doctor'],
    cluster: closed,
    code: ExitCode.unreachable,
    line: /^error: doctor: api server failed \(hint: nothing answers at https:\/\/127\.0\.0\.1:\d+: start the local sandbox with `kube-lessons sandbox up`/,
    stdout: /✗ api server/,
  },
  {
    name: 'an informer that never synced: unreachable',
    narrates: true,
    args: () => ['informer', 'pods', '--timeout', '2s'],
    cluster: closed,
    code: ExitCode.unreachable,
    line: /^error: inform on pods: cannot reach .*\(ECONNREFUSED\)/,
  },
  // 5: TLS
  {
    name: "the server's certificate is not from the kubeconfig's CA",
    args: () => ['list-nodes'],
    cluster: otherCa,
    code: ExitCode.tls,
    line: /^error: list nodes: TLS handshake with https:\/\/127\.0\.0\.1:\d+ failed \(\w+\) \(hint: the server's certificate does not match the kubeconfig's certificate-authority/,
  },
  // 6, 7: 401, 403
  {
    name: 'a wrong token',
    args: () => ['list-nodes'],
    cluster: wrongToken,
    code: ExitCode.unauthorized,
    line: /^error: list nodes: unauthorized \(401\).*\(hint: the token or certificate is wrong or expired/,
  },
  {
    name: 'an informer that never synced: 401',
    narrates: true,
    args: () => ['informer', 'pods', '--timeout', '3s'],
    cluster: wrongToken,
    code: ExitCode.unauthorized,
    line: /^error: inform on pods: unauthorized \(401\)/,
  },
  {
    name: 'RBAC says no to list nodes',
    args: () => [...nobody(), 'list-nodes'],
    code: ExitCode.forbidden,
    line: /^error: list nodes: forbidden \(403\): user "kube-lessons-nobody" may not list nodes \(cluster-wide\) \(hint: RBAC denied it/,
  },
  {
    name: 'RBAC says no to create a pod, and none is made',
    args: () => [...nobody(), 'create-pod', '-n', ns],
    code: ExitCode.forbidden,
    line: /^error: create pod my-pod: forbidden \(403\): user "kube-lessons-nobody" may not create pods in namespace/,
  },
  {
    name: 'an informer that never synced: 403',
    narrates: true,
    args: () => [...nobody(), 'informer', 'pods', '-n', ns, '--timeout', '3s'],
    code: ExitCode.forbidden,
    line: /^error: inform on pods: forbidden \(403\): user "kube-lessons-nobody" may not list pods in namespace/,
  },
  // 8, 9, 10: not found, conflict, invalid
  {
    name: 'delete a pod that is not there',
    args: inNs('delete-pod', 'nosuch'),
    code: ExitCode.notFound,
    line: /^error: delete pod nosuch: pods "nosuch" not found \(404\).*\(hint: check the name and namespace/,
  },
  {
    name: 'get a pod that is not there',
    args: inNs('trace', 'get', 'pods', 'nosuch'),
    code: ExitCode.notFound,
    line: /not found \(404\).*\(hint: check the name and namespace/,
  },
  {
    name: 'create a pod that exists',
    before: async () =>
      void (await client.request({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/pods`,
        body: { metadata: { name: 'twice' }, spec: { containers: [{ name: 'c', image: 'httpd:alpine' }] } },
      })),
    args: inNs('create-pod', '--name', 'twice'),
    code: ExitCode.conflict,
    line: /^error: create pod: pod "twice" already exists in namespace "exit-codes-\w+" \(409 AlreadyExists\) \(hint: delete it with `kube-lessons delete-pod twice -n exit-codes-\w+`, or pick another --name\)$/,
    leaves: 'twice',
  },
  {
    name: 'an invalid pod name',
    args: inNs('create-pod', '--name', 'Bad_Name'),
    code: ExitCode.invalid,
    line: /^error: create pod Bad_Name: invalid Pod "Bad_Name" \(422\): metadata\.name: .*\(hint: fix the fields named above\)$/,
  },
  {
    name: 'an invalid label key',
    args: inNs('create-pod', '--label', 'bad key!=x'),
    code: ExitCode.invalid,
    line: /^error: create pod my-pod: invalid Pod "my-pod" \(422\): metadata\.labels: .*\(hint: fix the fields named above\)$/,
  },
  // 11: timed out
  {
    name: 'an Unschedulable pod is waited for, then times out with its last condition',
    args: inNs('create-pod', '--name', 'nowhere', '--node-selector', 'disktype=ssd', '--wait', '--timeout', '3s'),
    code: ExitCode.timeout,
    line: /^error: pod "nowhere" did not reach Running within 3s \(last: phase Pending, PodScheduled=False Unschedulable: 0\/3 nodes are available: .*\) \(hint: it still exists: watch it with `kubectl get pod nowhere -n \S+ -w`, or remove it with `kube-lessons delete-pod nowhere -n \S+`\)$/,
    leaves: 'nowhere',
  },
  {
    name: 'a server that never answers, with --request-timeout',
    args: () => ['--request-timeout', '1s', 'list-nodes'],
    cluster: frozenServer,
    code: ExitCode.timeout,
    line: /^error: list nodes: timed out talking to https:\/\/127\.0\.0\.1:\d+ \(hint: check the server is up and reachable, or raise --request-timeout\)$/,
  },
  // 12: the server failed
  {
    name: 'an admission webhook the server cannot call: 500',
    before: async () => void (webhook = await brokenWebhook(client, ns)),
    args: inNs('create-pod', '--name', 'webhooked'),
    code: ExitCode.serverError,
    line: /^error: create pod webhooked: server error \(500\): Internal error occurred: failed calling webhook .* \(hint: the API server failed; check its health with `kube-lessons doctor`\)$/,
  },
  // 130, 143: signals
  {
    name: 'Ctrl-C stops a watch',
    args: inNs('watch', 'pods'),
    code: ExitCode.interrupted,
    line: /^interrupted$/,
    signal: { name: 'SIGINT', when: /initial-events-end|watching from/ },
  },
  {
    name: 'SIGTERM stops an informer',
    args: inNs('informer', 'pods'),
    code: ExitCode.terminated,
    line: /^terminated$/,
    signal: { name: 'SIGTERM', when: /cache synced/ },
  },
  {
    name: 'Ctrl-C stops controller run (after it drains)',
    before: async () => void (releaseCrd = await useFooCrd()),
    args: inNs('controller', 'run'),
    code: ExitCode.interrupted,
    line: /^interrupted$/,
    signal: { name: 'SIGINT', when: /Ctrl-C stops/ },
  },
  {
    name: 'SIGTERM stops controller run',
    args: inNs('controller', 'run'),
    code: ExitCode.terminated,
    line: /^terminated$/,
    signal: { name: 'SIGTERM', when: /Ctrl-C stops/ },
  },
  {
    name: 'Ctrl-C stops learn',
    args: () => ['learn', '--yes'],
    code: ExitCode.interrupted,
    line: /^interrupted$/,
    signal: { name: 'SIGINT', when: /Lesson 1|lesson 1/ },
  },
];

/** Runs the built CLI in `cwd` with `env`, sending a signal once the output matches. */
function run(args: string[], env: NodeJS.ProcessEnv, cwd: string, signal?: Row['signal']): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const check = () => {
      if (signal && !sent && signal.when.test(stdout + stderr)) {
        sent = true;
        child.kill(signal.name);
      }
    };
    child.stdout.on('data', (d) => ((stdout += d), check()));
    child.stderr.on('data', (d) => ((stderr += d), check()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(killer);
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
  });
}

async function brokenWebhook(c: KubeClient, namespace: string): Promise<string> {
  const name = `kube-lessons-broken-${namespace}`;
  await c.request({
    method: 'POST',
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    body: {
      metadata: { name },
      webhooks: [
        {
          name: 'broken.kube-lessons.test',
          clientConfig: { service: { namespace: 'default', name: 'no-such-service', path: '/validate' } },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          failurePolicy: 'Fail',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 2,
        },
      ],
    },
  });
  return name;
}

function assertRow(row: Row, r: { code: number; stdout: string; stderr: string }): void {
  const errLines = r.stderr.trimEnd() ? r.stderr.trimEnd().split('\n') : [];
  assert.equal(r.code, row.code, `exit code; stderr:\n${r.stderr}`);
  if (row.line) {
    // Streaming commands narrate on stderr before they stop; the error (or interruption) is one line, the last.
    const errors = row.signal || row.narrates ? errLines.filter((l) => /^(error|interrupted|terminated)/.test(l)) : errLines;
    assert.equal(errors.length, 1, `exactly one line on stderr:\n${r.stderr}`);
    assert.equal(errors[0], errLines.at(-1));
    assert.match(errors[0]!, row.line);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } else {
    assert.equal(r.stderr, '', 'nothing on stderr');
  }
  if (row.stdout) assert.match(r.stdout, row.stdout);
  for (const t of tokens()) assert.ok(!r.stdout.includes(t) && !r.stderr.includes(t), 'no credential printed');
}

/** Compacts the sandbox's etcd up to its current revision, as the API server does every 5 minutes. */
async function compactEtcd(): Promise<void> {
  const state = sandboxState();
  const range = await etcdPost<{ header: { revision: string } }>(state, '/v3/kv/range', { key: Buffer.from('/').toString('base64') });
  const compact = await etcdPost(state, '/v3/kv/compaction', { revision: range.body.header.revision, physical: true });
  assert.equal(compact.status, 200);
}

async function podNames(): Promise<string[]> {
  const { body } = await client.request<{ items: { metadata: { name: string } }[] }>({ path: `/api/v1/namespaces/${ns}/pods` });
  return body.items.map((p) => p.metadata.name);
}

describe('exit codes: one row per case and per README row', () => {
  before(async () => {
    client = await testClient();
    ns = await createTestNamespace(client, 'exit-codes');
    closedPortNumber = await closedPort();
    frozen = createServer((s) => void frozenSockets.push(s)); // accepts, then never says a word
    await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
    frozenPort = (frozen.address() as { port: number }).port;
  });
  after(async () => {
    releaseCrd();
    if (webhook)
      await client
        .request({ method: 'DELETE', path: `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${webhook}` })
        .catch(() => undefined);
    for (const s of frozenSockets) s.destroy();
    frozen.close();
    await deleteNamespace(client, ns);
    rmSync(work, { recursive: true, force: true });
  });

  it('covers every code of the README table with at least 40 rows', () => {
    assert.ok(ROWS.length >= 40, `${ROWS.length} rows`);
    const codes = new Set(ROWS.map((r) => r.code));
    for (const code of Object.values(ExitCode)) assert.ok(codes.has(code), `a row for exit code ${code}`);
  });

  for (const row of ROWS) {
    it(`${row.code}: ${row.name}`, async () => {
      await row.before?.();
      // A fresh HOME, working folder and XDG folders per row: whatever the CLI writes there is left behind.
      const home = mkdtempSync(join(work, 'home-'));
      mkdirSync(join(home, 'cwd'));
      const sandboxDir = join(home, 'sandbox');
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        HOME: home,
        XDG_STATE_HOME: join(home, 'state'),
        XDG_CACHE_HOME: join(home, 'cache'),
        XDG_CONFIG_HOME: join(home, 'config'),
        KUBE_LESSONS_SANDBOX_DIR: sandboxDir,
        KUBE_LESSONS_NO_AUTO_SANDBOX: '1',
      };
      const clusterArgs =
        row.cluster === 'none' ? [] : ['--kubeconfig', row.cluster === undefined || row.cluster === 'sandbox' ? sandboxState().kubeconfig : row.cluster()];
      const r = await run([...clusterArgs, ...row.args()], env, join(home, 'cwd'), row.signal);
      try {
        assertRow(row, r);
        // Nothing left behind: no sandbox, no file, no pod (but the one the case says it leaves, which its hint names).
        // Caches under cache/kube-lessons (parsed kubeconfigs, compiled code) are any run's to write, but not a
        // sandbox (its binaries or state); learn keeps its progress under config.
        const cache = join('cache', 'kube-lessons');
        const written = (readdirSync(home, { recursive: true }) as string[]).filter(
          (f) =>
            !f.startsWith('cwd') &&
            f !== 'cache' &&
            !(f.startsWith(cache) && !f.startsWith(join(cache, 'sandbox'))) &&
            !(row.args()[0] === 'learn' && f.startsWith('config')),
        );
        assert.deepEqual(written, [], 'no file or sandbox written under HOME or XDG folders');
        assert.deepEqual(readdirSync(join(home, 'cwd')), [], 'no file in the working folder');
        assert.deepEqual(await podNames(), row.leaves ? [row.leaves] : [], 'no pod left in the namespace but the one the hint names');
      } finally {
        // Whatever happened, the next row starts from an empty namespace.
        for (const pod of await podNames())
          await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod}`, body: { gracePeriodSeconds: 0 } });
        await waitUntil('an empty namespace', async () => (await podNames()).length === 0);
        if (webhook) {
          await client.request({ method: 'DELETE', path: `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${webhook}` });
          webhook = '';
        }
      }
    });
  }
});
