// Our solution to the list-nodes exercise.
import type { KubeClient } from 'kube-lessons/core';

export interface NodeRow {
  name: string;
  arch: string;
  os: string;
}

interface NodeList {
  items: { metadata: { name: string }; status?: { nodeInfo?: { architecture?: string; operatingSystem?: string } } }[];
}

export async function nodeRows(client: KubeClient): Promise<NodeRow[]> {
  const { body } = await client.request<NodeList>({ path: '/api/v1/nodes' });
  return body.items
    .map((n) => ({ name: n.metadata.name, arch: n.status?.nodeInfo?.architecture ?? '', os: n.status?.nodeInfo?.operatingSystem ?? '' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
