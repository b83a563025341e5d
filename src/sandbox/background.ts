/**
 * The sandbox build in a detached process (`kube-lessons sandbox build`), so `learn` opens its lessons at
 * once and the build outlives the session: quitting `learn` leaves it running, and a build that died is
 * started again where Go's build cache left it. Everyone follows it through the progress record.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { builderPid, buildRoot, missingBinaries, processAlive, type ProgressListener } from './build.ts';
import { readProgress, type BuildProgress } from './build-progress.ts';
import { binDir, type SandboxVersions } from './versions.ts';

/** The CLI's entry script: the same place relative to src/sandbox, dist/sandbox and dist/bundle. */
const CLI_ENTRY = fileURLToPath(new URL('../../bin/kube-lessons.js', import.meta.url));

export type BuildState =
  { state: 'ready' } | { state: 'building'; pid: number; progress?: BuildProgress } | { state: 'failed'; progress: BuildProgress } | { state: 'not-built' };

export function buildState(v: SandboxVersions): BuildState {
  if (missingBinaries(v).length === 0) return { state: 'ready' };
  const pid = builderPid(v);
  const progress = readProgress(buildRoot(v));
  if (pid) return progress && progress.pid === pid ? { state: 'building', pid, progress } : { state: 'building', pid };
  if (progress?.phase === 'failed') return { state: 'failed', progress };
  return { state: 'not-built' };
}

let spawned: number | undefined;

/**
 * Starts the build in a detached process unless the binaries are ready or a build is already running
 * (one this process started counts from the moment it is spawned, before it takes the lock).
 */
export function startBackgroundBuild(v: SandboxVersions, env: NodeJS.ProcessEnv = process.env): void {
  if (spawned && processAlive(spawned)) return;
  const s = buildState(v);
  if (s.state === 'ready' || s.state === 'building') return;
  mkdirSync(buildRoot(v), { recursive: true });
  const log = openSync(join(buildRoot(v), 'background.log'), 'a');
  try {
    const child = spawn(process.execPath, [CLI_ENTRY, 'sandbox', 'build'], { detached: true, stdio: ['ignore', log, log], env: { ...env, NO_COLOR: '1' } });
    child.unref();
    spawned = child.pid;
  } finally {
    closeSync(log);
  }
}

/**
 * Waits until the binaries are built, reporting the build's progress; starts the background build when
 * none runs (again, if it died). A build that fails while we wait ends the wait with its error.
 */
export async function waitForBinaries(
  v: SandboxVersions,
  opts: { onProgress?: ProgressListener; signal?: AbortSignal; env?: NodeJS.ProcessEnv; pollMs?: number } = {},
): Promise<string> {
  const since = Date.now();
  for (;;) {
    opts.signal?.throwIfAborted();
    const s = buildState(v);
    if (s.state === 'ready') return binDir(v);
    if (s.state === 'building' && s.progress) opts.onProgress?.(s.progress);
    if (s.state === 'failed' && Date.parse(s.progress.updatedAt) >= since && !(spawned && processAlive(spawned))) {
      throw new UserFacingError(
        s.progress.error?.message ?? 'the sandbox build failed',
        s.progress.error?.hint ?? 'run `kube-lessons sandbox build` to see why',
        ExitCode.failure,
      );
    }
    if (s.state === 'not-built' || (s.state === 'failed' && Date.parse(s.progress.updatedAt) < since)) startBackgroundBuild(v, opts.env);
    await sleep(opts.pollMs ?? 500, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}
