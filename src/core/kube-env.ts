/** A resolved cluster connection: the kubeconfig it came from, the client over it, and the namespace to use. */
import type { KubeClient } from './client.ts';
import type { ResolvedKubeconfig } from './kubeconfig.ts';

export interface KubeEnv {
  config: ResolvedKubeconfig;
  client: KubeClient;
  namespace: string;
}
