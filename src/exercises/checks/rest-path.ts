/** Checks the rest-path exercise against the cluster's real discovery documents. */
import { exported, expectEqual, type CheckEnv, type ExpectationCheck } from '../check-api.ts';
import type { KubeClient } from '../../core/client.ts';

type RestPath = (client: KubeClient, apiVersion: string, kind: string, namespace: string) => Promise<string | undefined>;
const NAME = 'restPath';
const call = (env: CheckEnv, apiVersion: string, kind: string) => exported<RestPath>(env, NAME)(env.kube!.client, apiVersion, kind, 'team-a');

export const expectations: Record<string, ExpectationCheck> = {
  'core-namespaced': async (env) => expectEqual(await call(env, 'v1', 'Pod'), '/api/v1/namespaces/team-a/pods', NAME),
  'named-group': async (env) => {
    expectEqual(await call(env, 'apps/v1', 'Deployment'), '/apis/apps/v1/namespaces/team-a/deployments', NAME);
    expectEqual(await call(env, 'batch/v1', 'CronJob'), '/apis/batch/v1/namespaces/team-a/cronjobs', NAME);
  },
  'cluster-scoped': async (env) => {
    expectEqual(await call(env, 'v1', 'Node'), '/api/v1/nodes', NAME);
    expectEqual(await call(env, 'rbac.authorization.k8s.io/v1', 'ClusterRole'), '/apis/rbac.authorization.k8s.io/v1/clusterroles', NAME);
  },
  'not-served': async (env) => {
    expectEqual(await call(env, 'v1', 'Gadget'), undefined, NAME);
    expectEqual(await call(env, 'gadgets.example.com/v1', 'Gadget'), undefined, NAME);
  },
};
