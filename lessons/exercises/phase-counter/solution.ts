// Our solution to the phase-counter exercise.
import { DeletedFinalStateUnknown, type ResourceEventHandler } from 'kube-lessons/machinery';

export interface Pod {
  metadata: { name: string; namespace: string };
  status?: { phase?: string };
}

const phaseOf = (pod: Pod) => pod.status?.phase ?? 'Pending';

export class PhaseCounter implements ResourceEventHandler<Pod> {
  readonly counts = new Map<string, number>();

  onAdd(pod: Pod): void {
    this.bump(phaseOf(pod), 1);
  }

  onUpdate(oldPod: Pod, newPod: Pod): void {
    if (phaseOf(oldPod) === phaseOf(newPod)) return;
    this.bump(phaseOf(oldPod), -1);
    this.bump(phaseOf(newPod), 1);
  }

  onDelete(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
    if (pod) this.bump(phaseOf(pod), -1);
  }

  private bump(phase: string, by: number): void {
    const n = (this.counts.get(phase) ?? 0) + by;
    if (n === 0) this.counts.delete(phase);
    else this.counts.set(phase, n);
  }
}
