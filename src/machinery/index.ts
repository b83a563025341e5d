/**
 * The public machinery API (`kube-lessons/machinery`): the workqueue family, the cache family (stores,
 * indexers, listers, DeltaFIFO, reflector, informers), the injectable clock and the API error type.
 */
export * from './cache/index.ts';
export * from './workqueue/index.ts';
export { RealClock, FakeClock, realClock, flushMicrotasks } from './clock.ts';
export type { Clock, TimerHandle } from './clock.ts';
export { ApiStatusError, isResourceExpired } from './errors.ts';
