/**
 * Article II, "listing the nodes": one GET of /api/v1/nodes, and the columns a person reads from each
 * Node. The article's program prints NAME, ARCH and OS (status.nodeInfo.architecture and osImage); the wide
 * view adds what `kubectl get nodes -o wide` shows. Gathering only: the command renders.
 */
import type { KubeClient } from '../core/client.ts';
import type { Node, ObjectList } from '../core/objects.ts';

export interface NodeRow {
  name: string;
  arch: string;
  os: string;
  /** Ready, NotReady or Unknown, plus ",SchedulingDisabled" when cordoned. */
  status: string;
  roles: string;
  kubeletVersion: string;
  internalIP: string;
  created: string | undefined;
}

export interface NodeListing {
  nodes: Node[];
  rows: NodeRow[];
  resourceVersion: string | undefined;
}

export async function listNodes(client: KubeClient, opts: { labelSelector?: string | undefined; signal?: AbortSignal } = {}): Promise<NodeListing> {
  const { body } = await client.request<ObjectList<Node>>({
    path: '/api/v1/nodes',
    query: { labelSelector: opts.labelSelector },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const nodes = (body.items ?? []).map((n) => ({ apiVersion: 'v1', kind: 'Node', ...n }));
  return { nodes, rows: nodes.map(nodeRow), resourceVersion: body.metadata?.resourceVersion };
}

export function nodeRow(node: Node): NodeRow {
  const info = node.status?.nodeInfo;
  return {
    name: node.metadata?.name ?? '',
    arch: info?.architecture ?? '<unknown>',
    os: info?.osImage ?? '<unknown>',
    status: nodeStatus(node),
    roles: nodeRoles(node.metadata?.labels ?? {}),
    kubeletVersion: info?.kubeletVersion ?? '<unknown>',
    internalIP: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '<none>',
    created: node.metadata?.creationTimestamp,
  };
}

/** The Ready condition as kubectl words it: Ready, NotReady, Unknown; cordoned nodes add SchedulingDisabled. */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const base = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  return node.spec?.unschedulable ? `${base},SchedulingDisabled` : base;
}

/** Roles come from labels: `node-role.kubernetes.io/<role>` (any value) and the older `kubernetes.io/role=<role>`. */
export function nodeRoles(labels: Record<string, string>): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith('node-role.kubernetes.io/')) {
      const role = key.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (key === 'kubernetes.io/role' && value) {
      roles.add(value);
    }
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}
