/** Wires the CLI context into the exercise engine: output, the shared progress store, and the cluster for live exercises. */
import { delimiter } from 'node:path';
import type { SessionIO } from '../exercises/session.ts';
import type { CommandContext } from '../console/context.ts';

export const WORKSPACE_OPTION = [
  '-w, --workspace <dir>',
  'the exercise workspace (default: the one you are in, else ./kube-lessons-exercises; also KUBE_LESSONS_WORKSPACE)',
] as const;

export async function sessionIO(c: CommandContext, workspace: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<SessionIO> {
  const { ProgressStore, progressPath } = await import('../lessons/progress.ts');
  return {
    line: (t) => c.out.line(t),
    info: (t) => c.out.info(t),
    color: c.out.color,
    signal: c.signal,
    workspace: workspace ?? env.KUBE_LESSONS_WORKSPACE,
    progress: new ProgressStore(progressPath(env), { warn: (l) => c.out.info(l) }),
    kube: async () => {
      const k = await c.kube();
      return { client: k.client, kubeconfig: k.config.files.length ? k.config.files.join(delimiter) : undefined, context: k.config.contextName };
    },
  };
}
