/** Checks the naked-pod exercise live: the pod as specified, Running when the call returns, and a second call's 409 handled. */
import { exported, expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';
import type { KubeClient } from '../../core/client.ts';
import { ApiStatusError } from '../../machinery/errors.ts';

interface Pod {
  metadata?: { name?: string };
  spec?: { containers?: { name?: string; image?: string }[] };
  status?: { phase?: string };
}
type RunNakedPod = (client: KubeClient, namespace: string) => Promise<Pod>;
const NAME = 'runNakedPod';

let first: Pod | undefined;
async function once(env: CheckEnv): Promise<Pod> {
  first ??= await exported<RunNakedPod>(env, NAME)(env.kube!.client, env.kube!.namespace);
  return first;
}

async function podInCluster(env: CheckEnv): Promise<Pod | undefined> {
  try {
    return (await env.kube!.client.request<Pod>({ path: `/api/v1/namespaces/${env.kube!.namespace}/pods/my-pod` })).body;
  } catch (err) {
    if (err instanceof ApiStatusError && err.code === 404) return undefined;
    throw err;
  }
}

export const expectations: Record<string, ExpectationCheck> = {
  'creates-the-pod': async (env) => {
    await once(env);
    const pod = await podInCluster(env);
    if (!pod) throw new Mismatch('the pod my-pod in the namespace verify gave you', 'no such pod', NAME);
    expectEqual(
      (pod.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image })),
      [{ name: 'my-ctr', image: 'httpd:alpine' }],
      NAME,
    );
  },
  'returns-running': async (env) => {
    const pod = await once(env);
    if (pod?.status?.phase !== 'Running') throw new Mismatch('the pod, returned once its phase is Running', `phase ${show(pod?.status?.phase)}`, NAME);
  },
  'handles-conflict': async (env) => {
    const again = await exported<RunNakedPod>(env, NAME)(env.kube!.client, env.kube!.namespace);
    expectEqual({ name: again?.metadata?.name, phase: again?.status?.phase }, { name: 'my-pod', phase: 'Running' }, NAME);
  },
};
