/**
 * The global options, resolved once into the context every command receives: output and colour, the
 * interrupt signal, and (lazily, on first use) the kubeconfig and the client. Commands that need no cluster
 * never load @kubernetes/client-node.
 */
import type { KubeEnv } from '../core/kube-env.ts';
import { parseDuration } from '../core/duration.ts';
import { DEFAULT_REQUEST_TIMEOUT } from './arguments.ts';
import { UserFacingError, ExitCode } from '../core/errors.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.ts';
import { colorWanted, createOutput, type Output, type OutputSink } from './output.ts';

const DEFAULT_REQUEST_TIMEOUT_MS = parseDuration(DEFAULT_REQUEST_TIMEOUT);

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  output?: string;
  color?: boolean;
  /** False with --no-headers: tables without their header row. */
  headers?: boolean;
  debug?: boolean;
  /** Milliseconds: commander parsed --request-timeout (durationOption). */
  requestTimeout?: number;
}

export interface CommandContext {
  readonly globals: GlobalOptions;
  readonly out: Output;
  readonly format: OutputFormat;
  readonly debug: boolean;
  /** Each API request's deadline: --request-timeout, resolved once (the client's default when not given). */
  readonly requestTimeoutMs: number;
  /** Aborted by Ctrl-C: long-running commands stop on it and clean up. */
  readonly signal: AbortSignal;
  /** Resolves the kubeconfig and builds the client on first call; later calls return the same. */
  kube(): Promise<KubeEnv>;
}

/** Where a context writes, and the environment it reads (defaults: the process's). */
export interface ContextIO {
  env?: NodeJS.ProcessEnv | undefined;
  stdout?: OutputSink | undefined;
  stderr?: OutputSink | undefined;
}

export function createContext(globals: GlobalOptions, signal: AbortSignal, io: ContextIO = {}): CommandContext {
  const { env = process.env, stdout, stderr } = io;
  const format = (globals.output ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new UserFacingError(`unknown output format "${globals.output}"`, `use one of: ${OUTPUT_FORMATS.join(', ')}`, ExitCode.usage);
  }
  let kube: Promise<KubeEnv> | undefined;
  const color = colorWanted(globals.color, env, stdout ?? process.stdout);
  const headers = globals.headers !== false;
  const requestTimeoutMs = globals.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const out = createOutput({ color, headers, ...(stdout && { stdout }), ...(stderr && { stderr }) });
  return {
    globals,
    out,
    format,
    debug: Boolean(globals.debug),
    requestTimeoutMs,
    signal,
    kube: () => (kube ??= resolveKube(globals, requestTimeoutMs, env)),
  };
}

async function resolveKube(globals: GlobalOptions, requestTimeoutMs: number, env: NodeJS.ProcessEnv): Promise<KubeEnv> {
  // Node 24 parses its CA certificates (NODE_EXTRA_CA_CERTS too) on a thread it starts when node:tls loads, and
  // the client's first TLS context waits for that thread: loaded first, it parses while the client's code loads.
  process.getBuiltinModule('node:tls');
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
  const client = new KubeClient(config, { timeoutMs: requestTimeoutMs });
  return { config, client, namespace: config.namespace };
}
