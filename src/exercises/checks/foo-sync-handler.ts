/**
 * Checks the foo-sync-handler exercise against in-memory listers and writers that record every write. Cached
 * objects are frozen: a handler that changes what it read from a cache throws there, at the learner's line.
 */
import { exported, expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';

interface Foo {
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string };
  spec: { deploymentName: string; replicas?: number };
  status?: { availableReplicas?: number };
}
interface Deployment {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec: { replicas?: number };
  status?: { availableReplicas?: number };
}
type Write = { verb: 'createDeployment' | 'updateDeployment' | 'updateFooStatus'; object: Foo | Deployment };
type SyncHandler = (key: string, deps: unknown) => Promise<void>;
const NAME = 'syncHandler';
const UID = 'a3b9e0c2-0000-4000-8000-000000000042';

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const fooWith = (replicas: number, available?: number): Foo => ({
  metadata: { name: 'example-foo', namespace: 'team-a', uid: UID, resourceVersion: '7' },
  spec: { deploymentName: 'example-foo-web', replicas },
  ...(available === undefined ? {} : { status: { availableReplicas: available } }),
});
const owned = (replicas: number, available: number, uid = UID): Deployment => ({
  metadata: {
    name: 'example-foo-web',
    namespace: 'team-a',
    resourceVersion: '12',
    ownerReferences: [{ kind: 'Foo', name: 'example-foo', uid, controller: true }],
  },
  spec: { replicas },
  status: { availableReplicas: available },
});

/**
 * Runs the learner's syncHandler against `world`. Their errors propagate (verify shows them at their line),
 * except with `catchError`, for the case where throwing is the right answer.
 */
async function sync(
  env: CheckEnv,
  world: { foo?: Foo; deployment?: Deployment },
  catchError = false,
): Promise<{ writes: Write[]; threw: boolean; getFooCalls: string[] }> {
  const foo = world.foo && deepFreeze(structuredClone(world.foo));
  const deployment = world.deployment && deepFreeze(structuredClone(world.deployment));
  const writes: Write[] = [];
  const record =
    (verb: Write['verb']) =>
    (object: Foo | Deployment): Promise<Foo | Deployment> => {
      writes.push({ verb, object: structuredClone(object) });
      // The server answers with what was written, plus what it fills in.
      return Promise.resolve({ ...structuredClone(object), metadata: { ...object.metadata, resourceVersion: '99' } });
    };
  // How the handler asked for its Foo, to show when it found none (namespace and name swapped, say).
  const getFooCalls: string[] = [];
  const deps = {
    getFoo: (ns: string, name: string) => {
      getFooCalls.push(`getFoo(${show(ns)}, ${show(name)})`);
      return foo && foo.metadata.namespace === ns && foo.metadata.name === name ? foo : undefined;
    },
    getDeployment: (ns: string, name: string) =>
      deployment && deployment.metadata.namespace === ns && deployment.metadata.name === name ? deployment : undefined,
    createDeployment: record('createDeployment'),
    updateDeployment: record('updateDeployment'),
    updateFooStatus: record('updateFooStatus'),
  };
  try {
    await exported<SyncHandler>(env, NAME)('team-a/example-foo', deps);
    return { writes, threw: false, getFooCalls };
  } catch (error) {
    // Changing a cached (frozen) object is a bug at the learner's line even where throwing is expected.
    const frozenWrite = error instanceof TypeError && /read.only|not extensible|frozen|Cannot delete property|Cannot redefine property/i.test(error.message);
    if (frozenWrite) {
      // The stack, and with it the learner's line, stays as it was: only the words change.
      error.message = `${error.message}: getFoo and getDeployment return the cache's objects, shared and read-only; change a copy (structuredClone(obj)) and write that`;
      throw error;
    }
    if (!catchError) throw error;
    return { writes, threw: true, getFooCalls };
  }
}

const verbs = (w: Write[]) => w.map((x) => x.verb);

export const expectations: Record<string, ExpectationCheck> = {
  'creates-deployment': async (env) => {
    const { writes, getFooCalls } = await sync(env, { foo: fooWith(2) });
    const created = writes.filter((w) => w.verb === 'createDeployment');
    if (created.length !== 1) {
      const asked = 'getFoo("team-a", "example-foo")';
      // Not finding the Foo explains nothing written: say how it was asked for.
      const lookups =
        getFooCalls.length === 0
          ? ' (getFoo was never called)'
          : getFooCalls.some((c) => c === asked)
            ? ''
            : ` (the key was "team-a/example-foo"; it called ${getFooCalls.join(', ')}, which finds no Foo: ${asked} does)`;
      throw new Mismatch('one createDeployment call for a Foo without its Deployment', `${created.length}${lookups}`, NAME);
    }
    const d = created[0]!.object;
    expectEqual(
      { name: d.metadata.name, namespace: d.metadata.namespace, replicas: d.spec.replicas },
      { name: 'example-foo-web', namespace: 'team-a', replicas: 2 },
      NAME,
    );
  },
  'foo-gone': async (env) => {
    const { writes } = await sync(env, { deployment: owned(1, 1) });
    expectEqual(verbs(writes), [], NAME);
  },
  'not-owned': async (env) => {
    const { writes, threw } = await sync(env, { foo: fooWith(3), deployment: owned(1, 1, 'someone-else') }, true);
    expectEqual({ writes: verbs(writes), threw }, { writes: [], threw: true }, NAME);
  },
  scales: async (env) => {
    const { writes } = await sync(env, { foo: fooWith(3, 1), deployment: owned(1, 1) });
    const update = writes.find((w) => w.verb === 'updateDeployment');
    if (!update) throw new Mismatch('an updateDeployment call (the Foo wants 3 replicas, the Deployment has 1)', `writes ${show(verbs(writes))}`, NAME);
    expectEqual(
      { replicas: update.object.spec.replicas, resourceVersion: update.object.metadata.resourceVersion },
      { replicas: 3, resourceVersion: '12' },
      NAME,
    );
  },
  status: async (env) => {
    const { writes } = await sync(env, { foo: fooWith(2, 0), deployment: owned(2, 2) });
    const status = writes.filter((w) => w.verb === 'updateFooStatus');
    if (status.length !== 1) throw new Mismatch('one updateFooStatus call (available replicas went from 0 to 2)', `${status.length}`, NAME);
    expectEqual((status[0]!.object as Foo).status?.availableReplicas, 2, NAME);
  },
  'no-needless-writes': async (env) => {
    const { writes } = await sync(env, { foo: fooWith(2, 2), deployment: owned(2, 2) });
    expectEqual(verbs(writes), [], NAME);
  },
};
