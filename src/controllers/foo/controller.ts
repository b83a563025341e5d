/**
 * The sample controller's logic: keep, for every Foo, a Deployment named spec.deploymentName with
 * spec.replicas replicas, owned by the Foo, and report the Deployment's available replicas in the Foo's
 * status.
 *
 * The shape is the classic one. Informer handlers only turn changes into keys on a rate-limited work queue;
 * workers take keys off the queue and call `syncHandler(key)`, which compares desired state (the Foo, read
 * from the informer's cache) with actual state (the Deployment, also from the cache) and writes only the
 * difference. `syncHandler` knows nothing about retries: `processNextWorkItem` forgets a key that synced
 * and re-adds a failed one with backoff. Everything the controller uses is given to its constructor, so
 * tests can hand it fakes; `main.ts` wires the real ones.
 *
 * Deliberate differences from sample-controller v0.36.3, because lesson 8 and its foo-sync-handler
 * exercise teach "write only the difference":
 * - a replicas change updates a copy of the cached Deployment, with its resourceVersion; upstream sends a
 *   freshly built `newDeployment(foo)` with none, an unconditional update that also resets whatever else
 *   changed on the Deployment;
 * - the Foo's status is not written when it already holds the available replicas (a Foo without a status
 *   holds 0, as Go's typed FooStatus reads it); upstream writes it on every sync that gets that far, so a
 *   new Foo gets a status of 0, whose update event brings it back for one more sync.
 * Also: keys are `namespace/name` strings (a malformed one is logged and dropped), and a stopping
 * controller lets the syncs in flight finish instead of cancelling their requests (see `run`).
 */
import type { KubeClient, RequestOptions } from '../../core/client.ts';
import { resourcePath } from '../../core/resources.ts';
import type { Clock } from '../../machinery/clock.ts';
import { realClock } from '../../machinery/clock.ts';
import { DeletedFinalStateUnknown, KeyError, metaNamespaceKeyFunc, resourceVersionOf, splitMetaNamespaceKey } from '../../machinery/cache/keys.ts';
import { Lister } from '../../machinery/cache/lister.ts';
import type { ResourceEventHandlerRegistration, SharedIndexInformer } from '../../machinery/cache/shared-informer.ts';
import { waitForCacheSync } from '../../machinery/cache/wait-for-cache-sync.ts';
import { safeEmit, type Tracer } from '../../machinery/trace.ts';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from '../../machinery/workqueue/rate-limiters.ts';
import type { RateLimiter } from '../../machinery/workqueue/rate-limiters.ts';
import type { RateLimitingQueue } from '../../machinery/workqueue/rate-limiting-queue.ts';
import type { EventRecorder, Logger } from '../event-recorder.ts';
import { DEPLOYMENT_RESOURCE, FOO_API_VERSION, FOO_KIND, FOO_RESOURCE, type Deployment, type Foo, type OwnerReference } from './types.ts';

/** The name the controller signs its events and writes with (source component, field manager). */
export const CONTROLLER_AGENT_NAME = 'sample-controller';

/** Event reason: a Foo was synced. */
export const SUCCESS_SYNCED = 'Synced';
/** Event reason: the Deployment a Foo names exists and belongs to someone else. */
export const ERR_RESOURCE_EXISTS = 'ErrResourceExists';
/** Event message for SUCCESS_SYNCED. */
export const MESSAGE_RESOURCE_SYNCED = 'Foo synced successfully';
/** Event message for ERR_RESOURCE_EXISTS. */
export function messageResourceExists(name: string): string {
  return `Resource ${JSON.stringify(name)} already exists and is not managed by Foo`;
}

/** Why `run` rejects when stopped before the caches synced (sample-controller's Run error). */
export const FAILED_CACHE_SYNC = 'failed to wait for caches to sync';

/** The sample controller's retry policy: per-key backoff 5 ms .. 1000 s, overall 50 qps with bursts of 300. */
export const FOO_BASE_DELAY_MS = 5;
export const FOO_MAX_DELAY_MS = 1_000_000;
export const FOO_QPS = 50;
export const FOO_BURST = 300;

export function fooControllerRateLimiter(opts: { clock?: Clock } = {}): RateLimiter<string> {
  return new MaxOfRateLimiter<string>(
    new ItemExponentialFailureRateLimiter<string>(FOO_BASE_DELAY_MS, FOO_MAX_DELAY_MS),
    new BucketRateLimiter<string>(FOO_QPS, FOO_BURST, opts),
  );
}

export interface FooControllerDeps {
  /** For writes. Reads go through the informers' caches. */
  client: KubeClient;
  /** Both from one SharedInformerFactory, not started yet (handlers are added here, the factory starts them). */
  fooInformer: SharedIndexInformer<Foo>;
  deploymentInformer: SharedIndexInformer<Deployment>;
  recorder: EventRecorder;
  /** Keys `namespace/name` of Foos; see fooControllerRateLimiter. */
  queue: RateLimitingQueue<string>;
  logger: Logger;
  tracer?: Tracer;
  clock?: Clock;
}

export interface FooControllerStats {
  /** syncHandler calls (from workers, or made directly). */
  syncs: number;
  /** syncHandler calls that failed (each was retried with backoff unless the controller was stopping). */
  syncErrors: number;
  /** API requests made by the controller itself, by kind ('create deployment', 'update foo status', ...). */
  requests: Record<string, number>;
  /** The total of `requests`, plus the requests its EventRecorder made. Lists and watches are not counted. */
  totalRequests: number;
}

export class FooController {
  private readonly client: KubeClient;
  private readonly fooInformer: SharedIndexInformer<Foo>;
  private readonly deploymentInformer: SharedIndexInformer<Deployment>;
  private readonly foosLister: Lister<Foo>;
  private readonly deploymentsLister: Lister<Deployment>;
  private readonly recorder: EventRecorder;
  private readonly queue: RateLimitingQueue<string>;
  private readonly logger: Logger;
  private readonly tracer: Tracer | undefined;
  private readonly clock: Clock;
  private readonly fooRegistration: ResourceEventHandlerRegistration;
  private readonly deploymentRegistration: ResourceEventHandlerRegistration;
  private syncs = 0;
  private syncErrors = 0;
  private readonly requestCounts: Record<string, number> = {};

  constructor(deps: FooControllerDeps) {
    this.client = deps.client;
    this.fooInformer = deps.fooInformer;
    this.deploymentInformer = deps.deploymentInformer;
    this.foosLister = new Lister<Foo>(deps.fooInformer.getIndexer());
    this.deploymentsLister = new Lister<Deployment>(deps.deploymentInformer.getIndexer());
    this.recorder = deps.recorder;
    this.queue = deps.queue;
    this.logger = deps.logger;
    this.tracer = deps.tracer;
    this.clock = deps.clock ?? realClock;

    this.logger.info('setting up event handlers');
    // A Foo that appears or changes (a resync counts as a change) needs a sync. No delete handler: the
    // Deployment carries an owner reference to the Foo, so the garbage collector removes it.
    this.fooRegistration = this.fooInformer.addEventHandler({
      onAdd: (foo) => this.enqueueFoo(foo),
      onUpdate: (_old, foo) => this.enqueueFoo(foo),
    });
    // A Deployment that changes may need its Foo synced: find the Foo that owns it, if any.
    this.deploymentRegistration = this.deploymentInformer.addEventHandler({
      onAdd: (deployment) => this.handleObject(deployment),
      onUpdate: (oldDeployment, newDeployment) => {
        // A resync re-delivers every Deployment unchanged; only real changes matter here.
        if (resourceVersionOf(oldDeployment) === resourceVersionOf(newDeployment)) return;
        this.handleObject(newDeployment);
      },
      onDelete: (deployment) => this.handleObject(deployment),
    });
  }

  /**
   * Waits for both caches, starts `workers` workers, and runs until `signal` aborts. Then it shuts the queue
   * down with drain, so syncs in flight finish (their requests are not cancelled), waits for the workers and
   * for events still being written, and resolves. Rejects with FAILED_CACHE_SYNC when `signal` aborts
   * before the caches have synced.
   */
  async run(workers: number, signal: AbortSignal): Promise<void> {
    this.logger.info('starting Foo controller');
    this.logger.info('waiting for informer caches to sync');
    const synced = await waitForCacheSync(
      { signal, clock: this.clock },
      () => this.fooInformer.hasSynced() && this.fooRegistration.hasSynced(),
      () => this.deploymentInformer.hasSynced() && this.deploymentRegistration.hasSynced(),
    );
    if (!synced) {
      // Stopped before the caches filled: nothing was started, nothing to drain. Starting up did not
      // finish, so that is an error, as sample-controller's Run returns one (its main exits 1).
      this.queue.shutDown();
      this.recorder.shutDown();
      await this.recorder.flush();
      throw new Error(FAILED_CACHE_SYNC);
    }
    this.logger.info('starting workers', { count: workers });
    const running: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) running.push(this.runWorker(signal, i));
    this.logger.info('started workers');

    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.logger.info('shutting down workers: waiting for syncs in flight');
    await this.queue.shutDownWithDrain();
    await Promise.all(running);
    // As sample-controller's broadcaster, which stops with the controller's context: no more retry waits.
    this.recorder.shutDown();
    await this.recorder.flush();
    this.logger.info('workers stopped');
  }

  /** What the controller did so far. */
  stats(): FooControllerStats {
    const own = Object.values(this.requestCounts).reduce((a, b) => a + b, 0);
    return { syncs: this.syncs, syncErrors: this.syncErrors, requests: { ...this.requestCounts }, totalRequests: own + this.recorder.requests() };
  }

  /** One worker: take keys until the controller stops. A stopping controller takes no new key. */
  private async runWorker(signal: AbortSignal, id: number): Promise<void> {
    while (!signal.aborted) {
      try {
        if (!(await this.processNextWorkItem())) return;
      } catch (err) {
        // A bug, not a sync failure (those are handled in processNextWorkItem): report it and carry on.
        this.logger.error('worker crashed; continuing', { worker: id, error: errorText(err) });
      }
    }
  }

  /**
   * Takes one key and syncs it. Success forgets the key's failures; failure re-adds it rate-limited.
   * Returns false once the queue is shut down.
   */
  async processNextWorkItem(): Promise<boolean> {
    const { item: key, shutdown } = await this.queue.get();
    if (shutdown) return false;
    try {
      let failure: unknown;
      try {
        await this.syncHandler(key);
      } catch (err) {
        failure = err;
      }
      if (failure === undefined) {
        this.queue.forget(key);
        this.logger.info('successfully synced', { resourceName: key });
        this.emit('synced', key);
      } else {
        this.syncErrors++;
        this.queue.addRateLimited(key);
        const retry = this.queue.numRequeues(key);
        this.logger.error('error syncing; requeuing for later retry', { resourceName: key, retry, error: errorText(failure) });
        this.emit('sync-failed', key, { retry, error: errorText(failure) });
      }
      return true;
    } finally {
      this.queue.done(key);
    }
  }

  /**
   * Brings the world in line with the Foo named by `key`. Throws when the sync should be retried. Reads come
   * from the caches; only differences are written.
   */
  async syncHandler(key: string): Promise<void> {
    this.syncs++;
    let namespace: string;
    let name: string;
    try {
      ({ namespace, name } = splitMetaNamespaceKey(key));
    } catch (err) {
      // Retrying cannot fix a malformed key.
      if (err instanceof KeyError) return this.logger.error('invalid resource key', { key });
      throw err;
    }

    const foo = this.foosLister.namespace(namespace).get(name);
    if (!foo) {
      // Deleted since it was queued; its Deployment goes with it through garbage collection. Reported as
      // an error (sample-controller hands it to HandleError), but not retried: nothing is left to sync.
      this.logger.error('Foo in work queue no longer exists', { resourceName: key });
      return;
    }

    const deploymentName = foo.spec?.deploymentName;
    if (!deploymentName) {
      // The user must fix the Foo; its next update brings it back here.
      this.logger.error('deployment name missing from object reference', { resourceName: key });
      return;
    }

    let deployment = this.deploymentsLister.namespace(namespace).get(deploymentName);
    if (!deployment) {
      this.logger.info('creating deployment', { resourceName: key, deployment: deploymentName });
      deployment = await this.write<Deployment>('create deployment', {
        method: 'POST',
        path: resourcePath(DEPLOYMENT_RESOURCE, { namespace }),
        query: { fieldManager: CONTROLLER_AGENT_NAME },
        body: newDeployment(foo),
      });
    }

    // Someone else's Deployment of that name: leave it alone and say so, on the Foo, where its owner looks.
    if (!isControlledBy(deployment, foo)) {
      const message = messageResourceExists(deploymentName);
      this.recorder.event(fooReference(foo), 'Warning', ERR_RESOURCE_EXISTS, message);
      throw new Error(message);
    }

    const desired = foo.spec.replicas;
    if (desired != null && desired !== deployment.spec?.replicas) {
      this.logger.info('updating deployment replicas', { resourceName: key, deployment: deploymentName, from: deployment.spec?.replicas, to: desired });
      // A copy of what we read, with its resourceVersion: if the Deployment changed meanwhile the server
      // answers 409 and the key is retried against the newer version, instead of overwriting it.
      const copy = structuredClone(deployment);
      copy.spec = { ...copy.spec!, replicas: desired };
      deployment = await this.write<Deployment>('update deployment', {
        method: 'PUT',
        path: resourcePath(DEPLOYMENT_RESOURCE, { namespace, name: deploymentName }),
        query: { fieldManager: CONTROLLER_AGENT_NAME },
        body: copy,
      });
    }

    await this.updateFooStatus(foo, deployment);
    this.recorder.event(fooReference(foo), 'Normal', SUCCESS_SYNCED, MESSAGE_RESOURCE_SYNCED);
  }

  /**
   * Copies the Deployment's available replicas into the Foo's status, through the status subresource.
   * Never modifies the cached Foo. A conflict (the Foo changed since it was cached) is thrown for a retry.
   */
  private async updateFooStatus(foo: Foo, deployment: Deployment): Promise<void> {
    const available = deployment.status?.availableReplicas ?? 0;
    // Compared as Go's typed FooStatus reads it: a Foo without a status holds 0. Writing the same value again
    // would skip a round trip for nothing; writing 0 where there was none would change the Foo, and its update
    // event would bring it back for another sync.
    if ((foo.status?.availableReplicas ?? 0) === available) return;
    const copy = structuredClone(foo);
    copy.status = { ...copy.status, availableReplicas: available };
    await this.write<Foo>('update foo status', {
      method: 'PUT',
      path: resourcePath(FOO_RESOURCE, { namespace: foo.metadata.namespace, name: foo.metadata.name, subresource: 'status' }),
      query: { fieldManager: CONTROLLER_AGENT_NAME },
      body: copy,
    });
    this.logger.info('updated status', { resourceName: metaNamespaceKeyFunc(foo), availableReplicas: available });
  }

  /** Puts the Foo's key on the queue. */
  enqueueFoo(foo: unknown): void {
    let key: string;
    try {
      key = metaNamespaceKeyFunc(foo);
    } catch (err) {
      this.logger.error('cannot make a key for object', { error: errorText(err) });
      return;
    }
    this.emit('enqueue', key);
    this.queue.add(key);
  }

  /**
   * Given any object (a Deployment, or the tombstone of one), finds the Foo controlling it and enqueues that
   * Foo. Objects with no controller, or controlled by something of another kind, are ignored; so are
   * objects whose Foo is not in the cache (it was deleted: the garbage collector cleans up). Only the kind
   * is compared, as sample-controller does: a Foo of another group with the same name enqueues ours, whose
   * sync then finds the Deployment is not its own.
   */
  handleObject(obj: unknown): void {
    let object: Deployment;
    if (obj instanceof DeletedFinalStateUnknown) {
      if (!isKubeObject(obj.obj)) {
        this.logger.error('error decoding object tombstone, invalid type', { key: obj.key });
        return;
      }
      object = obj.obj as Deployment;
      this.logger.info('recovered deleted object', { resourceName: obj.key });
    } else if (isKubeObject(obj)) {
      object = obj as Deployment;
    } else {
      this.logger.error('error decoding object, invalid type', {});
      return;
    }
    const owner = controllerOf(object);
    if (!owner) return;
    if (owner.kind !== FOO_KIND) {
      this.emit('ignored', `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`, { owner: `${owner.kind}/${owner.name}` });
      return;
    }
    const foo = this.foosLister.namespace(object.metadata?.namespace ?? '').get(owner.name);
    if (!foo) {
      this.logger.info('ignoring orphaned object', { object: `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`, foo: owner.name });
      return;
    }
    this.enqueueFoo(foo);
  }

  /** Makes one API write, counted by kind. Not tied to the run signal: a sync in flight finishes. */
  private async write<T>(kind: string, opts: RequestOptions): Promise<T> {
    this.requestCounts[kind] = (this.requestCounts[kind] ?? 0) + 1;
    const res = await this.client.request<T>(opts);
    return res.body;
  }

  private emit(action: string, key: string, data?: Record<string, unknown>): void {
    safeEmit(this.tracer, { component: 'controller', action, key, ...(data ? { data } : {}), at: this.clock.now() });
  }
}

/**
 * The Deployment a Foo asks for: nginx, `spec.replicas` replicas, labels app=nginx and controller=<foo>,
 * and an owner reference that makes the Foo its controller (and lets the garbage collector delete it with
 * the Foo; blockOwnerDeletion makes a foreground deletion of the Foo wait for it).
 */
export function newDeployment(foo: Foo): Deployment {
  const labels = { app: 'nginx', controller: foo.metadata.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: foo.spec.deploymentName,
      ...(foo.metadata.namespace === undefined ? {} : { namespace: foo.metadata.namespace }),
      ownerReferences: [fooOwnerReference(foo)],
    },
    spec: {
      ...(foo.spec.replicas != null ? { replicas: foo.spec.replicas } : {}),
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] },
      },
    },
  };
}

export function fooOwnerReference(foo: Foo): OwnerReference {
  return {
    apiVersion: FOO_API_VERSION,
    kind: FOO_KIND,
    name: foo.metadata.name,
    uid: foo.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The owner reference marked controller=true, if any (metav1.GetControllerOf). */
export function controllerOf(obj: { metadata?: { ownerReferences?: OwnerReference[] | undefined } | undefined }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/**
 * True when `owner` is the controller of `obj`, compared by uid (metav1.IsControlledBy). A missing uid
 * counts as the empty one, as in Go, so objects that never went through an API server (tests) still match.
 */
export function isControlledBy(obj: Deployment, owner: Foo): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && (ref.uid ?? '') === (owner.metadata.uid ?? '');
}

/**
 * The Foo as events should name it. One that carries neither apiVersion nor kind gets the Foo's, as
 * client-go's recorder looks them up in its scheme (where sample-controller registers Foo); one that
 * carries either is taken as it is.
 */
export function fooReference(foo: Foo): Foo {
  if (foo.apiVersion || foo.kind) return foo;
  return { ...foo, apiVersion: FOO_API_VERSION, kind: FOO_KIND };
}

function isKubeObject(obj: unknown): obj is { metadata: Record<string, unknown> } {
  return (
    typeof obj === 'object' && obj !== null && typeof (obj as { metadata?: unknown }).metadata === 'object' && (obj as { metadata?: unknown }).metadata !== null
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
