/**
 * Shared by the controller tests: the Foo CRD (installed once, guarded so the CLI test's `uninstall` never
 * pulls it from under a test running in parallel), an in-process controller that can be stopped and
 * restarted, and small readers of Foos, Deployments, pods and events.
 */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../../src/core/client.ts';
import { resourcePath } from '../../../src/core/resources.ts';
import type { Logger } from '../../../src/controllers/event-recorder.ts';
import type { FooControllerStats } from '../../../src/controllers/foo/controller.ts';
import { fooApiServed, installFooCrd } from '../../../src/controllers/foo/install.ts';
import { startFooController, type RunningFooController } from '../../../src/controllers/foo/main.ts';
import { DEPLOYMENT_RESOURCE, FOO_RESOURCE, type Deployment, type Foo } from '../../../src/controllers/foo/types.ts';
import { createTestNamespace, deleteNamespace, sandboxState, testClient, waitUntil } from '../../helpers/cluster.ts';

// ---- the CRD, shared between test files ----------------------------------------------------------------

function lockDir(): string {
  const dir = join(sandboxState().dir, 'test-locks', 'foo-crd');
  mkdirSync(join(dir, 'users'), { recursive: true });
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function exclusiveHolder(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'exclusive'), 'utf8'));
    if (pid && alive(pid)) return pid;
    rmSync(join(dir, 'exclusive'), { force: true }); // left by a crashed run
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Marks this test file as using the CRD until the returned release is called. Waits while another file
 * holds it exclusively (to uninstall it). Registering before checking makes the two sides race safely.
 */
export async function useFooCrd(): Promise<() => void> {
  const dir = lockDir();
  const mine = join(dir, 'users', `${process.pid}-${randomBytes(4).toString('hex')}`);
  // Another process's lock files send no event: polled.
  await waitUntil(
    'no other test file to hold the Foo CRD alone',
    () => {
      writeFileSync(mine, '');
      if (exclusiveHolder(dir) === undefined) return true;
      rmSync(mine, { force: true });
      return false;
    },
    600_000,
    250,
  );
  const client = await testClient();
  if (!(await fooApiServed(client))) await installFooCrd(client, { timeoutMs: 60_000 });
  return () => rmSync(mine, { force: true });
}

/** Takes the CRD for this file alone (the CLI test's uninstall): waits until no other live file uses it. */
export async function takeFooCrdExclusively(timeoutMs = 600_000): Promise<() => void> {
  const dir = lockDir();
  await waitUntil(
    'to hold the Foo CRD exclusively',
    () => {
      try {
        writeFileSync(join(dir, 'exclusive'), String(process.pid), { flag: 'wx' });
        return true;
      } catch {
        exclusiveHolder(dir); // removes the mark of a crashed holder
        return false;
      }
    },
    timeoutMs,
    250,
  );
  const others = () =>
    readdirSync(join(dir, 'users')).filter((f) => {
      const pid = Number(f.split('-')[0]);
      if (pid === process.pid) return false;
      if (alive(pid)) return true;
      rmSync(join(dir, 'users', f), { force: true });
      return false;
    });
  try {
    await waitUntil('other test files to finish with the Foo CRD', () => others().length === 0, timeoutMs, 250);
  } catch (err) {
    rmSync(join(dir, 'exclusive'), { force: true });
    throw err;
  }
  return () => {
    if (existsSync(join(dir, 'exclusive'))) rmSync(join(dir, 'exclusive'), { force: true });
  };
}

/**
 * Gives the calling suite the Foo CRD (shared, see useFooCrd) and a namespace of its own: `bind` receives the
 * client and namespace once they exist; `afterSetup` and `beforeTeardown` run inside the same hooks, so a
 * controller started for the suite is stopped before its namespace goes.
 */
export function useFooNamespace(
  prefix: string,
  bind: (client: KubeClient, namespace: string) => void,
  hooks: { afterSetup?: () => Promise<void>; beforeTeardown?: () => Promise<void> } = {},
): void {
  let client: KubeClient | undefined;
  let namespace = '';
  let release = () => {};
  before(async () => {
    release = await useFooCrd();
    client = await testClient();
    namespace = await createTestNamespace(client, prefix);
    bind(client, namespace);
    await hooks.afterSetup?.();
  });
  after(async () => {
    try {
      await hooks.beforeTeardown?.();
    } finally {
      if (client && namespace) await deleteNamespace(client, namespace);
      release();
    }
  });
}

// ---- the controller, in this process --------------------------------------------------------------------

export interface LogLine {
  level: 'info' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export interface TestController {
  running: RunningFooController;
  /** Every request the controller's client sent (lists and watches included). */
  wireRequests(): number;
  logs: LogLine[];
  /** Aborts and waits until it stopped cleanly; returns its stats. */
  stop(): Promise<FooControllerStats & { wire: number }>;
}

/** Runs the controller on its own client (so its requests can be counted), limited to one namespace. */
export async function startController(
  namespace: string,
  opts: { client?: KubeClient; workers?: number; resyncMs?: number; print?: boolean; onLog?: (line: LogLine) => void } = {},
): Promise<TestController> {
  const client = opts.client ?? (await testClient());
  const sentBefore = client.requestsSent;
  const wire = () => client.requestsSent - sentBefore;
  const logs: LogLine[] = [];
  const logger: Logger = {
    info: (message, fields = {}) => {
      logs.push({ level: 'info', message, fields });
      opts.onLog?.(logs[logs.length - 1]!);
      if (opts.print) console.error(`I ${message} ${JSON.stringify(fields)}`);
    },
    error: (message, fields = {}) => {
      logs.push({ level: 'error', message, fields });
      opts.onLog?.(logs[logs.length - 1]!);
      if (opts.print) console.error(`E ${message} ${JSON.stringify(fields)}`);
    },
  };
  const abort = new AbortController();
  const running = startFooController({ client, namespace, workers: opts.workers ?? 2, resyncMs: opts.resyncMs ?? 30_000, logger }, abort.signal);
  return {
    running,
    wireRequests: wire,
    logs,
    async stop() {
      abort.abort();
      await running.done;
      return { ...running.controller.stats(), wire: wire() };
    },
  };
}

// ---- reading the cluster --------------------------------------------------------------------------------

export function fooPath(namespace: string, name?: string): string {
  return resourcePath(FOO_RESOURCE, { namespace, name });
}

export function deploymentPath(namespace: string, name?: string): string {
  return resourcePath(DEPLOYMENT_RESOURCE, { namespace, name });
}

export async function createFoo(client: KubeClient, namespace: string, name: string, spec: Foo['spec']): Promise<Foo> {
  const res = await client.request<Foo>({
    method: 'POST',
    path: fooPath(namespace),
    body: { apiVersion: 'samplecontroller.k8s.io/v1alpha1', kind: 'Foo', metadata: { name }, spec },
  });
  return res.body;
}

export async function getOrUndefined<T>(client: KubeClient, path: string): Promise<T | undefined> {
  try {
    return (await client.request<T>({ path })).body;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function listFoos(client: KubeClient, namespace: string): Promise<Foo[]> {
  return (await client.request<{ items: Foo[] }>({ path: fooPath(namespace) })).body.items;
}

export async function listDeployments(client: KubeClient, namespace: string): Promise<Deployment[]> {
  return (await client.request<{ items: Deployment[] }>({ path: deploymentPath(namespace) })).body.items;
}

export interface PodLite {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string };
}

export async function listPods(client: KubeClient, namespace: string, labelSelector?: string): Promise<PodLite[]> {
  return (await client.request<{ items: PodLite[] }>({ path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector } })).body.items;
}

export interface EventLite {
  reason: string;
  message: string;
  type: string;
  count?: number;
  involvedObject: { kind?: string; name?: string; uid?: string };
  source?: { component?: string };
}

export async function listEvents(client: KubeClient, namespace: string): Promise<EventLite[]> {
  return (await client.request<{ items: EventLite[] }>({ path: `/api/v1/namespaces/${namespace}/events` })).body.items;
}

/** A Foo has converged: its Deployment exists, is controlled by it, has its replicas, and the status says all are available. */
export function converged(foo: Foo, deployments: Map<string, Deployment>): boolean {
  const d = deployments.get(foo.spec.deploymentName);
  if (!d) return false;
  const owner = d.metadata.ownerReferences?.find((r) => r.controller);
  const want = foo.spec.replicas ?? 1;
  return owner?.uid === foo.metadata.uid && d.spec?.replicas === want && foo.status?.availableReplicas === want;
}
