/**
 * The session's view of the cluster: whether one is configured at all, whether it answers, and the
 * tasks' checks. Every call resolves the kubeconfig afresh, so a sandbox started in another terminal
 * halfway through a session is picked up at the next step.
 */
import type { GlobalOptions } from '../console/context.ts';
import type { KubeClient } from '../core/client.ts';
import { describeError, type UserFacingError } from '../core/errors.ts';
import type { Check } from './catalog.ts';
import type { CheckResult } from './checks.ts';

export interface ClusterStatus {
  reachable: boolean;
  /** False only when nothing at all is configured (no kubeconfig anywhere, no sandbox running). */
  configured: boolean;
  /** One line: the server and version, or why it cannot be reached. */
  detail: string;
  /** Why it cannot be reached, with its hint and exit code (3: the configuration cannot be used). */
  problem?: UserFacingError;
}

export interface ClusterAccess {
  configured(): Promise<boolean>;
  status(): Promise<ClusterStatus>;
  check(check: Check): Promise<CheckResult>;
}

export function clusterAccess(globals: GlobalOptions, env: NodeJS.ProcessEnv, signal: AbortSignal): ClusterAccess {
  const configured = async (): Promise<boolean> => {
    const [{ kubeconfigFiles }, { runningSandboxKubeconfig }] = await Promise.all([import('../core/kubeconfig.ts'), import('../sandbox/sandbox.ts')]);
    try {
      if (kubeconfigFiles({ kubeconfig: globals.kubeconfig, env })) return true;
    } catch {
      return true; // configured, but broken: running the lesson will say how
    }
    return Boolean(env.KUBERNETES_SERVICE_HOST) || runningSandboxKubeconfig() !== undefined;
  };

  const client = async (): Promise<KubeClient> => {
    const [{ loadKubeconfig }, { KubeClient }, { runningSandboxKubeconfig }] = await Promise.all([
      import('../core/kubeconfig.ts'),
      import('../core/client.ts'),
      import('../sandbox/sandbox.ts'),
    ]);
    const config = await loadKubeconfig({
      kubeconfig: globals.kubeconfig,
      context: globals.context,
      namespace: globals.namespace,
      env,
      sandboxKubeconfig: () => runningSandboxKubeconfig(),
    });
    return new KubeClient(config, { timeoutMs: 5000 });
  };

  return {
    configured,
    async status() {
      if (!(await configured())) {
        return {
          reachable: false,
          configured: false,
          detail: 'no cluster is configured (no --kubeconfig, KUBECONFIG or ~/.kube/config, and no sandbox running)',
        };
      }
      let c: KubeClient | undefined;
      try {
        c = await client();
        const { body } = await c.request<{ gitVersion?: string }>({ path: '/version', signal });
        return { reachable: true, configured: true, detail: `${c.server} (Kubernetes ${body.gitVersion ?? '?'}, context ${c.config.contextName})` };
      } catch (err) {
        const e = describeError(err, c ? { server: c.server, contextName: c.config.contextName } : {});
        return { reachable: false, configured: true, detail: e.message, problem: e };
      }
    },
    async check(check) {
      const { runCheck } = await import('./checks.ts');
      let c: KubeClient;
      try {
        c = await client();
      } catch (err) {
        return { ok: false, message: `could not check: ${describeError(err).message}` };
      }
      return runCheck(check, c, signal);
    },
  };
}
