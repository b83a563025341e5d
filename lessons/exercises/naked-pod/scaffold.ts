// Exercise: naked-pod (Learning Go with Kubernetes III, a naked pod).
// Create the pod my-pod with one container my-ctr running httpd:alpine, then wait until it is Running: not by
// polling, but with a watch on that one pod, from the resourceVersion the create returned. Running it twice
// must work: the second create answers 409 Conflict (AlreadyExists), and then you wait for the existing pod.
//
// Run `npx kube-lessons verify naked-pod` (it needs a cluster: the sandbox will do; verify gives you a namespace).
import { ApiStatusError, type KubeClient } from 'kube-lessons/core';

export interface Pod {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: { containers: { name: string; image: string }[] };
  status?: { phase?: string };
}

/** Creates my-pod in `namespace` (or finds it there) and resolves with the pod once its phase is Running. */
export async function runNakedPod(client: KubeClient, namespace: string): Promise<Pod> {
  // TODO: POST the pod to /api/v1/namespaces/<namespace>/pods; on ApiStatusError with code 409, GET it instead.
  // TODO: then watch: client.stream({ path, query: { watch: true, fieldSelector: 'metadata.name=my-pod', resourceVersion } })
  //       yields one JSON line per event ({ type, object }); stop at the first object with status.phase Running.
  void ApiStatusError;
  void client;
  return { metadata: { name: '', namespace } };
}
