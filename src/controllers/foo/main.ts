/**
 * The wiring, as sample-controller's main.go: one informer factory, the Foo and Deployment informers from
 * it, the rate-limited queue, the event recorder, the controller. Start the factory, run the controller
 * until the signal aborts, stop the informers. No logic lives here.
 */
import type { KubeClient } from '../../core/client.ts';
import { listerWatcherFor } from '../../core/list-watch-client.ts';
import { SharedInformerFactory } from '../../machinery/cache/informer-factory.ts';
import type { Tracer } from '../../machinery/trace.ts';
import { RateLimitingWorkQueue } from '../../machinery/workqueue/rate-limiting-queue.ts';
import { EventRecorder, noopLogger, type Logger } from '../event-recorder.ts';
import { CONTROLLER_AGENT_NAME, FooController, fooControllerRateLimiter } from './controller.ts';
import { DEPLOYMENT_RESOURCE, FOO_RESOURCE, type Deployment, type Foo } from './types.ts';

export const DEFAULT_WORKERS = 2;
export const DEFAULT_RESYNC_MS = 30_000;

export interface FooControllerOptions {
  client: KubeClient;
  /** Watch and manage one namespace only. Default: all namespaces, as the sample controller does. */
  namespace?: string | undefined;
  workers?: number;
  /** How often every cached Foo is re-delivered as an update (a periodic re-sync). 0: never. */
  resyncMs?: number;
  logger?: Logger;
  tracer?: Tracer;
}

export interface RunningFooController {
  controller: FooController;
  recorder: EventRecorder;
  /** The work queue: empty with nothing in process, the controller has acted on every event it received. */
  queue: RateLimitingWorkQueue<string>;
  /**
   * Resolves once the controller stopped (after the signal aborted) and the informers shut down; rejects,
   * after shutting them down, when the signal aborted before the caches synced (see FooController.run).
   */
  done: Promise<void>;
}

/** Builds everything and starts it; stop it by aborting `signal`, then await `done`. */
export function startFooController(opts: FooControllerOptions, signal: AbortSignal): RunningFooController {
  const logger = opts.logger ?? noopLogger;
  const factory = new SharedInformerFactory((resource, scope) => listerWatcherFor(opts.client, resource, scope), {
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    defaultResyncMs: opts.resyncMs ?? DEFAULT_RESYNC_MS,
    ...(opts.tracer ? { tracer: opts.tracer } : {}),
  });
  const fooInformer = factory.informerFor<Foo>(FOO_RESOURCE);
  const deploymentInformer = factory.informerFor<Deployment>(DEPLOYMENT_RESOURCE);
  fooInformer.setWatchErrorHandler((err) => logger.error('list/watch of foos failed; retrying', { error: err instanceof Error ? err.message : String(err) }));
  deploymentInformer.setWatchErrorHandler((err) =>
    logger.error('list/watch of deployments failed; retrying', { error: err instanceof Error ? err.message : String(err) }),
  );

  const recorder = new EventRecorder(opts.client, { component: CONTROLLER_AGENT_NAME, logger });
  const queue = new RateLimitingWorkQueue<string>({ name: 'Foos', rateLimiter: fooControllerRateLimiter(), ...(opts.tracer ? { tracer: opts.tracer } : {}) });
  const controller = new FooController({
    client: opts.client,
    fooInformer,
    deploymentInformer,
    recorder,
    queue,
    logger,
    ...(opts.tracer ? { tracer: opts.tracer } : {}),
  });

  factory.start(signal);
  const done = (async () => {
    try {
      await controller.run(opts.workers ?? DEFAULT_WORKERS, signal);
    } finally {
      await factory.shutdown();
    }
  })();
  return { controller, recorder, queue, done };
}
