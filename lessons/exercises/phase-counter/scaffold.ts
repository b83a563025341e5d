// Exercise: phase-counter (Understanding Kubernetes controllers III, informers).
// An informer calls your handlers: onAdd for a new pod, onUpdate with the old and new versions, onDelete with
// the last state, or with a DeletedFinalStateUnknown tombstone when the watch missed the deletion and a
// relist found the pod gone (the pod is then in tombstone.obj). Keep a count of pods per phase that stays
// right through all of these: a phase change moves a pod from one count to another; a resync calls onUpdate
// with the same pod twice and must change nothing.
//
// Run `npx kube-lessons verify phase-counter`.
import { DeletedFinalStateUnknown, type ResourceEventHandler } from 'kube-lessons/machinery';

export interface Pod {
  metadata: { name: string; namespace: string };
  status?: { phase?: string };
}

export class PhaseCounter implements ResourceEventHandler<Pod> {
  /** Pods per phase; a pod without a phase counts as "Pending". Phases at 0 may be left out or kept. */
  readonly counts = new Map<string, number>();

  onAdd(pod: Pod): void {
    // TODO
    void pod;
  }

  onUpdate(oldPod: Pod, newPod: Pod): void {
    // TODO
    void oldPod;
    void newPod;
  }

  onDelete(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    // TODO: a tombstone carries the pod in .obj (possibly undefined: then there is nothing to count down).
    void obj;
    void DeletedFinalStateUnknown;
  }
}
