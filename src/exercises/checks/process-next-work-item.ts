/** Checks processNextWorkItem on a real rate-limiting queue whose delays run on a fake clock. */
import { exported, expectEqual, Mismatch, show, type CheckEnv, type ExpectationCheck } from '../check-api.ts';
import { ItemExponentialFailureRateLimiter, newRateLimitingQueue, type RateLimitingQueue } from '../../machinery/index.ts';
import type { FakeClock } from '../../machinery/clock.ts';

type Process = (queue: RateLimitingQueue<string>, sync: (key: string) => Promise<void>) => Promise<boolean>;
const NAME = 'processNextWorkItem';
const BASE_MS = 10;

function setup(env: CheckEnv): { clock: FakeClock; queue: RateLimitingQueue<string>; process: (sync: (key: string) => Promise<void>) => Promise<boolean> } {
  const clock = env.clock();
  const queue = newRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(BASE_MS, 10_000), { clock });
  const fn = exported<Process>(env, NAME);
  return { clock, queue, process: (sync) => fn(queue, sync) };
}

const failing = () => Promise.reject(new Error('sync failed'));
const succeeding = () => Promise.resolve();

export const expectations: Record<string, ExpectationCheck> = {
  'syncs-the-key': async (env) => {
    const { queue, process } = setup(env);
    queue.add('default/a');
    const synced: string[] = [];
    const returned = await process((k) => {
      synced.push(k);
      return Promise.resolve();
    });
    expectEqual({ returned, synced }, { returned: true, synced: ['default/a'] }, NAME);
  },
  'calls-done': async (env) => {
    const { queue, process } = setup(env);
    queue.add('default/a');
    await process(() => {
      queue.add('default/a');
      return Promise.resolve();
    });
    // Re-added while processing: only `done` puts it back in the queue.
    expectEqual({ processing: queue.snapshot().processing, queue: queue.snapshot().queue }, { processing: [], queue: ['default/a'] }, NAME);
  },
  'retries-with-backoff': async (env) => {
    const { clock, queue, process } = setup(env);
    queue.add('default/a');
    const returned = await process(failing);
    if (returned !== true) throw new Mismatch('true after a failed sync (the worker goes on)', show(returned), NAME);
    expectEqual({ requeues: queue.numRequeues('default/a'), queued: queue.len() }, { requeues: 1, queued: 0 }, NAME);
    await clock.advance(BASE_MS);
    if (queue.len() !== 1) {
      // A key still marked processing is only queued again by done: the usual cause is a done outside `finally`.
      const stuck = queue.snapshot().processing.includes('default/a');
      const why = stuck ? ': default/a is still marked processing, so done was not called after the failed sync (call it in finally)' : '';
      throw new Mismatch(`the key back in the queue ${BASE_MS} ms later (addRateLimited)`, `${queue.len()} queued${why}`, NAME);
    }
  },
  'forgets-on-success': async (env) => {
    const { clock, queue, process } = setup(env);
    queue.add('default/a');
    await process(failing);
    await clock.advance(BASE_MS);
    await process(succeeding);
    if (queue.numRequeues('default/a') !== 0)
      throw new Mismatch('0 requeues after a success (forget resets the backoff)', `${queue.numRequeues('default/a')}`, NAME);
  },
  'drops-after-max-retries': async (env) => {
    const { clock, queue, process } = setup(env);
    const max = env.learner.MAX_RETRIES;
    if (typeof max !== 'number' || max < 1) throw new Mismatch('MAX_RETRIES exported as a number from 1', show(max), 'MAX_RETRIES');
    queue.add('default/a');
    let attempts = 0;
    for (let i = 0; i <= max + 2 && queue.len() > 0; i++) {
      await process(() => {
        attempts++;
        return failing();
      });
      await clock.advance(10_000);
    }
    expectEqual({ attempts, queued: queue.len(), requeues: queue.numRequeues('default/a') }, { attempts: max + 1, queued: 0, requeues: 0 }, NAME);
  },
  'false-on-shutdown': async (env) => {
    const { queue, process } = setup(env);
    queue.shutDown();
    expectEqual(await process(succeeding), false, NAME);
  },
};
