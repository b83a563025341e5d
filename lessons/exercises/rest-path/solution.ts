// Our solution to the rest-path exercise.
import { ApiStatusError, type KubeClient } from 'kube-lessons/core';

interface ResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

export async function restPath(client: KubeClient, apiVersion: string, kind: string, namespace: string): Promise<string | undefined> {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  let list: ResourceList;
  try {
    list = (await client.request<ResourceList>({ path: base })).body;
  } catch (err) {
    if (err instanceof ApiStatusError && err.code === 404) return undefined;
    throw err;
  }
  const resource = list.resources.find((r) => r.kind === kind && !r.name.includes('/'));
  if (!resource) return undefined;
  return resource.namespaced ? `${base}/namespaces/${namespace}/${resource.name}` : `${base}/${resource.name}`;
}
