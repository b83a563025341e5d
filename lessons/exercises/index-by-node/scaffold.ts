// Exercise: index-by-node (Understanding Kubernetes controllers II, indexers and listers).
// An indexer keeps, besides the key -> object map, indexes: for each index, a function that files an object
// under zero or more values. With an index of pods by node name, "which pods run on node X?" is one lookup
// instead of a scan of every pod. The DaemonSet and node lifecycle controllers keep exactly this index.
//
// Run `npx kube-lessons verify index-by-node`.
import type { Indexer, IndexFunc } from 'kube-lessons/machinery';

export interface Pod {
  metadata: { name: string; namespace: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export const BY_NODE = 'byNode';

/** Files a pod under its node's name; a pod not scheduled yet is filed under nothing. */
export const podsByNode: IndexFunc<Pod> = (pod) => {
  // TODO
  void pod;
  return [];
};

/** The names of the pods on `node` that are not finished (phase neither Succeeded nor Failed), sorted. */
export function activePodsOn(indexer: Indexer<Pod>, node: string): string[] {
  // TODO: indexer.byIndex(BY_NODE, node), then filter, map and sort.
  void indexer;
  void node;
  return [];
}
