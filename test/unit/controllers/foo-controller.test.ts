// The Foo controller's logic without a cluster: informer caches filled by hand, a fake client that records
// what the controller writes. Modelled on sample-controller's own tests (creates, in sync, updates, not ours).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventRecorder, type Logger } from '../../../src/controllers/event-recorder.ts';
import {
  ERR_RESOURCE_EXISTS,
  FAILED_CACHE_SYNC,
  FooController,
  fooControllerRateLimiter,
  MESSAGE_RESOURCE_SYNCED,
  messageResourceExists,
  newDeployment,
  SUCCESS_SYNCED,
} from '../../../src/controllers/foo/controller.ts';
import type { Deployment, Foo } from '../../../src/controllers/foo/types.ts';
import { SharedInformerFactory } from '../../../src/machinery/cache/informer-factory.ts';
import { DeletedFinalStateUnknown } from '../../../src/machinery/cache/keys.ts';
import type { KubeObject, ListerWatcher, WatchStream } from '../../../src/machinery/cache/list-watch.ts';
import { SharedIndexInformer } from '../../../src/machinery/cache/shared-informer.ts';
import { RateLimitingWorkQueue } from '../../../src/machinery/workqueue/rate-limiting-queue.ts';
import { FakeClient, statusError, type Responder } from './fake-client.ts';

const NS = 'default';

function foo(name: string, spec: Partial<Foo['spec']> = {}, status?: Foo['status']): Foo {
  return {
    apiVersion: 'samplecontroller.k8s.io/v1alpha1',
    kind: 'Foo',
    metadata: { name, namespace: NS, uid: `uid-${name}`, resourceVersion: '5' },
    spec: { deploymentName: `${name}-dep`, replicas: 1, ...spec },
    ...(status ? { status } : {}),
  };
}

function ownedDeployment(owner: Foo, replicas: number, available: number): Deployment {
  const d = newDeployment(owner);
  d.metadata.resourceVersion = '7';
  d.spec!.replicas = replicas;
  d.status = { availableReplicas: available };
  return d;
}

/** A list of `items`, then a watch that stays open, silent, until it is closed or aborted. */
function staticListerWatcher(items: KubeObject[]): ListerWatcher<KubeObject> {
  return {
    // Serves lists only, as client-go's fake clients: the reflector lists instead of streaming.
    isWatchListSemanticsUnsupported: () => true,
    async list() {
      return { items: structuredClone(items), metadata: { resourceVersion: '10' } };
    },
    async watch(opts): Promise<WatchStream<KubeObject>> {
      let close!: () => void;
      const closed = new Promise<void>((resolve) => (close = resolve));
      opts.signal?.addEventListener('abort', () => close(), { once: true });
      return {
        close: () => close(),
        // Ends, without an event, once closed.
        [Symbol.asyncIterator]: () => ({ next: () => closed.then((): IteratorResult<never> => ({ done: true, value: undefined })) }),
      };
    },
  };
}

const neverUsed = staticListerWatcher([]);

interface Fixture {
  controller: FooController;
  client: FakeClient;
  queue: RateLimitingWorkQueue<string>;
  recorder: EventRecorder;
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
}

/** Informers that are never started: their caches are filled directly, as client-go tests do. */
function fixture(opts: { foos?: Foo[]; deployments?: Deployment[]; responder?: Responder } = {}): Fixture {
  const fooInformer = new SharedIndexInformer<Foo>(neverUsed as ListerWatcher<Foo>, 'Foo', 0);
  const deploymentInformer = new SharedIndexInformer<Deployment>(neverUsed as ListerWatcher<Deployment>, 'Deployment', 0);
  for (const f of opts.foos ?? []) fooInformer.getIndexer().add(f);
  for (const d of opts.deployments ?? []) deploymentInformer.getIndexer().add(d);
  const client = new FakeClient(opts.responder);
  const logs: Fixture['logs'] = [];
  const logger: Logger = {
    info: (message, fields = {}) => void logs.push({ level: 'info', message, fields }),
    error: (message, fields = {}) => void logs.push({ level: 'error', message, fields }),
  };
  const recorder = new EventRecorder(client.asClient(), { component: 'sample-controller', logger });
  const queue = new RateLimitingWorkQueue<string>({ rateLimiter: fooControllerRateLimiter() });
  const controller = new FooController({ client: client.asClient(), fooInformer, deploymentInformer, recorder, queue, logger });
  return { controller, client, queue, recorder, logs };
}

async function eventsOf(f: Fixture): Promise<{ type: string; reason: string; message: string }[]> {
  await f.recorder.flush();
  return f.client
    .events()
    .filter((r) => r.method === 'POST')
    .map((r) => r.body as { type: string; reason: string; message: string });
}

describe('newDeployment', () => {
  it('builds an nginx Deployment with the labels, the replicas and a controlling owner reference to the Foo', () => {
    const d = newDeployment(foo('test', { replicas: 3 }));
    assert.equal(d.metadata.name, 'test-dep');
    assert.equal(d.metadata.namespace, NS);
    assert.deepEqual(d.metadata.ownerReferences, [
      { apiVersion: 'samplecontroller.k8s.io/v1alpha1', kind: 'Foo', name: 'test', uid: 'uid-test', controller: true, blockOwnerDeletion: true },
    ]);
    assert.equal(d.spec!.replicas, 3);
    assert.deepEqual(d.spec!.selector.matchLabels, { app: 'nginx', controller: 'test' });
    assert.deepEqual(d.spec!.template.metadata?.labels, { app: 'nginx', controller: 'test' });
    assert.deepEqual(d.spec!.template.spec.containers, [{ name: 'nginx', image: 'nginx:latest' }]);
  });

  it('leaves replicas to the Deployment default when the Foo does not set them', () => {
    const f = foo('test');
    delete f.spec.replicas;
    assert.equal('replicas' in newDeployment(f).spec!, false);
  });
});

describe('syncHandler', () => {
  it('creates the Deployment when it is missing and records Synced, writing no status while none is available', async () => {
    const f = foo('test');
    const fx = fixture({ foos: [f] });
    await fx.controller.syncHandler(`${NS}/test`);
    const writes = fx.client.writes();
    // The new Deployment has no available replicas, and a Foo without a status holds 0 (as Go's FooStatus reads it).
    assert.deepEqual(
      writes.map((w) => `${w.method} ${w.path}`),
      [`POST /apis/apps/v1/namespaces/${NS}/deployments`],
    );
    assert.deepEqual(writes[0]!.body, newDeployment(f));
    await fx.recorder.flush();
    const [event, ...more] = fx.client.events();
    assert.deepEqual(more, []);
    assert.equal(event!.path, `/api/v1/namespaces/${NS}/events`);
    const body = event!.body as { type: string; reason: string; message: string; involvedObject: { kind: string; uid: string }; source: { component: string } };
    assert.deepEqual([body.type, body.reason, body.message], ['Normal', SUCCESS_SYNCED, MESSAGE_RESOURCE_SYNCED]);
    assert.deepEqual([body.involvedObject.kind, body.involvedObject.uid, body.source.component], ['Foo', 'uid-test', 'sample-controller']);
  });

  it('writes the available replicas into the status, from a copy carrying the version read', async () => {
    const f = foo('test');
    const fx = fixture({ foos: [f], deployments: [ownedDeployment(f, 1, 1)] });
    await fx.controller.syncHandler(`${NS}/test`);
    const writes = fx.client.writes();
    assert.deepEqual(
      writes.map((w) => `${w.method} ${w.path}`),
      [`PUT /apis/samplecontroller.k8s.io/v1alpha1/namespaces/${NS}/foos/test/status`],
    );
    assert.deepEqual((writes[0]!.body as Foo).status, { availableReplicas: 1 });
    assert.equal((writes[0]!.body as Foo).metadata.resourceVersion, '5', 'the status update carries the version read');
    assert.equal(f.status, undefined, 'the cached Foo is not modified');
  });

  it('writes a status of 0 over one that says more (replicas went away)', async () => {
    const f = foo('test', {}, { availableReplicas: 1 });
    const fx = fixture({ foos: [f], deployments: [ownedDeployment(f, 1, 0)] });
    await fx.controller.syncHandler(`${NS}/test`);
    assert.deepEqual(
      fx.client.writes().map((w) => (w.body as Foo).status),
      [{ availableReplicas: 0 }],
    );
  });

  it('writes nothing when the Deployment and the status are already right', async () => {
    const f = foo('test', {}, { availableReplicas: 1 });
    const fx = fixture({ foos: [f], deployments: [ownedDeployment(f, 1, 1)] });
    await fx.controller.syncHandler(`${NS}/test`);
    assert.deepEqual(fx.client.writes(), []);
    assert.deepEqual(
      (await eventsOf(fx)).map((e) => e.reason),
      [SUCCESS_SYNCED],
    );
  });

  it('updates the Deployment when the replicas differ, from the cached copy with its resourceVersion', async () => {
    const f = foo('test', { replicas: 2 }, { availableReplicas: 1 });
    const d = ownedDeployment(f, 1, 1);
    const fx = fixture({ foos: [f], deployments: [d] });
    await fx.controller.syncHandler(`${NS}/test`);
    const [update, ...rest] = fx.client.writes();
    assert.equal(`${update!.method} ${update!.path}`, `PUT /apis/apps/v1/namespaces/${NS}/deployments/test-dep`);
    assert.equal((update!.body as Deployment).spec!.replicas, 2);
    assert.equal((update!.body as Deployment).metadata.resourceVersion, '7');
    assert.equal(d.spec!.replicas, 1, 'the cached Deployment is not modified');
    assert.deepEqual(rest, [], 'the status is unchanged (1 available), so not written');
  });

  it('refuses a Deployment it does not control: Warning ErrResourceExists and an error, no writes', async () => {
    const f = foo('test');
    const theirs = newDeployment(f);
    theirs.metadata.ownerReferences = [];
    const fx = fixture({ foos: [f], deployments: [theirs] });
    await assert.rejects(fx.controller.syncHandler(`${NS}/test`), { message: messageResourceExists('test-dep') });
    assert.equal(messageResourceExists('test-dep'), 'Resource "test-dep" already exists and is not managed by Foo');
    assert.deepEqual(fx.client.writes(), []);
    assert.deepEqual(
      (await eventsOf(fx)).map((e) => [e.type, e.reason]),
      [['Warning', ERR_RESOURCE_EXISTS]],
    );
  });

  it('treats a Deployment controlled by another Foo of the same name (another uid) as not ours', async () => {
    const f = foo('test');
    const old = { ...f, metadata: { ...f.metadata, uid: 'uid-of-a-deleted-foo' } };
    const fx = fixture({ foos: [f], deployments: [newDeployment(old)] });
    await assert.rejects(fx.controller.syncHandler(`${NS}/test`), /not managed by Foo/);
  });

  it('does nothing for a Foo that is gone or names no Deployment', async () => {
    const fx = fixture({ foos: [foo('nameless', { deploymentName: '' })] });
    await fx.controller.syncHandler(`${NS}/gone`);
    await fx.controller.syncHandler(`${NS}/nameless`);
    await fx.controller.syncHandler('too/many/slashes');
    assert.deepEqual(fx.client.requests, []);
    assert.ok(fx.logs.some((l) => l.level === 'error' && l.message === 'deployment name missing from object reference'));
  });

  it('reports a Foo gone from the cache as an error, and does not retry it', async () => {
    const fx = fixture();
    fx.queue.add(`${NS}/gone`);
    assert.equal(await fx.controller.processNextWorkItem(), true);
    assert.ok(fx.logs.some((l) => l.level === 'error' && l.message === 'Foo in work queue no longer exists' && l.fields.resourceName === `${NS}/gone`));
    assert.equal(fx.queue.numRequeues(`${NS}/gone`), 0);
    assert.equal(fx.queue.len(), 0);
    assert.deepEqual(fx.client.requests, []);
    fx.queue.shutDown();
  });

  it('a Foo and its Deployment without uids (never stored by a server) count as controlled: synced, no ErrResourceExists', async () => {
    // As sample-controller's own tests build them: metav1.IsControlledBy compares the empty uids as equal.
    const f = foo('test', {}, { availableReplicas: 1 });
    delete f.metadata.uid;
    const d = ownedDeployment(f, 1, 1);
    assert.equal(d.metadata.ownerReferences![0]!.uid, '');
    const fx = fixture({ foos: [f], deployments: [d] });
    await fx.controller.syncHandler(`${NS}/test`);
    assert.deepEqual(
      (await eventsOf(fx)).map((e) => [e.type, e.reason]),
      [['Normal', SUCCESS_SYNCED]],
    );
  });

  it('a Foo with a uid does not control a Deployment whose controller reference has none', async () => {
    const f = foo('test');
    const d = ownedDeployment(f, 1, 1);
    d.metadata.ownerReferences![0]!.uid = '';
    const fx = fixture({ foos: [f], deployments: [d] });
    await assert.rejects(fx.controller.syncHandler(`${NS}/test`), /not managed by Foo/);
  });

  it('a Foo whose replicas are null (unset) leaves the Deployment replicas alone, and builds one without replicas', async () => {
    const f = foo('test', {}, { availableReplicas: 1 });
    (f.spec as { replicas: number | null }).replicas = null;
    assert.equal('replicas' in newDeployment(f).spec!, false);
    const fx = fixture({ foos: [f], deployments: [ownedDeployment(f, 3, 1)] });
    await fx.controller.syncHandler(`${NS}/test`);
    assert.deepEqual(fx.client.writes(), [], 'no update of the Deployment');
  });

  it('events about a Foo that carries neither apiVersion nor kind name it as a samplecontroller.k8s.io/v1alpha1 Foo', async () => {
    // client-go's recorder fills them in from its scheme, where sample-controller registers Foo.
    const bare = foo('bare', {}, { availableReplicas: 1 });
    delete bare.apiVersion;
    delete bare.kind;
    const halfTyped = foo('half', {}, { availableReplicas: 1 });
    delete halfTyped.kind;
    const fx = fixture({ foos: [bare, halfTyped], deployments: [ownedDeployment(bare, 1, 1), ownedDeployment(halfTyped, 1, 1)] });
    await fx.controller.syncHandler(`${NS}/bare`);
    await fx.controller.syncHandler(`${NS}/half`);
    await fx.recorder.flush();
    const involved = fx.client.events().map((r) => (r.body as { involvedObject: { apiVersion?: string; kind?: string; name: string } }).involvedObject);
    assert.deepEqual(
      involved.map((o) => [o.name, o.apiVersion, o.kind]),
      [
        ['bare', 'samplecontroller.k8s.io/v1alpha1', 'Foo'],
        // Taken as it is when either is set, as client-go does.
        ['half', 'samplecontroller.k8s.io/v1alpha1', undefined],
      ],
    );
    assert.equal(bare.kind, undefined, 'the cached Foo is not modified');
  });
});

describe('processNextWorkItem (the retry policy, apart from the sync)', () => {
  it('re-adds a key whose status update conflicted, with backoff, and forgets it once it succeeds', async () => {
    const f = foo('test', {}, { availableReplicas: 0 });
    let conflicts = 1;
    const fx = fixture({
      foos: [f],
      deployments: [ownedDeployment(f, 1, 1)],
      responder: (req) => {
        if (req.path.endsWith('/status') && conflicts-- > 0) throw statusError(409, 'Conflict', 'the object has been modified');
        return req.body;
      },
    });
    fx.queue.add(`${NS}/test`);
    assert.equal(await fx.controller.processNextWorkItem(), true);
    assert.equal(fx.queue.numRequeues(`${NS}/test`), 1, 'retried once');
    assert.ok(fx.logs.some((l) => l.level === 'error' && /requeuing/.test(l.message)));
    // The 5 ms backoff passes, the key comes back.
    assert.equal(await fx.controller.processNextWorkItem(), true);
    assert.equal(fx.queue.numRequeues(`${NS}/test`), 0, 'forgotten after success');
    assert.equal(fx.client.writes().filter((w) => w.path.endsWith('/status')).length, 2);
    const stats = fx.controller.stats();
    assert.equal(stats.syncs, 2);
    assert.equal(stats.syncErrors, 1);
    assert.deepEqual(stats.requests, { 'update foo status': 2 });
    fx.queue.shutDown();
  });
});

describe('handleObject', () => {
  const owner = foo('owner');
  const owned = ownedDeployment(owner, 1, 1);

  it('enqueues the Foo that controls the Deployment', () => {
    const fx = fixture({ foos: [owner] });
    fx.controller.handleObject(owned);
    assert.deepEqual(fx.queue.snapshot().queue, [`${NS}/owner`]);
  });

  it('unwraps a tombstone of a deleted Deployment', () => {
    const fx = fixture({ foos: [owner] });
    fx.controller.handleObject(new DeletedFinalStateUnknown(`${NS}/owner-dep`, owned));
    assert.deepEqual(fx.queue.snapshot().queue, [`${NS}/owner`]);
    assert.ok(fx.logs.some((l) => l.message === 'recovered deleted object'));
  });

  it('ignores a tombstone without an object, with an error logged', () => {
    const fx = fixture({ foos: [owner] });
    fx.controller.handleObject(new DeletedFinalStateUnknown(`${NS}/x`, undefined));
    fx.controller.handleObject('not an object');
    assert.equal(fx.queue.len(), 0);
    assert.equal(fx.logs.filter((l) => l.level === 'error').length, 2);
  });

  it('ignores objects without a controller, or controlled by something that is not a Foo', () => {
    const fx = fixture({ foos: [owner] });
    const noController = structuredClone(owned);
    noController.metadata.ownerReferences![0]!.controller = false;
    const byReplicaSet = structuredClone(owned);
    byReplicaSet.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'owner', uid: 'uid-owner', controller: true }];
    const bare = structuredClone(owned);
    delete bare.metadata.ownerReferences;
    for (const d of [noController, byReplicaSet, bare]) fx.controller.handleObject(d);
    fx.controller.handleObject(new DeletedFinalStateUnknown(`${NS}/x`, byReplicaSet));
    assert.equal(fx.queue.len(), 0);
  });

  it('a Deployment controlled by a Foo of another group enqueues our Foo of that name (only the kind is compared)', () => {
    const fx = fixture({ foos: [owner] });
    const otherGroupFoo = structuredClone(owned);
    otherGroupFoo.metadata.ownerReferences = [{ apiVersion: 'example.com/v1', kind: 'Foo', name: 'owner', uid: 'uid-elsewhere', controller: true }];
    fx.controller.handleObject(otherGroupFoo);
    assert.deepEqual(fx.queue.snapshot().queue, [`${NS}/owner`]);
  });

  it('drops a Deployment whose Foo is no longer in the cache (orphaned: the garbage collector takes it)', () => {
    const fx = fixture({ foos: [] });
    fx.controller.handleObject(owned);
    assert.equal(fx.queue.len(), 0);
    assert.ok(fx.logs.some((l) => l.message === 'ignoring orphaned object'));
  });
});

describe('run', () => {
  it('rejects with "failed to wait for caches to sync" when stopped before the caches synced, having started nothing', async () => {
    const fx = fixture();
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(fx.controller.run(2, abort.signal), { message: FAILED_CACHE_SYNC });
    assert.equal(FAILED_CACHE_SYNC, 'failed to wait for caches to sync');
    assert.ok(fx.queue.shuttingDown());
    assert.deepEqual(fx.client.requests, []);
  });

  it('waits for the caches, syncs, and on abort lets the sync in flight finish before it returns', async () => {
    const f = foo('test');
    const factory = new SharedInformerFactory((resource) => staticListerWatcher(resource.resource === 'foos' ? [f] : []));
    const fooInformer = factory.informerFor<Foo>({ group: 'samplecontroller.k8s.io', version: 'v1alpha1', resource: 'foos', kind: 'Foo', namespaced: true });
    const deploymentInformer = factory.informerFor<Deployment>({ group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true });
    let release!: () => void;
    const createHeld = new Promise<void>((resolve) => (release = resolve));
    let creating!: () => void;
    const createSent = new Promise<void>((resolve) => (creating = resolve));
    const client = new FakeClient(async (req) => {
      if (req.method === 'POST' && req.path.endsWith('/deployments')) {
        creating();
        await createHeld;
        // Answered with a replica already available, so the sync's last write (the status) shows it ran to its end.
        return { ...(req.body as Deployment), status: { availableReplicas: 1 } };
      }
      return req.body;
    });
    const recorder = new EventRecorder(client.asClient(), { component: 'sample-controller' });
    const queue = new RateLimitingWorkQueue<string>({ rateLimiter: fooControllerRateLimiter() });
    let stopping!: () => void;
    const stopSeen = new Promise<void>((resolve) => (stopping = resolve));
    const logger: Logger = { info: (m) => void (m.startsWith('shutting down workers') && stopping()), error() {} };
    const controller = new FooController({ client: client.asClient(), fooInformer, deploymentInformer, recorder, queue, logger });

    const abort = new AbortController();
    factory.start(abort.signal);
    let returned = false;
    const running = controller.run(1, abort.signal).then(() => (returned = true));
    await createSent;
    // Another key is waiting when the stop comes, while the create is in flight: it must not be taken.
    queue.add(`${NS}/late`);
    abort.abort();
    // run has seen the stop; once everything it could do without the held create has settled (one turn of the
    // event loop), it must still be waiting.
    await stopSeen;
    await new Promise((r) => setImmediate(r));
    assert.equal(returned, false, 'run waits for the sync in flight');
    assert.ok(queue.shuttingDown());
    release();
    await running;
    await factory.shutdown();
    assert.deepEqual(
      client.writes().map((w) => w.method),
      ['POST', 'PUT'],
      'the held sync ran to its end',
    );
    assert.equal(controller.stats().syncs, 1);
    assert.ok(queue.shuttingDown());
  });
});
