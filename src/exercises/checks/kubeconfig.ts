/** Checks the kubeconfig exercise on a two-context kubeconfig written for the run. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exported, expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';

type CurrentTarget = (file: string, context?: string) => Promise<{ context: string; server: string }>;

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster: { server: "https://dev.example.test:6443", insecure-skip-tls-verify: true }
- name: prod-cluster
  cluster: { server: "https://prod.example.test:443", insecure-skip-tls-verify: true }
users:
- name: learner
  user: { token: not-a-real-token }
contexts:
- name: dev
  context: { cluster: dev-cluster, user: learner, namespace: team-a }
- name: prod
  context: { cluster: prod-cluster, user: learner }
`;

async function target(env: CheckEnv, context?: string): Promise<{ context: string; server: string }> {
  const file = join(env.tmpDir, 'kubeconfig.yaml');
  writeFileSync(file, KUBECONFIG);
  const got = await exported<CurrentTarget>(env, 'currentTarget')(file, context);
  if (typeof got !== 'object' || got === null) throw new Mismatch('an object { context, server }', show(got), 'currentTarget');
  return got;
}

export const expectations: Record<string, ExpectationCheck> = {
  'current-context': async (env) => expectEqual((await target(env)).context, 'dev', 'currentTarget'),
  server: async (env) => expectEqual((await target(env)).server, 'https://dev.example.test:6443', 'currentTarget'),
  'context-override': async (env) => expectEqual(await target(env, 'prod'), { context: 'prod', server: 'https://prod.example.test:443' }, 'currentTarget'),
};
