/** Checks the rate-limiter exercise, and holds it to the library's ItemExponentialFailureRateLimiter on random sequences. */
import { exported, expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';
import { ItemExponentialFailureRateLimiter, type RateLimiter } from '../../machinery/index.ts';

type Ctor = new (baseMs: number, maxMs: number) => RateLimiter<string>;
const NAME = 'ExponentialLimiter';

function make(env: CheckEnv, base: number, max: number): RateLimiter<string> {
  const C = exported<Ctor>(env, NAME);
  return new C(base, max);
}

export const expectations: Record<string, ExpectationCheck> = {
  doubles: (env) => {
    const l = make(env, 5, 1000);
    expectEqual([l.when('a'), l.when('a'), l.when('a'), l.when('a')], [5, 10, 20, 40], NAME, { of: 'new ExponentialLimiter(5, 1000), when("a") ×4' });
  },
  'per-item': (env) => {
    const l = make(env, 5, 1000);
    l.when('a');
    l.when('a');
    expectEqual({ b: l.when('b'), requeuesA: l.numRequeues('a'), requeuesB: l.numRequeues('b') }, { b: 5, requeuesA: 2, requeuesB: 1 }, NAME, {
      of: 'new ExponentialLimiter(5, 1000), when("a") ×2, then when("b"), numRequeues("a"), numRequeues("b")',
    });
  },
  capped: (env) => {
    const l = make(env, 5, 100);
    const delays = Array.from({ length: 8 }, () => l.when('a'));
    expectEqual(delays, [5, 10, 20, 40, 80, 100, 100, 100], NAME, { of: 'new ExponentialLimiter(5, 100), when("a") ×8' });
    const huge = make(env, 1, 60_000);
    for (let i = 0; i < 1100; i++) huge.when('x');
    expectEqual(huge.when('x'), 60_000, NAME, { of: 'new ExponentialLimiter(1, 60000), the 1101st when("x")' });
  },
  forget: (env) => {
    const l = make(env, 5, 1000);
    l.when('a');
    l.when('a');
    l.forget('a');
    expectEqual({ requeues: l.numRequeues('a'), next: l.when('a') }, { requeues: 0, next: 5 }, NAME, {
      of: 'new ExponentialLimiter(5, 1000), when("a") ×2, forget("a"), then numRequeues("a"), when("a")',
    });
  },
  'matches-client-go': (env) => {
    // A fixed pseudo-random walk over three keys, compared step by step with the library's limiter.
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const mine = make(env, 3, 5000);
    const ours = new ItemExponentialFailureRateLimiter<string>(3, 5000);
    // What each key went through, so a failure names the inputs that led to it.
    const history = new Map<string, string[]>();
    const did = (key: string, call: string) => history.set(key, [...(history.get(key) ?? []), call]);
    const inputs = (key: string, call: string) => {
      const calls = history.get(key) ?? [];
      const shown = calls.length > 6 ? ['...', ...calls.slice(-6)] : calls;
      return `new ExponentialLimiter(3, 5000), its calls for "${key}" so far (${[...shown].join(', ') || 'none'}), then ${call}`;
    };
    for (let step = 0; step < 300; step++) {
      const key = ['a', 'b', 'c'][Math.floor(rand() * 3)]!;
      const op = rand();
      if (op < 0.7) {
        const [got, want] = [mine.when(key), ours.when(key)];
        if (got !== want) throw new Mismatch(`${inputs(key, `when("${key}")`)} = ${want}`, show(got), NAME);
        did(key, `when → ${want}`);
      } else if (op < 0.85) {
        mine.forget(key);
        ours.forget(key);
        did(key, 'forget');
      }
      if (mine.numRequeues(key) !== ours.numRequeues(key))
        throw new Mismatch(`${inputs(key, `numRequeues("${key}")`)} = ${ours.numRequeues(key)}`, show(mine.numRequeues(key)), NAME);
    }
  },
};
