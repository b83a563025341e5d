import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/machinery/clock.ts';
import { SharedInformerFactory, resourceId } from '../../../../src/machinery/cache/informer-factory.ts';
import type { ListerWatcherContext, ResourceDescriptor } from '../../../../src/machinery/cache/informer-factory.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { ScriptedListerWatcher } from './fake-lister-watcher.ts';
import { pod } from './helpers.ts';

const pods: ResourceDescriptor = { group: '', version: 'v1', resource: 'pods', namespaced: true, kind: 'Pod' };
const nodes: ResourceDescriptor = { group: '', version: 'v1', resource: 'nodes', namespaced: false, kind: 'Node' };
const deployments: ResourceDescriptor = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true, kind: 'Deployment' };

function setup(options: ConstructorParameters<typeof SharedInformerFactory>[1] = {}) {
  const clock = new FakeClock();
  const made: { id: string; context: ListerWatcherContext; lw: ScriptedListerWatcher<KubeObject> }[] = [];
  const factory = new SharedInformerFactory(
    (resource, context) => {
      const lw = new ScriptedListerWatcher<KubeObject>();
      if (resource.resource === 'pods') lw.objects = [pod('web', { ns: 'prod', rv: '1', labels: { app: 'web' } }), pod('db', { ns: 'prod', rv: '1' })];
      made.push({ id: resourceId(resource), context, lw });
      return lw;
    },
    { clock, reflector: { random: () => 0 }, ...options },
  );
  const lwFor = (id: string) => made.find((m) => m.id === id)!.lw;
  return { clock, factory, made, lwFor };
}

test('resource ids read like API paths', () => {
  assert.equal(resourceId(pods), 'v1/pods');
  assert.equal(resourceId(deployments), 'apps/v1/deployments');
});

test('the same resource always yields the same informer, built once', () => {
  const { factory, made } = setup();
  const a = factory.informerFor(pods);
  const b = factory.informerFor({ ...pods });
  assert.equal(a, b);
  assert.notEqual(factory.informerFor(deployments), a);
  assert.equal(made.length, 2);
});

test('informers run on the RealFIFO unless the factory asks for the DeltaFIFO', () => {
  assert.equal(setup().factory.informerFor(pods).fifoType(), 'real');
  assert.equal(setup({ fifo: 'delta' }).factory.informerFor(pods).fifoType(), 'delta');
});

test('the namespace goes to the transport for namespaced resources only', () => {
  const { factory, made } = setup({ namespace: 'prod' });
  factory.informerFor(pods);
  factory.informerFor(nodes);
  assert.deepEqual(
    made.map((m) => [m.id, m.context]),
    [
      ['v1/pods', { namespace: 'prod' }],
      ['v1/nodes', {}],
    ],
  );
});

test('start runs informers once, is non-blocking, and a later start picks up new informers only', async () => {
  const { factory, clock, lwFor } = setup();
  factory.informerFor(pods);
  const ctrl = new AbortController();
  factory.start(ctrl.signal);
  factory.start(ctrl.signal);
  await clock.advance(0);
  assert.equal(lwFor('v1/pods').listCalls.length, 1);
  factory.informerFor(nodes);
  factory.start(ctrl.signal);
  await clock.advance(0);
  assert.equal(lwFor('v1/pods').listCalls.length, 1);
  assert.equal(lwFor('v1/nodes').listCalls.length, 1);
  ctrl.abort();
  await factory.shutdown();
});

test('waitForCacheSync reports per resource and listers read the shared cache', async () => {
  const { factory, clock } = setup();
  const lister = factory.lister(pods);
  factory.informerFor(nodes);
  const ctrl = new AbortController();
  factory.start(ctrl.signal);
  // No poll period to wait out: the sync is signalled (clock.advance(0) only lets the promises run).
  const waiting = factory.waitForCacheSync(ctrl.signal);
  await clock.advance(0);
  const synced = await waiting;
  assert.equal(clock.now(), 0);
  assert.deepEqual(
    [...synced],
    [
      ['v1/pods', true],
      ['v1/nodes', true],
    ],
  );
  assert.deepEqual(
    lister
      .namespace('prod')
      .list('app=web')
      .map((p) => p.metadata!.name),
    ['web'],
  );
  assert.equal(lister.namespace('prod').get('db')?.metadata?.name, 'db');
  await factory.shutdown();
  assert.equal(clock.pendingTimers(), 0);
});

test('waitForCacheSync reports false for an informer that could not sync before the signal', async () => {
  const { factory, clock, lwFor } = setup();
  factory.informerFor(pods);
  lwFor('v1/pods').scriptList(new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'));
  const ctrl = new AbortController();
  factory.start(ctrl.signal);
  const waitCtrl = new AbortController();
  const result = factory.waitForCacheSync(waitCtrl.signal);
  await clock.advance(500);
  waitCtrl.abort();
  assert.deepEqual([...(await result)], [['v1/pods', false]]);
  await factory.shutdown();
});

test('tweakListOptions applies to every list and watch', async () => {
  const { factory, clock, lwFor } = setup({
    tweakListOptions: (o) => {
      o.labelSelector = 'app=web';
    },
  });
  factory.informerFor(pods);
  factory.start(new AbortController().signal);
  await clock.advance(0);
  assert.equal(lwFor('v1/pods').listCalls[0]!.labelSelector, 'app=web');
  assert.equal(lwFor('v1/pods').watchCalls[0]!.labelSelector, 'app=web');
  await factory.shutdown();
});

test('custom resync per resource overrides the default one; transform applies to every informer', async () => {
  const { factory, clock } = setup({
    defaultResyncMs: 30_000,
    customResync: { 'v1/pods': 5_000 },
    transform: (o) => ({ ...o, metadata: { ...o.metadata, annotations: { slim: 'yes' } } }),
  });
  const updates: string[] = [];
  factory.informerFor(pods).addEventHandler({ onUpdate: (_o, n) => void updates.push(n.metadata!.name!) });
  factory.start(new AbortController().signal);
  await clock.advance(5_000);
  assert.deepEqual(updates.sort(), ['db', 'web']);
  assert.deepEqual(factory.informerFor(pods).getStore().getByKey('prod/web')?.metadata?.annotations, { slim: 'yes' });
  await factory.shutdown();
});

test('shutdown stops every informer though its start signal never aborts (client-go only waits), then start does nothing', async () => {
  const { factory, clock, lwFor } = setup();
  const informer = factory.informerFor(pods);
  factory.start(new AbortController().signal);
  await clock.advance(0);
  await factory.shutdown();
  assert.equal(informer.isStopped(), true);
  assert.equal(lwFor('v1/pods').current.closed, true);
  assert.equal(clock.pendingTimers(), 0);
  factory.informerFor(nodes);
  factory.start(new AbortController().signal);
  await clock.advance(0);
  assert.equal(lwFor('v1/nodes').listCalls.length, 0);
});
