// Our solution to the naked-pod exercise.
import { ApiStatusError, type KubeClient } from 'kube-lessons/core';

export interface Pod {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: { containers: { name: string; image: string }[] };
  status?: { phase?: string };
}

const NAME = 'my-pod';

export async function runNakedPod(client: KubeClient, namespace: string): Promise<Pod> {
  const path = `/api/v1/namespaces/${namespace}/pods`;
  const manifest: Pod = { metadata: { name: NAME }, spec: { containers: [{ name: 'my-ctr', image: 'httpd:alpine' }] } };
  let pod: Pod;
  try {
    pod = (await client.request<Pod>({ method: 'POST', path, body: { apiVersion: 'v1', kind: 'Pod', ...manifest } })).body;
  } catch (err) {
    if (!(err instanceof ApiStatusError && err.code === 409)) throw err;
    pod = (await client.request<Pod>({ path: `${path}/${NAME}` })).body;
  }
  if (pod.status?.phase === 'Running') return pod;
  const events = await client.stream({ path, query: { watch: true, fieldSelector: `metadata.name=${NAME}`, resourceVersion: pod.metadata.resourceVersion } });
  try {
    for await (const line of events) {
      const event = JSON.parse(line) as { type: string; object: Pod };
      if (event.type === 'DELETED') throw new Error(`${NAME} was deleted while we waited`);
      if (event.object.status?.phase === 'Running') return event.object;
    }
  } finally {
    events.close();
  }
  throw new Error('the watch ended before the pod was Running');
}
