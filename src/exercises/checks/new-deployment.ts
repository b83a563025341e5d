/** Checks the new-deployment exercise on two Foos (with and without replicas). */
import { exported, expectEqual, Mismatch, show, type ExpectationCheck } from '../check-api.ts';

interface Deployment {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; ownerReferences?: unknown[] };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { name?: string; image?: string }[] } };
  };
}
type NewDeployment = (foo: unknown) => Deployment;
const NAME = 'newDeployment';
const foo = {
  metadata: { name: 'example-foo', namespace: 'team-a', uid: '6f1e0c1a-0000-4000-8000-000000000001' },
  spec: { deploymentName: 'example-foo-web', replicas: 3 },
};
const build = (env: Parameters<ExpectationCheck>[0], f: unknown = foo) => {
  const d = exported<NewDeployment>(env, NAME)(f);
  if (typeof d !== 'object' || d === null) throw new Mismatch('a Deployment object', show(d), NAME);
  return d;
};

export const expectations: Record<string, ExpectationCheck> = {
  'name-and-namespace': (env) => {
    const d = build(env);
    expectEqual({ name: d.metadata?.name, namespace: d.metadata?.namespace }, { name: 'example-foo-web', namespace: 'team-a' }, NAME);
  },
  replicas: (env) => {
    expectEqual(build(env).spec?.replicas, 3, NAME);
    const unset = build(env, { ...foo, spec: { deploymentName: 'x' } });
    expectEqual(unset.spec?.replicas, undefined, NAME);
  },
  'owner-reference': (env) => {
    expectEqual(
      build(env).metadata?.ownerReferences,
      [{ apiVersion: 'samplecontroller.k8s.io/v1alpha1', kind: 'Foo', name: 'example-foo', uid: foo.metadata.uid, controller: true, blockOwnerDeletion: true }],
      NAME,
      { at: 'metadata.ownerReferences' },
    );
  },
  'pods-and-selector': (env) => {
    const d = build(env);
    const labels = { app: 'nginx', controller: 'example-foo' };
    // Compared in the Deployment's own shape, so a difference is named by its real path.
    expectEqual(
      {
        spec: {
          selector: { matchLabels: d.spec?.selector?.matchLabels },
          template: { metadata: { labels: d.spec?.template?.metadata?.labels }, spec: { containers: d.spec?.template?.spec?.containers } },
        },
      },
      { spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] } } } },
      NAME,
    );
  },
};
