/**
 * The shipped checks judged directly, with learner modules written here: right answers in another shape pass,
 * wrong ones fail with a line that names the difference and the inputs. Each test is named after a wrong verdict
 * a learner met.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectEqual, type CheckEnv, type CheckModule } from '../../../src/exercises/check-api.ts';
import { FakeClock } from '../../../src/machinery/clock.ts';
import { loadKubeconfig } from '../../../src/core/kubeconfig.ts';
import type { KubeClient } from '../../../src/core/client.ts';

const checks = (id: string) => import(`../../../src/exercises/checks/${id}.ts`) as Promise<CheckModule>;

function env(learner: Record<string, unknown>, kube?: CheckEnv['kube']): CheckEnv {
  return { learner, tmpDir: mkdtempSync(join(tmpdir(), 'kube-lessons-checks-')), clock: () => new FakeClock(), ...(kube ? { kube } : {}) };
}

/** 'pass', the line verify would print after the expectation's text, or the learner's error as thrown. */
async function verdict(id: string, expectation: string, e: CheckEnv): Promise<string> {
  try {
    await (
      await checks(id)
    ).expectations[expectation]!(e);
    return 'pass';
  } catch (err) {
    if (err instanceof Error && err.name === 'Mismatch') {
      const m = err as Error & { expected: string; got: string };
      return `expected ${m.expected}, got ${m.got}`;
    }
    return `threw ${(err as Error).name}: ${(err as Error).message}`;
  }
}

async function all(id: string, e: CheckEnv): Promise<string> {
  for (const x of Object.keys((await checks(id)).expectations)) {
    const v = await verdict(id, x, e);
    if (v !== 'pass') return `${x}: ${v}`;
  }
  return 'pass';
}

const mismatch = (f: () => void): string => {
  try {
    f();
    return 'equal';
  } catch (err) {
    const m = err as { expected: string; got: string };
    return `expected ${m.expected}, got ${m.got}`;
  }
};

// --- expectEqual ---

test('expectEqual: objects equal but for key order are equal', () => {
  assert.equal(
    mismatch(() =>
      expectEqual({ server: 'https://prod.example.test:443', context: 'prod' }, { context: 'prod', server: 'https://prod.example.test:443' }, 'f'),
    ),
    'equal',
  );
  assert.equal(
    mismatch(() => expectEqual([{ b: [1, { d: 2, c: 3 }], a: 'x'.repeat(300) }], [{ a: 'x'.repeat(300), b: [1, { c: 3, d: 2 }] }], 'f')),
    'equal',
  );
});

test('expectEqual: a difference past the first 157 characters fails, naming its path', () => {
  const big = (image: string) => ({ metadata: { name: 'x'.repeat(200) }, spec: { containers: [{ name: 'nginx', image }] } });
  assert.equal(
    mismatch(() => expectEqual(big('nginx:latest-typo'), big('nginx:latest'), 'f')),
    'expected spec.containers[0].image = "nginx:latest", got "nginx:latest-typo"',
  );
  assert.match(
    mismatch(() => expectEqual('y'.repeat(300) + 'a', 'y'.repeat(300) + 'b', 'f')),
    /^expected ..."y+b" \(from character 300\), got ..."y+a"$/,
  );
});

test('expectEqual: an extra item, a missing item, a missing key and an extra key are each named', () => {
  const long = 'z'.repeat(80);
  assert.equal(
    mismatch(() => expectEqual({ long, list: [1, 2] }, { long, list: [1] }, 'f')),
    'expected list to have 1 item, got an unexpected extra item [1]: 2',
  );
  assert.equal(
    mismatch(() => expectEqual({ long, list: [1] }, { long, list: [1, 2] }, 'f')),
    'expected list to have 2 items, got 1, missing [1]: 2',
  );
  assert.equal(
    mismatch(() => expectEqual({ long }, { long, x: true }, 'f')),
    'expected x = true, got no such key',
  );
  assert.equal(
    mismatch(() => expectEqual({ long, x: 1 }, { long }, 'f')),
    'expected no x, got 1 (a key not asked for)',
  );
});

test('expectEqual: a property set to undefined is the same as none, null is a value, and values that print alike still differ', () => {
  assert.equal(
    mismatch(() => expectEqual({ a: 1, replicas: undefined }, { a: 1 }, 'f')),
    'equal',
  );
  assert.equal(
    mismatch(() => expectEqual({ a: 1 }, { a: 1, replicas: undefined }, 'f')),
    'equal',
  );
  assert.equal(
    mismatch(() => expectEqual({ a: 1, b: null }, { a: 1 }, 'f')),
    'expected {"a":1}, got {"a":1,"b":null}',
  );
  assert.equal(
    mismatch(() => expectEqual(5, '5', 'f')),
    'expected "5", got 5',
  );
  assert.equal(
    mismatch(() => expectEqual(new Map([['Running', 2]]), { Running: 2 }, 'f')),
    'equal',
  );
  assert.equal(
    mismatch(() => expectEqual([2, 1], [1, 2], 'f')),
    'expected [1,2], got [2,1]',
  );
});

// --- kubeconfig ---

test('kubeconfig: { server, context } in that order passes the explicit-context expectation', async () => {
  const currentTarget = async (file: string, context?: string) => {
    const c = await loadKubeconfig({ kubeconfig: file, context, env: {} });
    return { server: c.server, context: c.contextName };
  };
  assert.equal(await all('kubeconfig', env({ currentTarget })), 'pass');
});

// --- new-deployment ---

const FOO_UID = '6f1e0c1a-0000-4000-8000-000000000001';
type FooArg = { metadata: { name: string; namespace: string; uid: string }; spec: { deploymentName: string; replicas?: number } };
interface Deployment {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; ownerReferences: Record<string, unknown>[] };
  spec: {
    replicas?: number | undefined;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string }[] } };
  };
}
/** Our solution's Deployment, in another key order and with replicas: undefined when the Foo has none, then `change`d. */
function newDeployment(change: (d: Deployment) => void = () => undefined) {
  return (foo: FooArg) => {
    const labels = { app: 'nginx', controller: foo.metadata.name };
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: foo.spec.deploymentName,
        namespace: foo.metadata.namespace,
        ownerReferences: [
          {
            apiVersion: 'samplecontroller.k8s.io/v1alpha1',
            kind: 'Foo',
            name: foo.metadata.name,
            uid: foo.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: foo.spec.replicas,
        selector: { matchLabels: { ...labels } },
        template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] } },
      },
    };
    change(d);
    return d;
  };
}

test('new-deployment: owner reference keys in another order pass', async () => {
  const learner = {
    newDeployment: newDeployment((d) => {
      d.metadata.ownerReferences = [
        { blockOwnerDeletion: true, controller: true, uid: FOO_UID, name: 'example-foo', kind: 'Foo', apiVersion: 'samplecontroller.k8s.io/v1alpha1' },
      ];
    }),
  };
  assert.equal(await all('new-deployment', env(learner)), 'pass');
});

test('new-deployment: blockOwnerDeletion false, an image typo and an extra container each fail at their path', async () => {
  const run = (change: (d: Deployment) => void) => all('new-deployment', env({ newDeployment: newDeployment(change) }));
  assert.equal(
    await run((d) => (d.metadata.ownerReferences[0]!.blockOwnerDeletion = false)),
    'owner-reference: expected metadata.ownerReferences[0].blockOwnerDeletion = true, got false',
  );
  assert.equal(
    await run((d) => (d.spec.template.spec.containers[0]!.image = 'nginx:latest-typo')),
    'pods-and-selector: expected spec.template.spec.containers[0].image = "nginx:latest", got "nginx:latest-typo"',
  );
  assert.equal(
    await run((d) => d.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' })),
    'pods-and-selector: expected spec.template.spec.containers to have 1 item, got an unexpected extra item [1]: {"name":"sidecar","image":"busybox"}',
  );
});

test('expectEqual: values that print alike are told apart at the path where they differ, not "it differs past what is shown"', () => {
  assert.equal(
    mismatch(() => expectEqual({ a: [1, undefined] }, { a: [1, null] }, 'f')),
    'expected a[1] = null, got undefined',
  );
  assert.equal(
    mismatch(() => expectEqual(['a', undefined], ['a', null], 'f')),
    'expected [1] = null, got undefined',
  );
});

// --- list-nodes ---

/** A client answering /api/v1/nodes with three nodes, sorted by name as the API server sends them. */
function nodesClient(): KubeClient {
  const node = (name: string) => ({ metadata: { name }, status: { nodeInfo: { architecture: 'amd64', operatingSystem: 'linux' } } });
  const items = ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'].map(node);
  return {
    request: (opts: { path: string }) => {
      assert.equal(opts.path, '/api/v1/nodes');
      return Promise.resolve({ status: 200, headers: {}, body: { items: structuredClone(items) }, bytes: 0, durationMs: 0, url: opts.path });
    },
  } as unknown as KubeClient;
}

test('list-nodes: rows left in the order the server sent fail "names sorted"', async () => {
  const unsorted = async (client: KubeClient) => {
    const { body } = await client.request<{ items: { metadata: { name: string }; status: { nodeInfo: { architecture: string; operatingSystem: string } } }[] }>(
      {
        path: '/api/v1/nodes',
      },
    );
    return body.items.map((n) => ({ name: n.metadata.name, arch: n.status.nodeInfo.architecture, os: n.status.nodeInfo.operatingSystem }));
  };
  const kube = { client: nodesClient(), namespace: 'unused' };
  assert.equal(
    await all('list-nodes', env({ nodeRows: unsorted }, kube)),
    'names-sorted: expected ["kwok-node-0","kwok-node-1","kwok-node-2"], got ["kwok-node-2","kwok-node-1","kwok-node-0"]',
  );
  const sorted = async (client: KubeClient) => (await unsorted(client)).sort((a, b) => a.name.localeCompare(b.name));
  assert.equal(await all('list-nodes', env({ nodeRows: sorted }, kube)), 'pass');
});

/** Like nodesClient, but paging as the API server does: limit (in the query or the path) and continue. */
function pagingNodesClient(): KubeClient {
  const node = (name: string) => ({ metadata: { name }, status: { nodeInfo: { architecture: 'amd64', operatingSystem: 'linux' } } });
  const items = ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'].map(node);
  return {
    request: (opts: { path: string; query?: Record<string, unknown> }) => {
      const url = new URL(opts.path, 'http://x');
      assert.equal(url.pathname, '/api/v1/nodes');
      const q = { ...Object.fromEntries(url.searchParams), ...opts.query };
      const from = Number(q.continue ?? 0);
      const to = q.limit ? Math.min(items.length, from + Number(q.limit)) : items.length;
      const metadata = to < items.length ? { continue: String(to) } : {};
      return Promise.resolve({
        status: 200,
        headers: {},
        body: { metadata, items: structuredClone(items.slice(from, to)) },
        bytes: 0,
        durationMs: 0,
        url: opts.path,
      });
    },
  } as unknown as KubeClient;
}

test('list-nodes: rows left in the order the server sent fail "names sorted" when read a page at a time or with the query in the path', async () => {
  type Page = {
    metadata?: { continue?: string };
    items: { metadata: { name: string }; status: { nodeInfo: { architecture: string; operatingSystem: string } } }[];
  };
  const row = (n: Page['items'][number]) => ({ name: n.metadata.name, arch: n.status.nodeInfo.architecture, os: n.status.nodeInfo.operatingSystem });
  const paged = async (client: KubeClient) => {
    const rows = [];
    let token: string | undefined;
    do {
      const { body } = await client.request<Page>({ path: '/api/v1/nodes', query: { limit: 1, continue: token } });
      rows.push(...body.items.map(row));
      token = body.metadata?.continue;
    } while (token);
    return rows;
  };
  const inPath = async (client: KubeClient) => (await client.request<Page>({ path: '/api/v1/nodes?limit=500' })).body.items.map(row);
  const kube = { client: pagingNodesClient(), namespace: 'unused' };
  const unsorted = 'names-sorted: expected ["kwok-node-0","kwok-node-1","kwok-node-2"], got ["kwok-node-2","kwok-node-1","kwok-node-0"]';
  assert.equal(await all('list-nodes', env({ nodeRows: paged }, kube)), unsorted);
  assert.equal(await all('list-nodes', env({ nodeRows: inPath }, kube)), unsorted);
  const sorted = (f: typeof paged) => async (client: KubeClient) => (await f(client)).sort((a, b) => a.name.localeCompare(b.name));
  assert.equal(await all('list-nodes', env({ nodeRows: sorted(paged) }, kube)), 'pass');
  assert.equal(await all('list-nodes', env({ nodeRows: sorted(inPath) }, kube)), 'pass');
});

// --- rate-limiter ---

test('rate-limiter: a wrong delay names the limiter it was made with and the calls', async () => {
  class ExponentialLimiter {
    readonly base: number;
    constructor(base: number) {
      this.base = base;
    }
    when() {
      return this.base;
    }
    forget() {}
    numRequeues() {
      return 0;
    }
  }
  assert.equal(
    await verdict('rate-limiter', 'doubles', env({ ExponentialLimiter })),
    'expected new ExponentialLimiter(5, 1000), when("a") ×4 = [5,10,20,40], got [5,5,5,5]',
  );
  assert.match(await verdict('rate-limiter', 'capped', env({ ExponentialLimiter })), /^expected new ExponentialLimiter\(5, 100\), when\("a"\) ×8 = /);
  assert.match(
    await verdict('rate-limiter', 'matches-client-go', env({ ExponentialLimiter })),
    /^expected new ExponentialLimiter\(3, 5000\), its calls for "\w" so far \(.*\), then (when|numRequeues)\("\w"\) = \d+, got \d+$/,
  );
});

// --- process-next-work-item ---

test('process-next-work-item: a failed sync without done says the key is still processing', async () => {
  type Q = { get(): Promise<{ item: string; shutdown: boolean }>; done(k: string): void; forget(k: string): void; addRateLimited(k: string): void };
  const processNextWorkItem = async (queue: Q, sync: (k: string) => Promise<void>) => {
    const { item, shutdown } = await queue.get();
    if (shutdown) return false;
    try {
      await sync(item);
      queue.forget(item);
      queue.done(item); // done only on success: the bug
    } catch {
      queue.addRateLimited(item);
    }
    return true;
  };
  assert.equal(
    await verdict('process-next-work-item', 'retries-with-backoff', env({ processNextWorkItem, MAX_RETRIES: 5 })),
    'expected the key back in the queue 10 ms later (addRateLimited), got 0 queued: default/a is still marked processing, so done was not called after the failed sync (call it in finally)',
  );
});

// --- foo-sync-handler ---

type Deps = {
  getFoo(ns: string, name: string): { spec: { deploymentName: string; replicas?: number }; metadata: { namespace: string } } | undefined;
  getDeployment(ns: string, name: string): { spec: { replicas?: number | undefined } } | undefined;
  createDeployment(d: unknown): Promise<unknown>;
  updateDeployment(d: unknown): Promise<unknown>;
};

test('foo-sync-handler: namespace and name swapped shows the getFoo call that found nothing', async () => {
  const syncHandler = async (key: string, deps: Deps) => {
    const [namespace, name] = key.split('/') as [string, string];
    const foo = deps.getFoo(name, namespace);
    if (!foo) return;
    await deps.createDeployment({});
  };
  assert.equal(
    await verdict('foo-sync-handler', 'creates-deployment', env({ syncHandler })),
    'expected one createDeployment call for a Foo without its Deployment, got 0 (the key was "team-a/example-foo"; it called getFoo("example-foo", "team-a"), which finds no Foo: getFoo("team-a", "example-foo") does)',
  );
});

test("foo-sync-handler: changing a cached Deployment says it is the cache's object and to write a copy", async () => {
  const syncHandler = async (key: string, deps: Deps) => {
    const [namespace, name] = key.split('/') as [string, string];
    const foo = deps.getFoo(namespace, name)!;
    const d = deps.getDeployment(namespace, foo.spec.deploymentName)!;
    d.spec.replicas = foo.spec.replicas;
    await deps.updateDeployment(d);
  };
  const v = await verdict('foo-sync-handler', 'scales', env({ syncHandler }));
  assert.match(
    v,
    /^threw TypeError: Cannot assign to read only property 'replicas'.*: getFoo and getDeployment return the cache's objects, shared and read-only; change a copy \(structuredClone\(obj\)\) and write that$/,
  );
});
