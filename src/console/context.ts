/**
 * The global options, resolved once into the context every command receives: output and colour, the
 * interrupt signal, and (lazily, on first use) the kubeconfig and the client. Commands that need no cluster
 * never load @kubernetes/client-node.
 */
import type { KubeEnv } from '../core/kube-env.ts';
import { UserFacingError, ExitCode } from '../core/errors.ts';
import { colorWanted, createOutput, OUTPUT_FORMATS, type Output, type OutputFormat } from './output.ts';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  output?: string;
  color?: boolean;
  debug?: boolean;
  requestTimeout?: string;
}

export interface CommandContext {
  readonly globals: GlobalOptions;
  readonly out: Output;
  readonly format: OutputFormat;
  readonly debug: boolean;
  /** Aborted by Ctrl-C: long-running commands stop on it and clean up. */
  readonly signal: AbortSignal;
  /** Resolves the kubeconfig and builds the client on first call; later calls return the same. */
  kube(): Promise<KubeEnv>;
}

export function createContext(globals: GlobalOptions, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): CommandContext {
  const format = (globals.output ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new UserFacingError(`unknown output format "${globals.output}"`, `use one of: ${OUTPUT_FORMATS.join(', ')}`, ExitCode.usage);
  }
  let kube: Promise<KubeEnv> | undefined;
  const out = createOutput({ color: colorWanted(globals.color, env) });
  return {
    globals,
    out,
    format,
    debug: Boolean(globals.debug),
    signal,
    kube: () => (kube ??= resolveKube(globals, env, out, signal)),
  };
}

async function resolveKube(globals: GlobalOptions, env: NodeJS.ProcessEnv, out: Output, signal: AbortSignal): Promise<KubeEnv> {
  const [{ loadKubeconfig, kubeconfigFiles }, { KubeClient }, { runningSandboxKubeconfig, sandboxUp }] = await Promise.all([
    import('../core/kubeconfig.ts'),
    import('../core/client.ts'),
    import('../sandbox/sandbox.ts'),
  ]);
  const request = { kubeconfig: globals.kubeconfig, context: globals.context, namespace: globals.namespace, env };
  // No cluster configured anywhere: learners get the local sandbox, started (and built, the first time) on demand.
  const noCluster = !kubeconfigFiles(request) && !env.KUBERNETES_SERVICE_HOST && !runningSandboxKubeconfig();
  if (noCluster && env.KUBE_LESSONS_NO_AUTO_SANDBOX !== '1') {
    out.info('No cluster is configured (no --kubeconfig, KUBECONFIG or ~/.kube/config): starting the local sandbox. Stop it with `kube-lessons sandbox down`.');
    await sandboxUp({ log: (l) => out.info(`  ${l}`), signal });
  }
  const config = await loadKubeconfig({ ...request, sandboxKubeconfig: () => runningSandboxKubeconfig() });
  const timeoutMs = globals.requestTimeout ? parseDuration(globals.requestTimeout) : undefined;
  const client = new KubeClient(config, timeoutMs === undefined ? {} : { timeoutMs });
  return { config, client, namespace: config.namespace };
}

/** "30s", "2m", "1500ms", "1h", or a bare number of seconds, to milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserFacingError(`invalid duration "${text}"`, 'write it like 30s, 2m, 1500ms or 1h', ExitCode.usage);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}
