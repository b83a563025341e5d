// The protobuf decoder against a real API server: built-in objects of many kinds, fetched once as JSON and
// once as protobuf, must be deep-equal object for object; so must a watch's events and its Status errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../src/core/client.ts';
import { listerWatcherFor } from '../../../src/core/list-watch-client.ts';
import { BUILTIN_RESOURCES } from '../../../src/core/resources.ts';
import { ApiStatusError } from '../../../src/machinery/errors.ts';
import type { KubeObject, WatchEvent } from '../../../src/machinery/cache/list-watch.ts';
import { createTestNamespace, deleteNamespace, testClient, waitUntil } from '../../helpers/cluster.ts';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
let client: KubeClient;
let ns: string;

interface List {
  kind: string;
  apiVersion: string;
  items: KubeObject[];
}

before(async () => {
  client = await testClient();
  ns = await createTestNamespace(client, 'protobuf');
  const post = (path: string, body: unknown) => client.request({ method: 'POST', path: path.replace('NS', ns), body });
  const now = new Date();
  const micro = now.toISOString().replace('Z', '123Z');
  await Promise.all([
    post('/api/v1/namespaces/NS/configmaps', {
      metadata: { name: 'cm', labels: { a: 'b' } },
      data: { k: 'v', empty: '' },
      binaryData: { bin: Buffer.from([0, 255, 7]).toString('base64') },
    }),
    post('/api/v1/namespaces/NS/secrets', {
      metadata: { name: 's' },
      type: 'Opaque',
      data: { password: Buffer.from('hunter2').toString('base64') },
      immutable: false,
    }),
    post('/api/v1/namespaces/NS/services', {
      metadata: { name: 'svc' },
      spec: {
        selector: { app: 'x' },
        ports: [
          { name: 'http', port: 80, targetPort: 'web' },
          { name: 'alt', port: 8080, targetPort: 9090, protocol: 'UDP' },
        ],
      },
    }),
    post('/apis/coordination.k8s.io/v1/namespaces/NS/leases', {
      metadata: { name: 'l' },
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: micro, renewTime: micro, leaseTransitions: 0 },
    }),
    post('/apis/events.k8s.io/v1/namespaces/NS/events', {
      metadata: { name: 'e' },
      eventTime: micro,
      reportingController: 'kube-lessons/test',
      reportingInstance: 'test-1',
      action: 'Testing',
      reason: 'Tested',
      type: 'Normal',
      regarding: { kind: 'ConfigMap', namespace: ns, name: 'cm', apiVersion: 'v1' },
      note: 'ünïcødé note',
    }),
    post('/apis/apps/v1/namespaces/NS/deployments', {
      metadata: { name: 'd' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'd' } },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: 'd' } },
          spec: {
            containers: [
              {
                name: 'c',
                image: 'registry.k8s.io/pause:3.10',
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '1Gi' } },
                readinessProbe: { httpGet: { port: 'web', path: '/' }, periodSeconds: 5 },
                ports: [{ name: 'web', containerPort: 8080 }],
              },
            ],
            volumes: [
              { name: 'v', emptyDir: { sizeLimit: '1Gi' } },
              { name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } },
            ],
          },
        },
      },
    }),
    post('/apis/policy/v1/namespaces/NS/poddisruptionbudgets', {
      metadata: { name: 'pdb' },
      spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'd' } } },
    }),
    post('/apis/apps/v1/namespaces/NS/controllerrevisions', { metadata: { name: 'rev' }, revision: 3, data: { spec: { template: { x: [1, 'two', null] } } } }),
    post('/apis/autoscaling/v2/namespaces/NS/horizontalpodautoscalers', {
      metadata: { name: 'hpa' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '500m' } } }],
      },
    }),
    post('/apis/batch/v1/namespaces/NS/cronjobs', {
      metadata: { name: 'cj' },
      spec: {
        schedule: '*/5 * * * *',
        suspend: true,
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } } },
      },
    }),
    post('/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies', {
      metadata: { name: 'np' },
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 'web' }, { port: 53, protocol: 'UDP', endPort: 60 }] }], policyTypes: ['Ingress'] },
    }),
    post('/apis/rbac.authorization.k8s.io/v1/namespaces/NS/roles', {
      metadata: { name: 'r' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    }),
  ]);
  // The deployment's pods exist and run (kwok), so pods, replicasets and endpointslices have status to compare.
  await waitUntil(
    'the deployment’s pods to run',
    async () => {
      const pods = (await client.request<List>({ path: `/api/v1/namespaces/${ns}/pods` })).body.items;
      return pods.length === 2 && pods.every((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running');
    },
    90_000,
  );
});

after(async () => {
  if (ns) await deleteNamespace(client, ns);
  await client?.close();
});

/** The list at `path` as JSON and as protobuf, fetched until no object changed in between. */
async function bothWays(path: string): Promise<{ json: List; protobuf: List; contentType: string }> {
  for (let attempt = 1; ; attempt++) {
    const json1 = (await client.request<List>({ path })).body;
    const pb = await client.request<List>({ path, accept: PROTOBUF });
    const json2 = (await client.request<List>({ path })).body;
    const versions = (l: List) => l.items.map((o) => `${o.metadata?.uid}@${o.metadata?.resourceVersion}`).join(',');
    if ((versions(json1) === versions(json2) && versions(json1) === versions(pb.body)) || attempt === 5) {
      return { json: json1, protobuf: pb.body, contentType: pb.headers.get('content-type') ?? '' };
    }
  }
}

const PATHS = [
  '/api/v1/namespaces/NS/pods',
  '/api/v1/namespaces/NS/configmaps',
  '/api/v1/namespaces/NS/secrets',
  '/api/v1/namespaces/NS/services',
  '/api/v1/namespaces/NS/serviceaccounts',
  '/api/v1/namespaces/NS/events',
  '/api/v1/namespaces/NS/endpoints',
  '/api/v1/nodes',
  '/api/v1/namespaces',
  '/apis/apps/v1/namespaces/NS/deployments',
  '/apis/apps/v1/namespaces/NS/replicasets',
  '/apis/apps/v1/namespaces/NS/controllerrevisions',
  '/apis/coordination.k8s.io/v1/namespaces/NS/leases',
  '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
  '/apis/events.k8s.io/v1/namespaces/NS/events',
  '/apis/discovery.k8s.io/v1/namespaces/NS/endpointslices',
  '/apis/policy/v1/namespaces/NS/poddisruptionbudgets',
  '/apis/autoscaling/v2/namespaces/NS/horizontalpodautoscalers',
  '/apis/batch/v1/namespaces/NS/cronjobs',
  '/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies',
  '/apis/rbac.authorization.k8s.io/v1/namespaces/NS/roles',
  '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas',
  '/apis/scheduling.k8s.io/v1/priorityclasses',
  '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
];

describe('protobuf and JSON answers decode to the same objects', () => {
  for (const template of PATHS) {
    it(`lists ${template}`, async () => {
      const path = template.replace('NS', ns);
      const { json, protobuf, contentType } = await bothWays(path);
      assert.match(contentType, /^application\/vnd\.kubernetes\.protobuf/);
      assert.equal(protobuf.kind, json.kind);
      assert.equal(protobuf.apiVersion, json.apiVersion);
      assert.equal(protobuf.items.length, json.items.length);
      for (let i = 0; i < json.items.length; i++) assert.deepStrictEqual(protobuf.items[i], json.items[i], `${path} item ${i}`);
      if (!template.includes('validatingadmissionpolicies')) assert.ok(json.items.length > 0, `${path} has objects to compare`);
    });
  }

  it('decodes a single object with its kind, and a protobuf Status error into the same ApiStatusError', async () => {
    const path = `/api/v1/namespaces/${ns}/secrets/s`;
    assert.deepStrictEqual((await client.request({ path, accept: PROTOBUF })).body, (await client.request({ path })).body);
    const missing = `/api/v1/namespaces/${ns}/pods/nope`;
    const [pbError, jsonError] = await Promise.all([
      client.request({ path: missing, accept: PROTOBUF }).catch((e: unknown) => e),
      client.request({ path: missing }).catch((e: unknown) => e),
    ]);
    assert.ok(pbError instanceof ApiStatusError && jsonError instanceof ApiStatusError);
    assert.deepStrictEqual({ ...pbError, stack: '' }, { ...jsonError, stack: '' });
    assert.equal(pbError.message, jsonError.message);
  });
});

describe('the lister-watcher speaks protobuf for built-in kinds', () => {
  async function events(wire: 'json' | 'protobuf', opts: Parameters<ReturnType<typeof listerWatcherFor>['watch']>[0], until: (e: WatchEvent) => boolean) {
    const traced: string[] = [];
    const saved = client.hooks;
    client.hooks = { ...saved, response: (r) => traced.push(r.contentType), chunk: (line) => traced.push(line) };
    try {
      const stream = await listerWatcherFor(client, BUILTIN_RESOURCES.pods, { namespace: ns, wire }).watch(opts);
      const out: WatchEvent[] = [];
      // A server that never sends the awaited event would leave the watch open until the suite's timeout:
      // closed after 30 s instead, and the test fails naming what came.
      let expired = false;
      const timer = setTimeout(() => {
        expired = true;
        stream.close();
      }, 30_000);
      try {
        for await (const e of stream) {
          out.push(e);
          if (until(e)) break;
        }
      } catch (err) {
        if (!expired) throw err;
      } finally {
        clearTimeout(timer);
        stream.close();
      }
      assert.ok(
        !expired && out.length > 0 && until(out.at(-1)!),
        `${wire} watch: not the awaited event within 30 s; got ${out.map((e) => e.type).join(', ') || 'nothing'}`,
      );
      return { out, traced };
    } finally {
      client.hooks = saved;
    }
  }

  it('streams a watch-list as frames: the same ADDED objects and the initial-events-end bookmark', async () => {
    const opts = { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true };
    const end = (e: WatchEvent) => e.type === 'BOOKMARK' && e.object.metadata?.annotations !== undefined;
    const pb = await events('protobuf', opts, end);
    const json = await events('json', opts, end);
    assert.match(pb.traced[0]!, /^application\/vnd\.kubernetes\.protobuf;stream=watch/);
    assert.ok(
      pb.traced.some((l) => /^\[protobuf frame, \d+ bytes\] ADDED v1 Pod /.test(l)),
      'the trace describes each frame',
    );
    const added = (r: { out: WatchEvent[] }) =>
      r.out.filter((e) => e.type === 'ADDED').sort((a, b) => a.object.metadata!.name!.localeCompare(b.object.metadata!.name!));
    assert.equal(added(pb).length, 2);
    const pbAdded = added(pb);
    const jsonAdded = added(json);
    for (let i = 0; i < pbAdded.length; i++) {
      if (pbAdded[i]!.object.metadata!.resourceVersion === jsonAdded[i]!.object.metadata!.resourceVersion) assert.deepStrictEqual(pbAdded[i], jsonAdded[i]);
    }
    const bookmark = pb.out.at(-1)!;
    assert.equal((bookmark.object.metadata!.annotations as Record<string, string>)['k8s.io/initial-events-end'], 'true');
    assert.deepStrictEqual(Object.keys(bookmark.object).sort(), Object.keys(json.out.at(-1)!.object).sort());
  });

  it('ends a watch from an expired version with an ERROR event whose Status (a protobuf frame) equals the JSON one', async () => {
    // Version 1 is older than anything the API server's watch cache holds: it answers 200, then one ERROR event.
    const opts = { resourceVersion: '1' };
    const isError = (e: WatchEvent) => e.type === 'ERROR';
    const [pb, json] = [await events('protobuf', opts, isError), await events('json', opts, isError)];
    assert.match(pb.traced[0]!, /^application\/vnd\.kubernetes\.protobuf;stream=watch/);
    assert.ok(
      pb.traced.some((l) => /^\[protobuf frame, \d+ bytes\] ERROR v1 Status$/.test(l)),
      `the Status came as a protobuf frame: ${pb.traced.join(' | ')}`,
    );
    const pbStatus = pb.out.at(-1)!.object as { code?: number; reason?: string; message?: string };
    assert.equal(pbStatus.code, 410);
    assert.equal(pbStatus.reason, 'Expired');
    // The message names the oldest version the watch cache holds, which other test files move on meanwhile.
    const masked = (e: WatchEvent) => ({
      ...e,
      object: { ...e.object, message: String((e.object as { message?: string }).message).replace(/\(\d+\)/, '(N)') },
    });
    assert.deepStrictEqual(masked(pb.out.at(-1)!), masked(json.out.at(-1)!));
  });

  it('refuses a bad watch with the same ApiStatusError as JSON (a protobuf Status body)', async () => {
    const refused = (wire: 'json' | 'protobuf') =>
      listerWatcherFor(client, BUILTIN_RESOURCES.pods, { namespace: ns, wire })
        .watch({ labelSelector: 'a in (' })
        .then(
          () => assert.fail('the watch was accepted'),
          (e: unknown) => e,
        );
    const [pb, json] = await Promise.all([refused('protobuf'), refused('json')]);
    assert.ok(pb instanceof ApiStatusError && json instanceof ApiStatusError);
    assert.equal(pb.code, 400);
    assert.deepStrictEqual({ ...pb, stack: '' }, { ...json, stack: '' });
  });

  it('lists built-in kinds as protobuf and custom resources as JSON', async () => {
    const types: string[] = [];
    const saved = client.hooks;
    client.hooks = { ...saved, response: (r) => types.push(r.contentType) };
    try {
      const listed = await listerWatcherFor(client, BUILTIN_RESOURCES.pods, { namespace: ns }).list({});
      assert.equal(listed.items.length, 2);
      assert.equal(listed.items[0]!.kind, 'Pod');
      const crds = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };
      await listerWatcherFor(client, crds).list({});
    } finally {
      client.hooks = saved;
    }
    assert.match(types[0]!, /^application\/vnd\.kubernetes\.protobuf/);
    assert.match(types[1]!, /^application\/json/);
  });
});
