/**
 * Checks the naked-pod exercise live: the pod as specified, Running when the call returns, reached with a
 * watch, and a second call's 409 handled. The learner's client is the cluster's, watched on the way: which
 * requests it sent (a watch, or only GETs) and which pods its POSTs created, wherever they landed.
 */
import { exported, expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';
import type { KubeClient, RequestOptions } from '../../core/client.ts';
import { ApiStatusError } from '../../machinery/errors.ts';

interface Pod {
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: { containers?: { name?: string; image?: string }[] };
  status?: { phase?: string };
}
type RunNakedPod = (client: KubeClient, namespace: string) => Promise<Pod>;
const NAME = 'runNakedPod';
/** How long my-pod may be Running, seen from here, before a runNakedPod that has not returned is judged stuck. */
const STUCK_MS = 5000;

/** What the learner's code did with its client, across both calls. */
const seen = { requests: 0, gets: 0, watches: 0, created: [] as { namespace: string; name: string; uid: string }[] };

/** A watch as the API server reads one: watch=true (as Go's ParseBool reads it) in the query or in the path, or a /watch/ path. */
function isWatch(opts: RequestOptions): boolean {
  const url = new URL(opts.path, 'http://check.invalid');
  const q = opts.query?.watch;
  const watch = q !== undefined && q !== '' ? String(q) : url.searchParams.get('watch');
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(watch ?? '') || /\/watch\//.test(url.pathname);
}

function spied(env: CheckEnv): KubeClient {
  const { client } = env.kube!;
  const request = async (opts: RequestOptions) => {
    seen.requests++;
    if (isWatch(opts)) seen.watches++;
    else if ((opts.method ?? 'GET').toUpperCase() === 'GET') seen.gets++;
    const r = await client.request(opts);
    const made = r.body as Pod | undefined;
    // What a POST answers with is what it created: the proof needed to delete it if it landed elsewhere.
    if (opts.method?.toUpperCase() === 'POST' && made?.metadata?.uid && made.metadata.namespace && made.metadata.name) {
      const { namespace, name, uid } = made.metadata;
      seen.created.push({ namespace, name, uid });
      if (namespace !== env.kube!.namespace) env.kube!.created?.(`/api/v1/namespaces/${namespace}/pods/${name}`, uid);
    }
    return r;
  };
  const stream = (opts: RequestOptions) => {
    seen.requests++;
    if (isWatch(opts)) seen.watches++;
    return client.stream(opts);
  };
  // stream's own openStream is the target's, so a watch through stream is counted once.
  const openStream = (opts: RequestOptions) => {
    seen.requests++;
    if (isWatch(opts)) seen.watches++;
    return client.openStream(opts);
  };
  return new Proxy(client, {
    get(target, p) {
      if (p === 'request') return request;
      if (p === 'stream') return stream;
      if (p === 'openStream') return openStream;
      const v: unknown = Reflect.get(target, p, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function getPod(env: CheckEnv, namespace: string, name = 'my-pod'): Promise<Pod | undefined> {
  try {
    return (await env.kube!.client.request<Pod>({ path: `/api/v1/namespaces/${namespace}/pods/${name}` })).body;
  } catch (err) {
    if (err instanceof ApiStatusError && err.code === 404) return undefined;
    throw err;
  }
}

/**
 * The learner's call, raced against a look at the pod from here: a loop that misses the pod being Running
 * (comparing with 'running', say) would otherwise wait out the whole time limit and be reported as slow.
 */
async function call(env: CheckEnv, stuck: string): Promise<Pod> {
  const learner = exported<RunNakedPod>(env, NAME)(spied(env), env.kube!.namespace);
  let settled = false;
  const done = learner.finally(() => (settled = true));
  // Once the watchdog has judged, a late rejection of the abandoned call is not the learner's failure to report.
  done.catch(() => undefined);
  const watchdog = (async (): Promise<never> => {
    let runningSince: number | undefined;
    while (!settled) {
      await new Promise((r) => setTimeout(r, 250));
      const where = seen.created.at(-1) ?? { namespace: env.kube!.namespace, name: 'my-pod' };
      const pod = await getPod(env, where.namespace, where.name).catch(() => undefined);
      if (pod?.status?.phase !== 'Running') runningSince = undefined;
      else if ((runningSince ??= Date.now()) <= Date.now() - STUCK_MS && !settled)
        throw new Mismatch(`${NAME} to return once my-pod is Running`, stuck.replace('{s}', `${STUCK_MS / 1000} s`), NAME);
    }
    return new Promise<never>(() => undefined);
  })();
  return Promise.race([done, watchdog]);
}

let first: Promise<Pod> | undefined;
const once = (env: CheckEnv) =>
  (first ??= call(env, `my-pod has been Running for {s} but ${NAME} has not returned: does your loop recognise phase 'Running' (with a capital R)?`));

/** Deletes the pods this run's POSTs created outside its namespace (the parent deletes only that one), by uid. */
async function cleanUp(env: CheckEnv): Promise<string[]> {
  const gone: string[] = [];
  for (const p of seen.created.filter((c) => c.namespace !== env.kube!.namespace)) {
    try {
      await env.kube!.client.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${p.namespace}/pods/${p.name}`,
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: p.uid } },
      });
      gone.push(`${p.namespace}/${p.name}`);
    } catch {
      // Gone already, or replaced by another pod of that name (the uid differs): not ours to delete.
    }
  }
  seen.created = seen.created.filter((c) => c.namespace === env.kube!.namespace);
  return gone;
}

/** Whatever ends the run early (a mismatch, the learner's error), what it created elsewhere goes first. */
const cleaning =
  (check: ExpectationCheck, last = false): ExpectationCheck =>
  async (env) => {
    try {
      await check(env);
    } catch (err) {
      await cleanUp(env);
      throw err;
    }
    if (last) await cleanUp(env);
  };

/** Where else my-pod is: where this run created it, else any namespace but those of verify runs (kl-ex-*, another run's). */
async function elsewhere(env: CheckEnv): Promise<string[]> {
  const created = seen.created.filter((c) => c.namespace !== env.kube!.namespace).map((c) => c.namespace);
  if (created.length > 0) return [...new Set(created)];
  try {
    const { body } = await env.kube!.client.request<{ items: Pod[] }>({ path: '/api/v1/pods', query: { fieldSelector: 'metadata.name=my-pod' } });
    return body.items.map((p) => p.metadata?.namespace ?? '').filter((ns) => ns && ns !== env.kube!.namespace && !ns.startsWith('kl-ex-'));
  } catch {
    return [];
  }
}

export const expectations: Record<string, ExpectationCheck> = {
  'creates-the-pod': cleaning(async (env) => {
    await once(env);
    const pod = await getPod(env, env.kube!.namespace);
    if (!pod) {
      const found = await elsewhere(env);
      if (found.length === 0) throw new Mismatch('the pod my-pod in the namespace verify gave you', 'no such pod', NAME);
      const gone = await cleanUp(env);
      const deleted = gone.length > 0 ? ` (deleted now: this run created it)` : '';
      throw new Mismatch(
        'the pod my-pod in the namespace verify gave you',
        `no such pod there, but found my-pod in namespace ${found.join(', ')}${deleted}: use the namespace parameter`,
        NAME,
      );
    }
    expectEqual(
      (pod.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image })),
      [{ name: 'my-ctr', image: 'httpd:alpine' }],
      NAME,
      { at: 'spec.containers' },
    );
  }),
  'returns-running': cleaning(async (env) => {
    const pod = await once(env);
    if (pod?.status?.phase !== 'Running') throw new Mismatch('the pod, returned once its phase is Running', `phase ${show(pod?.status?.phase)}`, NAME);
    // Polling is GETs and no watch. No requests seen means a client of the learner's own making (or a typed
    // client from client.api): nothing to judge the waiting by.
    if (seen.gets > 0 && seen.watches === 0)
      throw new Mismatch(
        'a watch to wait for Running (client.stream with watch: true)',
        `no watch request, only ${seen.gets} GET${seen.gets === 1 ? '' : 's'} (polling)`,
        NAME,
      );
  }),
  'handles-conflict': cleaning(async (env) => {
    const again = await call(
      env,
      `my-pod was Running already, and ${NAME} called again has not returned after {s}: after the 409, check the phase of the pod you GET (a watch from its resourceVersion has nothing new to send)`,
    );
    expectEqual({ name: again?.metadata?.name, phase: again?.status?.phase }, { name: 'my-pod', phase: 'Running' }, NAME);
  }, true),
};
