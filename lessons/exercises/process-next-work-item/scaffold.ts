// Exercise: process-next-work-item (Understanding Kubernetes controllers I, the workqueue).
// A controller's worker runs processNextWorkItem in a loop. It takes a key from the rate-limiting queue,
// syncs it, and tells the queue how it went: forget (success: reset the key's backoff), addRateLimited
// (failure: retry later, each time waiting longer), and always done (the key is no longer being processed;
// if it was added again meanwhile, it goes back in the queue). A key that keeps failing is dropped after
// MAX_RETRIES retries, so one broken object cannot be retried forever.
//
// Run `npx kube-lessons verify process-next-work-item` to check your work.
import type { RateLimitingQueue } from 'kube-lessons/machinery';

export const MAX_RETRIES = 5;

/**
 * Processes one key. Resolves false when the queue is shut down (the worker loop ends), true otherwise,
 * whether the sync succeeded or not.
 */
export async function processNextWorkItem(queue: RateLimitingQueue<string>, sync: (key: string) => Promise<void>): Promise<boolean> {
  // TODO: const { item, shutdown } = await queue.get(); ... then sync(item), forget / addRateLimited, and done.
  void queue;
  void sync;
  return false;
}
