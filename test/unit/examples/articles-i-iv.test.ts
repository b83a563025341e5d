/** The pure parts of the article I–IV commands: node columns, pod outcomes, the --explain view, client-node naming rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from '../../../src/core/objects.ts';
import { pathTemplates } from '../../../src/core/discovery.ts';
import { checkNode, kubeconfigChecks } from '../../../src/examples/doctor.ts';
import type { KubeEnv } from '../../../src/core/kube-env.ts';
import { PLAIN_HTTP_CREDENTIAL } from '../../../src/core/kubeconfig.ts';
import { nodeRoles, nodeRow, nodeStatus } from '../../../src/examples/list-nodes.ts';
import { buildPod, explainPod, lastCondition, podOutcome } from '../../../src/examples/pod.ts';
import { apiClassName, apiMethodName, customObjectsMethod } from '../../../src/examples/trace.ts';

const node = (over: Partial<Node> = {}): Node => ({
  metadata: { name: 'n1', labels: {} },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    nodeInfo: { architecture: 'arm64', osImage: 'Debian 12' },
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
  },
  ...over,
});

describe('list-nodes columns', () => {
  it('reads ARCH and OS from status.nodeInfo', () => {
    const r = nodeRow(node());
    assert.equal(r.arch, 'arm64');
    assert.equal(r.os, 'Debian 12');
    assert.equal(r.internalIP, '10.0.0.1');
  });

  it('words the Ready condition as kubectl does, adding SchedulingDisabled when cordoned', () => {
    assert.equal(nodeStatus(node()), 'Ready');
    assert.equal(nodeStatus(node({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })), 'NotReady');
    assert.equal(nodeStatus(node({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })), 'Unknown');
    assert.equal(nodeStatus(node({ status: {} })), 'Unknown');
    assert.equal(nodeStatus(node({ spec: { unschedulable: true } })), 'Ready,SchedulingDisabled');
  });

  it('takes roles from node-role.kubernetes.io/* and kubernetes.io/role labels', () => {
    assert.equal(nodeRoles({}), '<none>');
    assert.equal(nodeRoles({ 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' }), 'control-plane,worker');
    assert.equal(nodeRoles({ 'kubernetes.io/role': 'master', 'node-role.kubernetes.io/': 'x' }), 'master');
  });
});

describe('create-pod', () => {
  const running = (status: Pod['status']): Pod => ({ metadata: { name: 'p' }, ...(status ? { status } : {}) });

  it('builds the article pod, labels only when given', () => {
    const pod = buildPod({ name: 'my-pod', namespace: 'ns', container: 'my-ctr', image: 'httpd:alpine', labels: {} });
    assert.deepEqual(pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'my-pod', namespace: 'ns' },
      spec: { containers: [{ name: 'my-ctr', image: 'httpd:alpine' }] },
    });
  });

  it('decides Running, failures for good, and still-waiting', () => {
    assert.deepEqual(podOutcome(running({ phase: 'Running' }))?.ok, true);
    assert.equal(podOutcome(running({ phase: 'Pending' })), undefined);
    const pull = podOutcome(
      running({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'c',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
          },
        ],
      }),
    );
    assert.deepEqual(pull && !pull.ok && [pull.reason, pull.message], ['ImagePullBackOff', 'container c: Back-off pulling image "x"']);
    // The scheduler retries an unschedulable pod, so waiting goes on; the condition is what a timeout reports.
    const unschedulable = running({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }],
    });
    assert.equal(podOutcome(unschedulable), undefined);
    assert.equal(lastCondition(unschedulable), 'phase Pending, PodScheduled=False Unschedulable: 0/3 nodes are available');
    const failed = podOutcome(running({ phase: 'Failed', reason: 'Evicted' }));
    assert.deepEqual(failed && !failed.ok && failed.reason, 'Evicted');
    assert.equal(
      podOutcome(
        running({
          phase: 'Pending',
          containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
        }),
      ),
      undefined,
    );
  });

  it('--explain puts each field of the TS model and the YAML manifest on the same row', () => {
    const view = explainPod(
      buildPod({ name: 'web', namespace: 'demo', container: 'srv', image: 'nginx:1.27', labels: { app: 'web', 'example.com/tier': 'true' } }),
    );
    const row = (ts: string) => view.rows.find(([t]) => t.trim() === ts)?.[1];
    assert.equal(row("name: 'web',"), '  name: web');
    assert.equal(row("app: 'web',"), '    app: web');
    assert.equal(row("'example.com/tier': 'true',"), '    example.com/tier: "true"', 'YAML quotes what would read as a boolean');
    assert.equal(row("name: 'srv',"), '  - name: srv', 'the first field of a list item carries the dash');
    assert.equal(row("image: 'nginx:1.27',"), '    image: nginx:1.27');
    assert.ok(view.rows.some(([t]) => t === 'const pod: V1Pod = {'));
    assert.ok(view.tsFooter.some((l) => l.includes("createNamespacedPod({ namespace: 'demo', body: pod })")));
  });
});

describe('trace naming rules', () => {
  it('maps a group/version to its client-node class', () => {
    assert.equal(apiClassName('', 'v1'), 'CoreV1Api');
    assert.equal(apiClassName('apps', 'v1'), 'AppsV1Api');
    assert.equal(apiClassName('rbac.authorization.k8s.io', 'v1'), 'RbacAuthorizationV1Api');
    assert.equal(apiClassName('flowcontrol.apiserver.k8s.io', 'v1'), 'FlowcontrolApiserverV1Api');
    assert.equal(apiClassName('autoscaling', 'v2'), 'AutoscalingV2Api');
  });

  it('names methods read/list [Namespaced] Kind, or ForAllNamespaces', () => {
    assert.equal(apiMethodName('list', 'Node', false), 'listNode');
    assert.equal(apiMethodName('get', 'Deployment', true), 'readNamespacedDeployment');
    assert.equal(apiMethodName('list', 'Pod', true, true), 'listPodForAllNamespaces');
    assert.equal(customObjectsMethod('list', true), 'listNamespacedCustomObject');
    assert.equal(customObjectsMethod('get', false), 'getClusterCustomObject');
  });

  it('every derived class and method exists in client-node', async () => {
    const k8s = (await import('@kubernetes/client-node')) as unknown as Record<string, { prototype: Record<string, unknown> }>;
    const cases: [string, string, string, boolean][] = [
      ['', 'v1', 'Pod', true],
      ['', 'v1', 'Node', false],
      ['apps', 'v1', 'Deployment', true],
      ['batch', 'v1', 'Job', true],
      ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', false],
      ['networking.k8s.io', 'v1', 'Ingress', true],
      ['apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', false],
    ];
    for (const [g, v, kind, namespaced] of cases) {
      const cls = k8s[apiClassName(g, v)];
      assert.ok(cls, apiClassName(g, v));
      for (const verb of ['get', 'list'] as const)
        assert.equal(typeof cls.prototype[apiMethodName(verb, kind, namespaced)], 'function', `${apiClassName(g, v)}.${apiMethodName(verb, kind, namespaced)}`);
    }
  });

  it('REST path templates for core, grouped and cluster-scoped resources', () => {
    assert.deepEqual(pathTemplates({ group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true }), {
      collection: '/api/v1/namespaces/{namespace}/pods',
      object: '/api/v1/namespaces/{namespace}/pods/{name}',
      allNamespaces: '/api/v1/pods',
    });
    assert.equal(
      pathTemplates({ group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true }).collection,
      '/apis/batch/v1/namespaces/{namespace}/jobs',
    );
    assert.deepEqual(pathTemplates({ group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false }), {
      collection: '/api/v1/nodes',
      object: '/api/v1/nodes/{name}',
    });
  });
});

describe('doctor', () => {
  it('passes Node >= 22.19 and explains the failure below it', () => {
    assert.equal(checkNode('22.19.0').status, 'pass');
    assert.equal(checkNode('24.1.0').status, 'pass');
    const old = checkNode('20.11.1');
    assert.equal(old.status, 'fail');
    assert.match(old.message, /undici 8/);
    assert.match(old.hint!, /22\.19/);
    assert.equal(checkNode('22.18.9').status, 'fail');
  });

  it("points at the https URL, not at missing credentials, when a plain http server keeps a user's credentials from being sent", () => {
    const config = { source: 'flag', files: ['/k'], contextName: 'c', clusterName: 'k', server: 'http://127.0.0.1:8080', userName: 'u', namespace: 'default' };
    const user = (credentialKind: string) => kubeconfigChecks({ config: { ...config, credentialKind } } as unknown as KubeEnv).find((c) => c.name === 'user')!;
    const withheld = user(PLAIN_HTTP_CREDENTIAL);
    assert.equal(withheld.status, 'warn');
    assert.match(withheld.message, /^u has credentials, but they are not sent to a plain http server/);
    assert.match(withheld.hint!, /https:\/\/ URL in cluster "k"/);
    assert.doesNotMatch(withheld.hint!, /add credentials/);
    assert.match(user('none (anonymous)').hint!, /add credentials to the user entry/);
  });
});
