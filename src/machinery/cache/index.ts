export { DeletedFinalStateUnknown, KeyError, metaNamespaceKeyFunc, splitMetaNamespaceKey, deletionHandlingMetaNamespaceKeyFunc } from './keys.ts';
export type { KeyFunc } from './keys.ts';
export type { Store, KeyListerGetter } from './store.ts';
export { namespaceIndex, metaNamespaceIndexFunc } from './indexer.ts';
export type { Indexer, Indexers, IndexFunc } from './indexer.ts';
export { Cache, newIndexer, newStore } from './cache.ts';
export { LabelSelector, SelectorParseError, parseSelector, selectorFromSet, everything } from './label-selector.ts';
export type { Requirement, SelectorOperator } from './label-selector.ts';
export { Lister } from './lister.ts';
export type { NamespaceLister, Selector } from './lister.ts';
export { DeltaFIFO, DeltaTypes, RequeueError, newestObject } from './delta-fifo.ts';
export type { Delta, Deltas, DeltaType, DeltaFIFOOptions, PopResult, ReflectorStore } from './delta-fifo.ts';
export { ExponentialBackoff } from './backoff.ts';
export type { Backoff, ExponentialBackoffOptions } from './backoff.ts';
export { Reflector } from './reflector.ts';
export type { ReflectorOptions, TransformingStore } from './reflector.ts';
export { RingGrowing } from './ring-buffer.ts';
export type { ResourceEventHandler, Notification } from './processor-listener.ts';
export { SharedIndexInformer, determineResyncPeriod, minimumResyncPeriodMs } from './shared-informer.ts';
export type { SharedIndexInformerOptions, AddEventHandlerOptions, ResourceEventHandlerRegistration } from './shared-informer.ts';
export { waitForCacheSync, syncedPollPeriodMs } from './wait-for-cache-sync.ts';
export { DoneSignal, waitFor } from './done-checker.ts';
export type { DoneChecker } from './done-checker.ts';
export type { WaitForCacheSyncOptions } from './wait-for-cache-sync.ts';
export { SharedInformerFactory, resourceId } from './informer-factory.ts';
export type {
  ResourceDescriptor,
  ListerWatcherContext,
  ListerWatcherFactory,
  TweakListOptions,
  SharedInformerFactoryOptions,
} from './informer-factory.ts';
export type {
  KubeObject,
  ListerWatcher,
  ListOptions,
  ListResult,
  WatchOptions,
  WatchEvent,
  WatchEventType,
  WatchStream,
} from './list-watch.ts';
export { INITIAL_EVENTS_END_ANNOTATION, WatchDecodeError } from './list-watch.ts';
