/**
 * The least privilege the Foo controller needs, as objects: a ClusterRole with exactly the verbs it uses, a
 * ServiceAccount to run as, and a ClusterRoleBinding between them. Each rule names the code that needs it.
 */
import { CONTROLLER_AGENT_NAME } from './controller.ts';
import { FOO_GROUP, FOO_RESOURCE } from './types.ts';

export const RBAC_NAME = CONTROLLER_AGENT_NAME;

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export const FOO_CONTROLLER_RULES: PolicyRule[] = [
  // The Foo informer lists and watches; get is for people and tools inspecting what the controller sees.
  { apiGroups: [FOO_GROUP], resources: [FOO_RESOURCE.resource], verbs: ['get', 'list', 'watch'] },
  // updateFooStatus: PUT .../foos/<name>/status. The controller never writes a Foo's spec.
  { apiGroups: [FOO_GROUP], resources: [`${FOO_RESOURCE.resource}/status`], verbs: ['update'] },
  // The Deployment informer, newDeployment's create, and the replicas update.
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
  // The EventRecorder: a new Event is created, a repeated one patched.
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];

/**
 * ClusterRole, ServiceAccount (in `namespace`) and ClusterRoleBinding, in the order to apply them; led by
 * the Namespace itself unless it is "default", so `kubectl apply -f -` works on a fresh cluster.
 */
export function fooControllerRbac(namespace: string): Record<string, unknown>[] {
  const labels = { 'app.kubernetes.io/name': RBAC_NAME, 'app.kubernetes.io/part-of': 'kube-lessons' };
  return [
    ...(namespace === 'default' ? [] : [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }]),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: RBAC_NAME, labels },
      rules: FOO_CONTROLLER_RULES,
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: RBAC_NAME, namespace, labels },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: RBAC_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RBAC_NAME },
      subjects: [{ kind: 'ServiceAccount', name: RBAC_NAME, namespace }],
    },
  ];
}
