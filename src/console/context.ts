/**
 * The global options, resolved once into the context every command receives: output and colour, the
 * interrupt signal, and (lazily, on first use) the kubeconfig and the client. Commands that need no cluster
 * never load @kubernetes/client-node.
 */
import type { KubeEnv } from '../core/kube-env.ts';
import { parseDuration } from '../core/duration.ts';
import { UserFacingError, ExitCode } from '../core/errors.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.ts';
import { colorWanted, createOutput, type Output, type OutputSink } from './output.ts';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  output?: string;
  color?: boolean;
  /** False with --no-headers: tables without their header row. */
  headers?: boolean;
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

export function createContext(globals: GlobalOptions, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env, stdout?: OutputSink): CommandContext {
  const format = (globals.output ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new UserFacingError(`unknown output format "${globals.output}"`, `use one of: ${OUTPUT_FORMATS.join(', ')}`, ExitCode.usage);
  }
  let kube: Promise<KubeEnv> | undefined;
  const color = colorWanted(globals.color, env);
  const headers = globals.headers !== false;
  const out = createOutput(stdout ? { color, headers, stdout } : { color, headers });
  return {
    globals,
    out,
    format,
    debug: Boolean(globals.debug),
    signal,
    kube: () => (kube ??= resolveKube(globals, env)),
  };
}

async function resolveKube(globals: GlobalOptions, env: NodeJS.ProcessEnv): Promise<KubeEnv> {
  const [{ loadKubeconfig, kubeconfigFiles }, { KubeClient }] = await Promise.all([import('../core/kubeconfig.ts'), import('../core/client.ts')]);
  const request = { kubeconfig: globals.kubeconfig, context: globals.context, namespace: globals.namespace, env };
  // The sandbox module is loaded only when no kubeconfig is found: a configured cluster never pays for it.
  // A running sandbox is used then; only `learn` (which asks) ever starts one.
  let sandboxKubeconfig: () => string | undefined = () => undefined;
  if (!kubeconfigFiles(request)) {
    const { runningSandboxKubeconfig } = await import('../sandbox/sandbox.ts');
    sandboxKubeconfig = () => runningSandboxKubeconfig();
  }
  const config = await loadKubeconfig({ ...request, sandboxKubeconfig });
  const timeoutMs = globals.requestTimeout ? parseDuration(globals.requestTimeout) : undefined;
  const client = new KubeClient(config, timeoutMs === undefined ? {} : { timeoutMs });
  return { config, client, namespace: config.namespace };
}

export { parseDuration } from '../core/duration.ts';
