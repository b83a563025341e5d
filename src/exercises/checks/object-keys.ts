/** Checks the object-keys exercise, and that keyOf and splitKey round-trip. */
import { exported, expectEqual, Mismatch, type ExpectationCheck } from '../check-api.ts';

type KeyOf = (obj: { metadata: { name: string; namespace?: string } }) => string;
type SplitKey = (key: string) => { namespace: string; name: string };

export const expectations: Record<string, ExpectationCheck> = {
  namespaced: (env) => expectEqual(exported<KeyOf>(env, 'keyOf')({ metadata: { namespace: 'kube-system', name: 'coredns' } }), 'kube-system/coredns', 'keyOf'),
  'cluster-scoped': (env) => {
    const keyOf = exported<KeyOf>(env, 'keyOf');
    expectEqual(keyOf({ metadata: { name: 'kwok-node-1' } }), 'kwok-node-1', 'keyOf');
    expectEqual(keyOf({ metadata: { name: 'kwok-node-1', namespace: '' } }), 'kwok-node-1', 'keyOf');
  },
  split: (env) => {
    const split = exported<SplitKey>(env, 'splitKey');
    expectEqual(split('default/my-pod'), { namespace: 'default', name: 'my-pod' }, 'splitKey');
    expectEqual(split('kwok-node-1'), { namespace: '', name: 'kwok-node-1' }, 'splitKey');
  },
  'bad-keys': (env) => {
    const split = exported<SplitKey>(env, 'splitKey');
    for (const bad of ['a/b/c', '', 'ns/']) {
      let threw = false;
      try {
        split(bad);
      } catch {
        threw = true;
      }
      if (!threw) throw new Mismatch(`splitKey(${JSON.stringify(bad)}) to throw`, 'a result', 'splitKey');
    }
  },
  'round-trip': (env) => {
    const [keyOf, split] = [exported<KeyOf>(env, 'keyOf'), exported<SplitKey>(env, 'splitKey')];
    for (const [namespace, name] of [
      ['default', 'web-0'],
      ['', 'node-a'],
      ['team-a', 'x.y-z'],
    ] as const) {
      expectEqual(split(keyOf({ metadata: { name, namespace } })), { namespace, name }, 'splitKey');
    }
  },
};
