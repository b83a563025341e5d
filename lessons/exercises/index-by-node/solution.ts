// Our solution to the index-by-node exercise.
import type { Indexer, IndexFunc } from 'kube-lessons/machinery';

export interface Pod {
  metadata: { name: string; namespace: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export const BY_NODE = 'byNode';

export const podsByNode: IndexFunc<Pod> = (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []);

const FINISHED = new Set(['Succeeded', 'Failed']);

export function activePodsOn(indexer: Indexer<Pod>, node: string): string[] {
  return indexer
    .byIndex(BY_NODE, node)
    .filter((p) => !FINISHED.has(p.status?.phase ?? ''))
    .map((p) => p.metadata.name)
    .sort();
}
