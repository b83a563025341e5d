export { WorkQueue, newQueue } from './queue.ts';
export type { Queue, QueueOptions, GetResult, QueueSnapshot } from './queue.ts';
export { DelayingWorkQueue, newDelayingQueue } from './delaying-queue.ts';
export type { DelayingQueue } from './delaying-queue.ts';
export { RateLimitingWorkQueue, newRateLimitingQueue } from './rate-limiting-queue.ts';
export type { RateLimitingQueue, RateLimitingQueueOptions } from './rate-limiting-queue.ts';
export {
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  BucketRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
  defaultItemBasedRateLimiter,
  DEFAULT_CONTROLLER_BASE_DELAY_MS,
  DEFAULT_CONTROLLER_MAX_DELAY_MS,
  DEFAULT_CONTROLLER_QPS,
  DEFAULT_CONTROLLER_BURST,
  DEFAULT_ITEM_BASE_DELAY_MS,
  DEFAULT_ITEM_MAX_DELAY_MS,
} from './rate-limiters.ts';
export type { RateLimiter } from './rate-limiters.ts';
export { noopQueueMetrics, RecordingQueueMetrics, UNFINISHED_WORK_UPDATE_PERIOD_MS } from './metrics.ts';
export type { QueueMetrics } from './metrics.ts';
