// Exercise: kubeconfig (Learning Go with Kubernetes I, setup).
// A client starts from a kubeconfig: it picks a context (current-context, unless one is asked for), and the
// context names the cluster whose server URL every request goes to. kubectl and client-go's clientcmd do this.
//
// Run `npx kube-lessons verify kubeconfig` to check your work, `npx kube-lessons hint kubeconfig` when stuck.
import { loadKubeconfig } from 'kube-lessons/core';

export interface Target {
  /** The context the kubeconfig selects. */
  context: string;
  /** The API server URL of that context's cluster. */
  server: string;
}

/**
 * Loads the kubeconfig file `file` (as `--kubeconfig file` would) and returns the context it selects and that
 * context's server. When `context` is given, it wins over the file's current-context (as `--context` does).
 */
export async function currentTarget(file: string, context?: string): Promise<Target> {
  // TODO: call loadKubeconfig with the file and the context, and return what it resolved.
  void loadKubeconfig;
  void file;
  void context;
  return { context: '', server: '' };
}
