/**
 * The sandbox: a real control plane on 127.0.0.1 (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) plus kwok, whose fake nodes run pods for real as far as the API can tell. `up` builds the
 * binaries on first use, picks free ports (so several sandboxes can run at once), starts each component
 * detached with its log in the state folder, waits for health, creates the nodes and writes a kubeconfig.
 * A failed `up` stops what it started. `down` stops only the pids it recorded, and removes the state.
 * Locked down for a shared machine: the state folder is the owner's alone (0700), every port is on
 * 127.0.0.1, and etcd speaks only TLS to clients holding a certificate of the sandbox's own CA (certs.ts).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch } from 'undici';
import { stringify as toYaml } from 'yaml';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { registerSecret } from '../core/redact.ts';
import { ensureBinaries, type BuildLog, type ProgressListener } from './build.ts';
import { createCertificateAuthority } from './certs.ts';
import { fakeNode } from './nodes.ts';
import { binaryStamp, captureSeed, loadSeed, plantSeed, saveSeed, seedFile } from './seed.ts';
import { canListen, failedToBind, freePort, isOurProcess, logSize, pollIntervals, startProcess, stopProcess, tail } from './processes.ts';
import {
  COMPONENTS,
  readState,
  SANDBOX_CONTEXT,
  SANDBOX_NOBODY_CONTEXT,
  sandboxDir,
  writeState,
  type Component,
  type ComponentState,
  type EtcdClientFiles,
  type SandboxState,
} from './state.ts';
import { loadVersions, SANDBOX_ASSETS } from './versions.ts';

export interface UpOptions {
  dir?: string;
  nodes?: number;
  log?: BuildLog;
  signal?: AbortSignal;
  /** Follows the binaries' build, when they have to be built first. */
  onBuildProgress?: ProgressListener;
  /** More command-line arguments per component (the benchmark raises the controller-manager's request limit). */
  extraArgs?: Partial<Record<Component, string[]>>;
  /** Where listening ports come from (default: freePort); a test hands out taken ones to see the retry. */
  pickPort?: () => Promise<number>;
  /**
   * The file of bootstrap objects (seed.ts) planted in etcd, or saved at the end when missing or stale: by default
   * the one in the binaries' cache folder; false for neither (the API server bootstraps from scratch).
   */
  seed?: string | false;
}

interface Secrets {
  adminToken: string;
  nobodyToken: string;
}

const START_TIMEOUT_MS = 90_000;
/** How long kube-apiserver's RBAC and priority-class bootstrap hooks wait before their first try (wait.Poll's interval). */
const BOOTSTRAP_HOOK_DELAY_MS = 1000;
/** Starts of one component that may fail for a port taken between the pick and the bind. */
const START_ATTEMPTS = 3;

/** The kubeconfig of the default sandbox when it is up; undefined otherwise. */
export function runningSandboxKubeconfig(dir = sandboxDir()): string | undefined {
  const state = readState(dir);
  if (!state || !existsSync(state.kubeconfig)) return undefined;
  const api = state.components['kube-apiserver'];
  return api && isOurProcess(api) ? state.kubeconfig : undefined;
}

/**
 * Starts the sandbox and returns once lessons can use it ("up"): the API server is ready (/readyz, so its RBAC
 * bootstrap and system objects are in place), the controller-manager, the scheduler and kwok answer their
 * health checks, every node is Ready, and the `default` namespace has its service account (pods can be created
 * there). Steps that need nothing from each other run side by side: the scheduler and kwok start and the nodes
 * are created as soon as the API server serves, while it still bootstraps. The objects its bootstrap writes are
 * planted in etcd beforehand when a start-up of the same build has saved them (seed.ts), so its hooks only confirm
 * them. Each step is logged with the seconds since the start-up began, a timeline of where the time goes.
 */
export async function sandboxUp(opts: UpOptions = {}): Promise<SandboxState> {
  const log = opts.log ?? (() => {});
  const dir = opts.dir ?? sandboxDir();
  const existing = readState(dir);
  if (existing) {
    const health = await sandboxStatus(dir);
    if (health.every((c) => c.healthy)) {
      log(`sandbox already running (${existing.server})`);
      return existing;
    }
    log('found a stopped or broken sandbox; cleaning it up first');
    await sandboxDown(dir);
  }
  const versions = loadVersions();
  const bin = await ensureBinaries(versions, log, opts.signal, opts.onBuildProgress);
  const t0 = performance.now();
  // Not for an API server run with other flags (a test's): it may bootstrap other objects.
  const seedPath = opts.extraArgs?.['kube-apiserver']?.length ? false : opts.seed === undefined ? seedFile(versions) : opts.seed;
  const apiserverBuild = binaryStamp(join(bin, 'kube-apiserver'));
  const seed = seedPath ? loadSeed(seedPath, versions, apiserverBuild) : undefined;
  /** Logs a step of the start-up with the seconds since the binaries were there: the start-up's timeline. */
  const step = (what: string) => log(`${what} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  rmSync(dir, { recursive: true, force: true });
  // Tokens, keys and etcd's data (every Secret) live here: no other user may read or even list it.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const sub of ['logs', 'etcd', 'certs']) mkdirSync(join(dir, sub), { mode: 0o700 });

  const secrets: Secrets = { adminToken: randomBytes(24).toString('hex'), nobodyToken: randomBytes(24).toString('hex') };
  registerSecret(secrets.adminToken);
  registerSecret(secrets.nobodyToken);
  writeFileSync(
    join(dir, 'tokens.csv'),
    `${secrets.adminToken},kube-lessons-admin,uid-admin,"system:masters"\n${secrets.nobodyToken},kube-lessons-nobody,uid-nobody\n`,
    { mode: 0o600 },
  );
  // P-256 (ES256 tokens), as the certificates: an RSA key costs 60-300 ms of the start-up to generate.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const tls = writeCertificates(dir);
  step('keys and certificates written');

  const state: SandboxState = {
    name: dir.split('/').pop() ?? 'default',
    dir,
    versions,
    kubeconfig: join(dir, 'kubeconfig'),
    server: '',
    etcdUrl: '',
    etcdClient: tls.etcdClient,
    startedAt: new Date().toISOString(),
    components: {},
  };
  const pickPort = opts.pickPort ?? (() => freePort());
  const picked = new Set<number>();
  /** A port not handed out before in this start-up: two picks in a row may name the same free port. */
  const pick = async (): Promise<number> => {
    for (;;) {
      const port = await pickPort();
      if (picked.has(port)) continue;
      picked.add(port);
      return port;
    }
  };
  /**
   * Starts one component on ports picked just now and waits until it is healthy. `configure` picks the ports
   * it needs, records in the state what they decide (URLs) and returns the port to probe and the arguments. A
   * component that exits because another process bound one of its ports first is started again on new ones.
   */
  const launch = async (
    name: Component,
    configure: (pick: () => Promise<number>) => Promise<{ port: number; args: string[] }>,
    token?: string,
    until: Readiness = 'healthy',
  ): Promise<void> => {
    const logFile = join(dir, 'logs', `${name}.log`);
    const binary = join(bin, name);
    for (let attempt = 1; ; attempt++) {
      const { port, args } = await configure(pick);
      const allArgs = [...args, ...(opts.extraArgs?.[name] ?? [])];
      const offset = logSize(logFile);
      const started = { pid: startProcess(binary, allArgs, logFile, dir), port, binary, args: allArgs, log: logFile };
      state.components[name] = started;
      writeState(state);
      try {
        await waitHealthy(state, name, opts.signal, token, until);
        step(`${name} ${until} (pid ${started.pid}, port ${port})`);
        return;
      } catch (err) {
        if (attempt >= START_ATTEMPTS || !failedToBind(logFile, offset)) throw err;
        await stopProcess(started);
        log(`${name} could not bind its port; starting it again on another`);
      }
    }
  };
  /** A client of the API server that serves its health on one port of its own. */
  const launchOnPort = (name: Component, args: (port: number) => string[]) =>
    launch(name, async (next) => {
      const port = await next();
      return { port, args: args(port) };
    });

  try {
    await launch('etcd', async (next) => {
      const port = await next();
      const peer = await next();
      state.etcdUrl = `https://127.0.0.1:${port}`;
      return { port, args: etcdArgs(dir, port, peer) };
    });
    if (seed) {
      // Only a speed-up: what is not planted, the API server's hooks create.
      const agent = etcdAgent(state);
      await plantSeed(state.etcdUrl, agent, seed).then(
        () => step(`${seed.objects.length} bootstrap objects planted`),
        (err: Error) => log(`bootstrap objects not planted: ${err.message}`),
      );
      await agent.close();
    }
    await launch(
      'kube-apiserver',
      async (next) => {
        const port = await next();
        state.server = `https://127.0.0.1:${port}`;
        return { port, args: apiserverArgs(dir, state.etcdUrl, port) };
      },
      secrets.adminToken,
      'serving',
    );
    const ca = tls.ca;
    writeFileSync(state.kubeconfig, kubeconfigYaml(state.server, ca, secrets), { mode: 0o600 });
    const api = adminApi(state.server, ca, secrets.adminToken);
    const nodeCount = opts.nodes ?? 3;
    // Once it serves, the API server spends a second or more in its post-start hooks before /readyz passes (its
    // RBAC and priority-class bootstraps each wait a full second before their first try). The scheduler and kwok
    // start in that time: they act as system:masters, which needs no RBAC objects, and retry until it answers.
    // The nodes are created while their controller (kwok) starts: it takes them up when its informer lists them.
    const createNodes = () =>
      waitFor(`${nodeCount} nodes to be created`, opts.signal, async () => {
        await Promise.all(Array.from({ length: nodeCount }, (_, i) => api('POST', '/api/v1/nodes', fakeNode(i, versions.kubernetes))));
        return true;
      }).then(() => step(`${nodeCount} nodes created`));
    const launchControllerManager = () =>
      launchOnPort('kube-controller-manager', (port) => [
        ...controlPlaneClientArgs(dir, state.kubeconfig, port, 'kube-controller-manager'),
        '--service-account-private-key-file',
        join(dir, 'sa.key'),
        '--root-ca-file',
        join(dir, 'ca.crt'),
        '--use-service-account-credentials=false',
        `--controllers=${CONTROLLERS.join(',')}`,
        // At its start it lists and watches ~70 resources (its informers, the garbage collector's one per kind):
        // the default limits (20 requests/s, bursts of 30) make the service-account controller wait its turn.
        '--kube-api-qps=200',
        '--kube-api-burst=400',
      ]);
    const clients = await Promise.allSettled([
      // Not the controller-manager: it gives the API server 10 s to pass /healthz, checking once a second, and
      // exits when that runs out; started once the server is ready, it passes at the first check.
      // Its RBAC and priority-class hooks wait a second before their first try: checks start then, at short intervals.
      sleep(BOOTSTRAP_HOOK_DELAY_MS, undefined, { signal: opts.signal })
        .then(() => waitHealthy(state, 'kube-apiserver', opts.signal, secrets.adminToken, 'ready'))
        .then(() => step('kube-apiserver ready'))
        .then(launchControllerManager),
      createNodes(),
      launchOnPort('kube-scheduler', (port) => controlPlaneClientArgs(dir, state.kubeconfig, port, 'kube-scheduler')),
      launchOnPort('kwok', (port) => [
        '--kubeconfig',
        state.kubeconfig,
        '--manage-nodes-with-annotation-selector',
        'kwok.x-k8s.io/node=fake',
        '--cidr',
        '10.244.0.0/16',
        '--node-ip',
        '10.240.0.1',
        '--server-address',
        `127.0.0.1:${port}`,
        '--node-lease-duration-seconds',
        '40',
        '--config',
        join(SANDBOX_ASSETS, 'kwok-stages.yaml'),
      ]),
    ]);
    try {
      // All settle before a failure is thrown, so the clean-up below finds every process started.
      for (const c of clients) if (c.status === 'rejected') throw c.reason;
      // What lessons rely on once `up` returns: pods can be created in `default` (its service account, which the
      // controller-manager creates, exists) and scheduled onto Ready nodes (kwok marks them Ready).
      await Promise.all([
        waitFor(`${nodeCount} nodes Ready`, opts.signal, async () => {
          const nodes = (await api('GET', '/api/v1/nodes')) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
          return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodeCount;
        }).then(() => step(`${nodeCount} nodes Ready`)),
        waitFor('the default service account', opts.signal, () => api('GET', '/api/v1/namespaces/default/serviceaccounts/default').then(() => true)).then(() =>
          step('default service account created'),
        ),
      ]);
      // The first start-up of a build saves what its API server bootstrapped, for the next ones to plant; a seed
      // that cannot be saved (a read-only or full cache folder) only costs the next start-up its speed-up.
      if (seedPath && !seed)
        await captureSeed((path) => api('GET', path), versions, apiserverBuild)
          .then((captured) => {
            saveSeed(seedPath, captured);
            step(`${captured.objects.length} bootstrap objects saved for the next start-ups`);
          })
          .catch((err: Error) => log(`bootstrap objects not saved: ${err.message}`));
    } finally {
      await api.close();
    }
    log(`sandbox ready: ${state.server}, ${nodeCount} nodes; kubeconfig ${state.kubeconfig}`);
    return state;
  } catch (err) {
    await stopAll(state);
    rmSync(join(dir, 'state.json'), { force: true });
    // Stopped by the user, there is nothing to diagnose in the folder, and it holds keys, tokens and etcd's data:
    // it goes, but only while it is still this start-up's (its tokens), not one another `sandbox up` took over.
    // A failed start keeps it for its logs. The binaries are cached elsewhere (build.ts binDir).
    if (opts.signal?.aborted && ownTokens(dir, secrets.adminToken)) rmSync(dir, { recursive: true, force: true });
    // A start-up on a planted seed that failed (not one the user stopped) drops the seed: should the objects be
    // the cause, the next start-up bootstraps from scratch and saves them anew.
    if (seed && seedPath && !opts.signal?.aborted) rmSync(seedPath, { force: true });
    throw err;
  }
}

/** True while the folder's tokens.csv holds this token: the folder is the start-up's that wrote it. */
function ownTokens(dir: string, token: string): boolean {
  try {
    return readFileSync(join(dir, 'tokens.csv'), 'utf8').includes(token);
  } catch {
    return false;
  }
}

export async function sandboxDown(dir = sandboxDir(), log: BuildLog = () => {}): Promise<boolean> {
  const state = readState(dir);
  if (!state) {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    return false;
  }
  await stopAll(state, log);
  rmSync(dir, { recursive: true, force: true });
  return true;
}

async function stopAll(state: SandboxState, log: BuildLog = () => {}): Promise<void> {
  // Reverse start order: clients first, etcd last.
  for (const name of [...COMPONENTS].reverse()) {
    const c = state.components[name];
    if (!c) continue;
    await stopProcess(c);
    log(`stopped ${name} (pid ${c.pid})`);
  }
}

export interface ComponentStatus {
  component: Component;
  pid: number | undefined;
  port: number | undefined;
  running: boolean;
  healthy: boolean;
  detail: string;
}

export async function sandboxStatus(dir = sandboxDir()): Promise<ComponentStatus[]> {
  const state = readState(dir);
  if (!state) return [];
  const token = adminTokenOf(state);
  return Promise.all(
    COMPONENTS.map(async (name) => {
      const c = state.components[name];
      const running = Boolean(c && isOurProcess(c));
      const probe = running ? await probeHealth(state, name, token) : { ok: false, detail: c ? 'not running' : 'not started' };
      return { component: name, pid: c?.pid, port: c?.port, running, healthy: probe.ok, detail: probe.detail };
    }),
  );
}

/**
 * Stops a component and starts it again (tests use this to cut watches). `extraArgs` apply to this start only
 * (tests use them to switch a server feature off); the state keeps the component's own arguments. It keeps
 * its port, since clients hold its URL: when another process bound the port meanwhile, it waits for the port
 * to be free again and retries.
 */
export async function restartComponent(
  dir: string,
  name: Component,
  opts: { downMs?: number; beforeStart?: () => Promise<void>; extraArgs?: string[] } = {},
): Promise<void> {
  const state = readState(dir);
  const c = state?.components[name];
  if (!state || !c) throw new Error(`sandbox at ${dir} has no ${name}`);
  await stopProcess(c);
  if (opts.downMs) await sleep(opts.downMs);
  await opts.beforeStart?.();
  for (let attempt = 1; ; attempt++) {
    const offset = logSize(c.log);
    c.pid = startProcess(c.binary, [...c.args, ...(opts.extraArgs ?? [])], c.log, dir);
    writeState(state);
    try {
      await waitHealthy(state, name, undefined, adminTokenOf(state));
      return;
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !failedToBind(c.log, offset)) throw err;
      await stopProcess(c);
      await waitFor(`port ${c.port} to be free again for ${name}`, undefined, () => canListen(c.port));
    }
  }
}

export function adminTokenOf(state: SandboxState): string {
  const line = readFileSync(join(state.dir, 'tokens.csv'), 'utf8').split('\n')[0]!;
  return line.split(',')[0]!;
}

/**
 * One CA for the sandbox signs etcd's certificate (server, and peer), the client certificate kube-apiserver
 * (and the sandbox's own probes) present to etcd, kube-apiserver's serving certificate and the CERT_USER's
 * client certificate, so a kubeconfig, etcd and the API server trust the same ca.crt. Keys are written 0600;
 * the CA's key is not written at all.
 */
function writeCertificates(dir: string): { ca: string; etcdClient: EtcdClientFiles } {
  const ca = createCertificateAuthority('kube-lessons-sandbox-ca');
  const files = (name: string, issued: { cert: string; key: string }) => {
    const cert = join(dir, 'certs', `${name}.crt`);
    const key = join(dir, 'certs', `${name}.key`);
    writeFileSync(cert, issued.cert);
    writeFileSync(key, issued.key, { mode: 0o600 });
    return { cert, key };
  };
  writeFileSync(join(dir, 'ca.crt'), ca.cert);
  files('etcd', ca.issue({ commonName: 'etcd', hosts: ['127.0.0.1', 'localhost'], usage: ['server', 'client'] }));
  files('apiserver', ca.issue({ commonName: 'kube-apiserver', hosts: APISERVER_HOSTS, usage: ['server'] }));
  // Without one, the controller-manager and the scheduler each generate two RSA keys at start-up.
  for (const name of ['kube-controller-manager', 'kube-scheduler'])
    files(name, ca.issue({ commonName: name, hosts: ['127.0.0.1', 'localhost'], usage: ['server'] }));
  const client = files('etcd-client', ca.issue({ commonName: 'kube-apiserver-etcd-client', usage: ['client'] }));
  // A user who signs in with a client certificate (kubeconfig client-certificate/client-key), as kind's admin
  // does; RBAC grants it nothing, so it shows who the server took it for and no more.
  files(CERT_USER, ca.issue({ commonName: CERT_USER, usage: ['client'] }));
  return { ca: ca.cert, etcdClient: { ca: join(dir, 'ca.crt'), ...client } };
}

/** The user of the client certificate in `certs/` (CERT_USER.crt and .key), for trying certificate sign-in. */
export const CERT_USER = 'kube-lessons-cert-user';

/** The names a client may use for the API server: loopback, and the in-cluster Service. */
const APISERVER_HOSTS = [
  '127.0.0.1',
  'localhost',
  '10.96.0.1',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

/** A connection pool to the sandbox's etcd that presents its client certificate; close it when done. */
export function etcdAgent(state: Pick<SandboxState, 'etcdClient'>): Agent {
  const f = state.etcdClient;
  return new Agent({ connect: { ca: readFileSync(f.ca), cert: readFileSync(f.cert), key: readFileSync(f.key) } });
}

function etcdArgs(dir: string, port: number, peer: number): string[] {
  const certs = join(dir, 'certs');
  return [
    '--name',
    'sandbox',
    '--data-dir',
    join(dir, 'etcd'),
    '--listen-client-urls',
    `https://127.0.0.1:${port}`,
    '--advertise-client-urls',
    `https://127.0.0.1:${port}`,
    '--listen-peer-urls',
    `https://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls',
    `https://127.0.0.1:${peer}`,
    '--initial-cluster',
    `sandbox=https://127.0.0.1:${peer}`,
    '--cert-file',
    join(certs, 'etcd.crt'),
    '--key-file',
    join(certs, 'etcd.key'),
    '--client-cert-auth',
    '--trusted-ca-file',
    join(dir, 'ca.crt'),
    '--peer-cert-file',
    join(certs, 'etcd.crt'),
    '--peer-key-file',
    join(certs, 'etcd.key'),
    '--peer-client-cert-auth',
    '--peer-trusted-ca-file',
    join(dir, 'ca.crt'),
    // A throwaway cluster: writes are not flushed to disk, so a machine crash (not a process crash) can lose or
    // corrupt the last writes; the next `up` starts from an empty folder anyway.
    '--unsafe-no-fsync',
    // A single member elects itself after the election timeout: 100 ms instead of the default second.
    '--heartbeat-interval=10',
    '--election-timeout=100',
    '--quota-backend-bytes',
    String(4 * 1024 ** 3),
  ];
}

/**
 * The controller-manager's controllers that lessons, exercises, tests and benches rely on; the others (jobs,
 * volumes, quotas, certificates...) would only add start-up work: about a third of its CPU.
 */
const CONTROLLERS = [
  // Deployments make ReplicaSets, which make pods.
  'deployment-controller',
  'replicaset-controller',
  // Deletes dependents through ownerReferences (a Foo's Deployment, a Deployment's ReplicaSets and pods).
  'garbage-collector-controller',
  // Empties and removes a namespace being deleted.
  'namespace-controller',
  // The `default` service account in every namespace (pods need it), token Secrets, and the CA bundle
  // (kube-root-ca.crt) that every pod's service-account volume names.
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  // Fills the aggregated ClusterRoles (admin, edit, view) with their rules.
  'clusterrole-aggregation-controller',
  // A Service's Endpoints and EndpointSlices, listing its pods.
  'endpoints-controller',
  'endpointslice-controller',
  // Nodes that stop renewing their lease turn NotReady and get tainted; their pods are evicted, and pods
  // bound to deleted nodes are removed, as in a real cluster.
  'node-lifecycle-controller',
  'taint-eviction-controller',
  'pod-garbage-collector-controller',
];

/** What the controller-manager and the scheduler share: the API server, no leader election, health on loopback. */
function controlPlaneClientArgs(dir: string, kubeconfig: string, port: number, name: Component): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--tls-cert-file',
    join(dir, 'certs', `${name}.crt`),
    '--tls-private-key-file',
    join(dir, 'certs', `${name}.key`),
  ];
}

function apiserverArgs(dir: string, etcdUrl: string, port: number): string[] {
  return [
    '--etcd-servers',
    etcdUrl,
    '--etcd-cafile',
    join(dir, 'ca.crt'),
    '--etcd-certfile',
    join(dir, 'certs', 'etcd-client.crt'),
    '--etcd-keyfile',
    join(dir, 'certs', 'etcd-client.key'),
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    '--tls-cert-file',
    join(dir, 'certs', 'apiserver.crt'),
    '--tls-private-key-file',
    join(dir, 'certs', 'apiserver.key'),
    '--authorization-mode=Node,RBAC',
    // Client certificates signed by the sandbox's CA sign in as their common name.
    '--client-ca-file',
    join(dir, 'ca.crt'),
    '--token-auth-file',
    join(dir, 'tokens.csv'),
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-account-key-file',
    join(dir, 'sa.pub'),
    '--service-account-signing-key-file',
    join(dir, 'sa.key'),
    '--service-cluster-ip-range=10.96.0.0/16',
    '--allow-privileged=true',
    // The default reconciler would publish 127.0.0.1 as the kubernetes Service endpoint, which validation rejects.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
  ];
}

function kubeconfigYaml(server: string, ca: string, secrets: Secrets): string {
  const caData = Buffer.from(ca).toString('base64');
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: SANDBOX_CONTEXT, cluster: { server, 'certificate-authority-data': caData } }],
    users: [
      { name: 'kube-lessons-admin', user: { token: secrets.adminToken } },
      { name: 'kube-lessons-nobody', user: { token: secrets.nobodyToken } },
    ],
    contexts: [
      { name: SANDBOX_CONTEXT, context: { cluster: SANDBOX_CONTEXT, user: 'kube-lessons-admin', namespace: 'default' } },
      { name: SANDBOX_NOBODY_CONTEXT, context: { cluster: SANDBOX_CONTEXT, user: 'kube-lessons-nobody', namespace: 'default' } },
    ],
    'current-context': SANDBOX_CONTEXT,
  });
}

function adminApi(server: string, ca: string, token: string) {
  const dispatcher = new Agent({ connect: { ca } });
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(server + path, {
      method,
      dispatcher,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok && !(method === 'POST' && res.status === 409)) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return Object.assign(call, { close: () => dispatcher.close() });
}

const insecureLoopback = new Agent({ connect: { rejectUnauthorized: false } });

/**
 * How far a start-up check waits: 'serving' (any HTTP answer: the API server listens and runs its post-start
 * hooks), 'ready' (the API server's /readyz passes) or 'healthy' (the component's own health check passes).
 */
type Readiness = 'serving' | 'ready' | 'healthy';

interface Probe {
  ok: boolean;
  /** The component answered over HTTP, whatever the status. */
  answered: boolean;
  detail: string;
}

async function probeHealth(state: SandboxState, name: Component, token?: string): Promise<Probe> {
  const c = state.components[name];
  if (!c) return { ok: false, answered: false, detail: 'not started' };
  const urls: Record<Component, string> = {
    etcd: `${state.etcdUrl}/health`,
    'kube-apiserver': `${state.server}/readyz`,
    'kube-controller-manager': `https://127.0.0.1:${c.port}/healthz`,
    'kube-scheduler': `https://127.0.0.1:${c.port}/healthz`,
    kwok: `http://127.0.0.1:${c.port}/healthz`,
  };
  // etcd answers only clients with a certificate; the others' serving certificates are self-signed on the spot.
  const etcd = name === 'etcd' ? etcdAgent(state) : undefined;
  try {
    const res = await fetch(urls[name], {
      dispatcher: etcd ?? insecureLoopback,
      headers: token && name === 'kube-apiserver' ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(3000),
    });
    const text = (await res.text()).trim();
    return {
      ok: res.ok,
      answered: true,
      detail: res.ok ? 'healthy' : `HTTP ${res.status} ${text.split('\n').find((l) => l.startsWith('[-]')) ?? ''}`.trim(),
    };
  } catch (err) {
    return { ok: false, answered: false, detail: (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message };
  } finally {
    await etcd?.close();
  }
}

async function waitHealthy(state: SandboxState, name: Component, signal?: AbortSignal, token?: string, until: Readiness = 'healthy'): Promise<void> {
  const c = state.components[name] as ComponentState;
  const deadline = Date.now() + START_TIMEOUT_MS;
  const interval = pollIntervals();
  let last = '';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (!isOurProcess(c)) {
      throw new UserFacingError(
        `sandbox: ${name} exited during start-up; last lines of ${c.log}:\n${tail(c.log)}`,
        'fix the cause above, then run `kube-lessons sandbox up` again',
        ExitCode.failure,
      );
    }
    const probe = await probeHealth(state, name, token);
    if (probe.ok || (until === 'serving' && probe.answered)) return;
    last = probe.detail;
    await sleep(interval.next());
  }
  throw new UserFacingError(
    `sandbox: ${name} not ${until} after ${START_TIMEOUT_MS / 1000} s (${last}); last lines of ${c.log}:\n${tail(c.log)}`,
    'see the log above; `kube-lessons sandbox down` cleans up',
    ExitCode.timeout,
  );
}

async function waitFor(what: string, signal: AbortSignal | undefined, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const interval = pollIntervals();
  let last = '';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const done = await check().catch((err: Error) => {
      last = err.message;
      return false;
    });
    if (done) return;
    await sleep(interval.next());
  }
  throw new UserFacingError(
    `sandbox: timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
    'check the logs in the sandbox folder; `kube-lessons sandbox down` cleans up',
    ExitCode.timeout,
  );
}
