// Our solution to the kubeconfig exercise.
import { loadKubeconfig } from 'kube-lessons/core';

export interface Target {
  context: string;
  server: string;
}

export async function currentTarget(file: string, context?: string): Promise<Target> {
  // An explicit file is the whole story: no KUBECONFIG list, no ~/.kube/config.
  const config = await loadKubeconfig({ kubeconfig: file, context, env: {} });
  return { context: config.contextName, server: config.server };
}
