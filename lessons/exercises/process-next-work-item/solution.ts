// Our solution to the process-next-work-item exercise.
import type { RateLimitingQueue } from 'kube-lessons/machinery';

export const MAX_RETRIES = 5;

export async function processNextWorkItem(queue: RateLimitingQueue<string>, sync: (key: string) => Promise<void>): Promise<boolean> {
  const { item, shutdown } = await queue.get();
  if (shutdown) return false;
  try {
    await sync(item);
    queue.forget(item);
  } catch {
    if (queue.numRequeues(item) < MAX_RETRIES) queue.addRateLimited(item);
    else queue.forget(item);
  } finally {
    queue.done(item);
  }
  return true;
}
