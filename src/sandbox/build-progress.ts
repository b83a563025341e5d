/**
 * How far a sandbox build has got, as the builder records it in <cache>/<versions>/build-progress.json:
 * whoever waits (a second `sandbox up`, the learn menu, a lesson's cluster step) reads the same record,
 * whether the build runs in its own process or a detached one. Written atomically, so a reader never sees
 * half a record.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type BuildPhase = 'checking' | 'downloading' | 'counting' | 'compiling' | 'done' | 'failed';

export interface BuildProgress {
  phase: BuildPhase;
  /** The pid of the process building. */
  pid: number;
  /** What is being built now: "kube-apiserver", "etcd". */
  component?: string;
  /** Packages compiled so far, across every component, and how many this build has to compile in all. */
  compiled: number;
  total: number;
  /** Per component: packages compiled of those it needs compiled. */
  components: Record<string, { compiled: number; total: number }>;
  startedAt: string;
  updatedAt: string;
  /** When compiling began, for the rate behind the estimate. */
  compileStartedAt?: string;
  /** Seconds left, once the rate is known. */
  etaSeconds?: number | undefined;
  /** Set when phase is 'failed': the one line and its hint. */
  error?: { message: string; hint: string };
}

export function progressFile(root: string): string {
  return join(root, 'build-progress.json');
}

export function writeProgress(root: string, p: BuildProgress): void {
  mkdirSync(root, { recursive: true });
  const file = progressFile(root);
  writeFileSync(`${file}.${p.pid}.tmp`, JSON.stringify(p));
  renameSync(`${file}.${p.pid}.tmp`, file);
}

export function readProgress(root: string): BuildProgress | undefined {
  try {
    return JSON.parse(readFileSync(progressFile(root), 'utf8')) as BuildProgress;
  } catch {
    return undefined;
  }
}

/** Seconds left at the rate so far; undefined until enough packages are compiled to say. */
export function estimateSeconds(compiled: number, total: number, compilingForMs: number): number | undefined {
  if (compiled < 20 || compilingForMs < 5000 || total <= compiled) return total <= compiled && compiled > 0 ? 0 : undefined;
  return Math.round(((total - compiled) * compilingForMs) / compiled / 1000);
}

export function percentOf(p: Pick<BuildProgress, 'compiled' | 'total'>): number {
  return p.total > 0 ? Math.min(100, Math.floor((p.compiled * 100) / p.total)) : 0;
}

/** "about 3 min left", "about 40 s left", or '' while unknown. */
export function etaText(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 60) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/** One line for a menu or a log: "building kube-apiserver 63%, about 3 min left". */
export function describeProgress(p: BuildProgress): string {
  switch (p.phase) {
    case 'checking':
      return 'checking the Go toolchain and disk space';
    case 'downloading':
      return 'downloading the Go modules';
    case 'counting':
      return 'working out what to compile';
    case 'compiling': {
      const eta = etaText(p.etaSeconds);
      return `building ${p.component ?? 'the binaries'} ${percentOf(p)}%${eta ? `, ${eta}` : ''}`;
    }
    case 'done':
      return 'built';
    case 'failed':
      return `build failed: ${p.error?.message ?? 'see the build log'}`;
  }
}

/**
 * A progress bar that fits `width` columns: "[#####-----] 63% kube-apiserver 812/1290 packages, about 3 min left".
 * Without a total yet, the phase in words.
 */
export function progressBar(p: BuildProgress, width: number): string {
  if (p.phase !== 'compiling' || p.total === 0) return describeProgress(p).slice(0, width);
  const pct = percentOf(p);
  const eta = etaText(p.etaSeconds);
  const tail = ` ${String(pct).padStart(3)}% ${p.component ?? ''} ${p.compiled}/${p.total} packages${eta ? `, ${eta}` : ''}`;
  const barWidth = Math.max(10, Math.min(30, width - tail.length - 2));
  const filled = Math.round((barWidth * pct) / 100);
  return `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]${tail}`.slice(0, width);
}

/** Where progress is shown: a terminal gets one bar redrawn in place, anything else a line now and then. */
export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressReporter {
  update(p: BuildProgress): void;
  /** A log line, printed above the bar. */
  log(line: string): void;
  /** Removes the bar (the last state stays in the log lines). */
  done(): void;
}

export function progressReporter(stream: ProgressStream, now: () => number = Date.now): ProgressReporter {
  let shown = '';
  let lastDraw = -Infinity;
  let lastLine = '';
  let lastPercentStep = -1;
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = '';
  };
  return {
    update(p) {
      if (stream.isTTY) {
        if (now() - lastDraw < 200 && p.phase === 'compiling') return;
        lastDraw = now();
        clear();
        shown = progressBar(p, Math.max(20, (stream.columns || 80) - 1));
        stream.write(shown);
        return;
      }
      // Without a terminal: a line when the phase or component changes, and every 10%.
      const step = Math.floor(percentOf(p) / 10);
      const line = `${describeProgress(p)}${p.phase === 'compiling' ? ` (${p.compiled}/${p.total} packages)` : ''}`;
      const key = `${p.phase}/${p.component ?? ''}`;
      if (key === lastLine && step === lastPercentStep) return;
      lastLine = key;
      lastPercentStep = step;
      stream.write(`sandbox build: ${line}\n`);
    },
    log(line) {
      const bar = shown;
      clear();
      stream.write(line + '\n');
      if (bar) {
        shown = bar;
        stream.write(bar);
      }
    },
    done() {
      clear();
    },
  };
}
