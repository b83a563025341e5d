// Exercise: list-nodes (Learning Go with Kubernetes II, the first program).
// The blog's first program lists the cluster's nodes and prints NAME, ARCH and OS. Here you write the part
// that talks to the API server: one GET of the node collection, and the fields each row needs.
//
// Run `npx kube-lessons verify list-nodes` to check your work (it needs a cluster: the sandbox will do).
import type { KubeClient } from 'kube-lessons/core';

export interface NodeRow {
  name: string;
  /** status.nodeInfo.architecture, e.g. amd64 */
  arch: string;
  /** status.nodeInfo.operatingSystem, e.g. linux */
  os: string;
}

/** Lists the cluster's nodes, one row each, sorted by name. */
export async function nodeRows(client: KubeClient): Promise<NodeRow[]> {
  // TODO: GET /api/v1/nodes with client.request({ path }), then map each item of body.items to a row.
  void client;
  return [];
}
