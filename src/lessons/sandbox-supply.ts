/**
 * The local sandbox as a session sees it when no cluster is configured: its binaries build in the
 * background from the moment `learn` starts (lessons are open meanwhile), the menu shows how far the build
 * is, and the first step that needs the cluster waits on a progress bar, then starts the sandbox. Pressing
 * q stops waiting, not the build.
 */
import { startBackgroundBuild, buildState, waitForBinaries } from '../sandbox/background.ts';
import { describeProgress, progressReporter, type ProgressStream } from '../sandbox/build-progress.ts';
import { loadVersions } from '../sandbox/versions.ts';
import { listenForStopKey } from './runner.ts';

export interface SandboxSupply {
  /** How the sandbox's build stands, in a few words, while it is not built: "building etcd 63%, about 3 min left". */
  status(): string | undefined;
  /** Waits for the build (a progress bar; q stops waiting) and starts the sandbox. */
  up(): Promise<'ready' | 'stopped'>;
}

export interface SupplyOptions {
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Where the bar is drawn (stderr). */
  stream: ProgressStream;
  stdin: NodeJS.ReadStream;
  print: (line: string) => void;
}

/** Starts the background build (when the binaries are not built) and returns the session's view of it. */
export function sandboxSupply(opts: SupplyOptions): SandboxSupply {
  const versions = loadVersions();
  startBackgroundBuild(versions, opts.env);
  return {
    status() {
      const s = buildState(versions);
      if (s.state === 'ready') return undefined;
      if (s.state === 'building') return s.progress ? describeProgress(s.progress) : 'building';
      if (s.state === 'failed') return describeProgress(s.progress);
      return 'not built yet';
    },
    async up() {
      const { runningSandboxKubeconfig, sandboxUp } = await import('../sandbox/sandbox.ts');
      if (runningSandboxKubeconfig()) return 'ready';
      const waiting = new AbortController();
      const onSession = () => waiting.abort();
      opts.signal.addEventListener('abort', onSession, { once: true });
      const bar = progressReporter(opts.stream);
      let stopKeys = () => {};
      try {
        if (buildState(versions).state !== 'ready') {
          opts.print('This step needs the local sandbox, whose binaries are still being built. Press q to stop waiting (the build goes on) and keep reading.');
          stopKeys = listenForStopKey(opts.stdin, () => waiting.abort());
          await waitForBinaries(versions, { onProgress: (p) => bar.update(p), signal: waiting.signal, env: opts.env });
          stopKeys();
          bar.done();
        }
        opts.print('Starting the local sandbox (stop it with `kube-lessons sandbox down`).');
        await sandboxUp({ log: (l) => bar.log(`  ${l}`), signal: opts.signal });
        return 'ready';
      } catch (err) {
        if (waiting.signal.aborted && !opts.signal.aborted) return 'stopped';
        throw err;
      } finally {
        stopKeys();
        bar.done();
        opts.signal.removeEventListener('abort', onSession);
      }
    },
  };
}
