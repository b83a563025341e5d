/** What every benchmark case gets from bench/run.ts, and how it hands back its figures. */
import type { BenchCluster } from './cluster.ts';
import type { GoPeers } from './go-peers.ts';
import { ratio, type Figure, type Ratio } from './stats.ts';

export interface BenchContext {
  quick: boolean;
  cluster: BenchCluster;
  /** Undefined when Go is not installed: the Go peers' figures are left out, with a note. */
  go: GoPeers | undefined;
  /** The Node that runs ours (the pinned Node 24 under npm scripts). */
  node: string;
  /** bin/kube-lessons.js. */
  cli: string;
  /** A scratch folder for logs and kubeconfigs of this run. */
  workDir: string;
  log: (line: string) => void;
  results: BenchResults;
}

export class BenchResults {
  readonly figures: Figure[] = [];
  readonly ratios: Ratio[] = [];
  readonly notes: string[] = [];

  figure(f: Omit<Figure, 'samples'>, samples: number[] = []): Figure {
    const fig = { ...f, samples };
    this.figures.push(fig);
    return fig;
  }

  compare(ours: Figure | undefined, theirs: Figure | undefined): void {
    if (ours && theirs && ours.samples.length && theirs.samples.length) this.ratios.push(ratio(ours, theirs));
  }

  note(text: string): void {
    this.notes.push(text);
  }
}

/** Round `round`'s order of `impls`: rotated by one each round, so each takes each place in turn. */
export function roundOrder<T>(impls: T[], round: number): T[] {
  const k = round % impls.length;
  return [...impls.slice(k), ...impls.slice(0, k)];
}
