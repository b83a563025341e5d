/** Checks the list-nodes exercise against the nodes the cluster really has, handed to the learner out of order. */
import { exported, expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';
import type { KubeClient, RequestOptions } from '../../core/client.ts';

type NodeRows = (client: KubeClient) => Promise<{ name: string; arch: string; os: string }[]>;

interface NodeList {
  items: { metadata: { name: string }; status?: { nodeInfo?: { architecture?: string; operatingSystem?: string } } }[];
}

/**
 * The cluster's client, except that a list of nodes comes back whole and in reverse name order: the API server
 * answers sorted by name, which would pass a learner who never sorts. The path may carry the query
 * ('/api/v1/nodes?labelSelector='), and limit and continue are dropped, so the list comes in one answer:
 * pages of one node each (limit: 1) would each be "reversed" and still arrive sorted.
 */
function unsortedNodes(client: KubeClient): KubeClient {
  const request = async (opts: RequestOptions) => {
    const url = new URL(opts.path, 'http://check.invalid');
    if ((opts.method ?? 'GET').toUpperCase() !== 'GET' || !/^\/api\/v1\/nodes\/?$/.test(url.pathname)) return client.request(opts);
    const query = { ...Object.fromEntries(url.searchParams), ...opts.query, limit: undefined, continue: undefined };
    const r = await client.request({ ...opts, path: url.pathname, query });
    const body = r.body as (Partial<NodeList> & { metadata?: Record<string, unknown> }) | undefined;
    if (!Array.isArray(body?.items)) return r;
    const items = [...body.items].sort((a, b) => b.metadata.name.localeCompare(a.metadata.name));
    const { continue: _c, remainingItemCount: _r, ...metadata } = body.metadata ?? {};
    return { ...r, body: { ...body, metadata, items } };
  };
  return new Proxy(client, {
    get(target, p) {
      if (p === 'request') return request;
      const v: unknown = Reflect.get(target, p, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function both(env: CheckEnv) {
  const client = env.kube!.client;
  const got = await exported<NodeRows>(env, 'nodeRows')(unsortedNodes(client));
  if (!Array.isArray(got)) throw new Mismatch('an array of rows', show(got), 'nodeRows');
  const { body } = await client.request<NodeList>({ path: '/api/v1/nodes' });
  const want = body.items
    .map((n) => ({ name: n.metadata.name, arch: n.status?.nodeInfo?.architecture ?? '', os: n.status?.nodeInfo?.operatingSystem ?? '' }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { got, want };
}

export const expectations: Record<string, ExpectationCheck> = {
  'one-row-per-node': async (env) => {
    const { got, want } = await both(env);
    if (got.length !== want.length) throw new Mismatch(`${want.length} rows (the cluster has ${want.length} nodes)`, `${got.length}`, 'nodeRows');
  },
  'names-sorted': async (env) => {
    const { got, want } = await both(env);
    expectEqual(
      got.map((r) => r?.name),
      want.map((r) => r.name),
      'nodeRows',
    );
  },
  'arch-and-os': async (env) => {
    const { got, want } = await both(env);
    expectEqual(
      got.map((r) => ({ name: r.name, arch: r.arch, os: r.os })),
      want,
      'nodeRows',
    );
  },
};
