/**
 * Controllers I, "the work queue": the article's demo (a filler adds five words and shuts the queue down; a
 * reader starts later and reads until the queue reports shutdown) and five more scenarios, each showing one
 * guarantee of src/machinery/workqueue. Every add, get and done is reported with the queue's insides (the
 * FIFO, the dirty set, the processing set) as the queue's own tracer saw them (`snapshots: true`).
 * Gathering and logic only: the command renders. Needs no cluster.
 *
 * The scenarios are deterministic: JavaScript runs one task at a time, the concurrent ones (the filler and
 * the readers) only meet at awaits, and the scripted ones make every step in a fixed order. Nothing measured
 * (no timing) goes into an event, so the same scenario always yields the same events.
 */
import { realClock, type Clock } from '../machinery/clock.ts';
import type { TraceEvent, Tracer } from '../machinery/trace.ts';
import { RateLimitingWorkQueue, WorkQueue, type GetResult, type Queue, type QueueSnapshot } from '../machinery/workqueue/index.ts';

export const SCENARIO_NAMES = ['basic', 'dedup', 'reprocess', 'shutdown', 'drain', 'rate-limit'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioInfo {
  name: ScenarioName;
  description: string;
  /** Items used when --items is not given. */
  defaultItems: string[];
  /** Workers used when --workers is not given. */
  defaultWorkers: number;
  /** Whether --workers changes it (the scripted scenarios fix their cast). */
  workersConfigurable: boolean;
  /** Whether --reader-delay applies. */
  usesReaderDelay: boolean;
}

export const SCENARIOS: Record<ScenarioName, ScenarioInfo> = {
  basic: {
    name: 'basic',
    description: "the article's demo: a filler adds five words and shuts the queue down; a reader starts later and reads until get() reports shutdown",
    defaultItems: ['informers', 'feed', 'the', 'work', 'queue'],
    defaultWorkers: 1,
    workersConfigurable: true,
    usesReaderDelay: true,
  },
  dedup: {
    name: 'dedup',
    description: 'stingy: an item added again while it waits in the queue is ignored, so it is processed once',
    defaultItems: ['pod-a', 'pod-b', 'pod-a', 'pod-c', 'pod-b'],
    defaultWorkers: 1,
    workersConfigurable: true,
    usesReaderDelay: true,
  },
  reprocess: {
    name: 'reprocess',
    description: 'exclusive: an item added while a worker holds it is marked dirty and handed out again only after done()',
    defaultItems: ['pod-a'],
    defaultWorkers: 2,
    workersConfigurable: false,
    usesReaderDelay: false,
  },
  shutdown: {
    name: 'shutdown',
    description: 'shutDown() releases every worker waiting in get() with shutdown=true, and later adds are ignored',
    defaultItems: ['pod-a'],
    defaultWorkers: 3,
    workersConfigurable: true,
    usesReaderDelay: false,
  },
  drain: {
    name: 'drain',
    description: 'shutDownWithDrain() returns only once every item handed to a worker is done',
    defaultItems: ['pod-a', 'pod-b', 'pod-c'],
    defaultWorkers: 2,
    workersConfigurable: false,
    usesReaderDelay: false,
  },
  'rate-limit': {
    name: 'rate-limit',
    description:
      "a failing item retried with addRateLimited(): the default controller limiter's delays grow 5, 10, 20, 40, 80 ms; after 5 retries it is forgotten",
    defaultItems: ['flaky'],
    defaultWorkers: 1,
    workersConfigurable: false,
    usesReaderDelay: false,
  },
};

/** Retries before giving up, as in client-go's workqueue example (handleErr). */
export const MAX_RETRIES = 5;
export const DEFAULT_READER_DELAY_MS = 3000;

/** The queue's insides after an operation. `waiting` only for delaying (rate-limiting) queues. */
export interface QueueState {
  queue: string[];
  dirty: string[];
  processing: string[];
  waiting?: string[];
}

/** The workqueue trace actions this lesson reports (see src/machinery/workqueue). */
export type QueueAction =
  | 'add'
  | 'add-ignored-dirty'
  | 'add-ignored-shutdown'
  | 'add-deferred-processing'
  | 'get'
  | 'done'
  | 'requeue-after-done'
  | 'shutdown'
  | 'add-after'
  | 'ready'
  | 'rate-limited';

export interface QueueCounts {
  /** add() calls, whatever became of them. */
  adds: number;
  /** Adds that put the item in the FIFO. */
  queued: number;
  ignoredDirty: number;
  ignoredShutdown: number;
  deferred: number;
  gets: number;
  dones: number;
  requeued: number;
  rateLimited: number;
}

export type WorkqueueEvent =
  | { type: 'start'; scenario: ScenarioName; description: string; items: string[]; workers: number; readerDelayMs?: number }
  /** One queue operation, as the queue's tracer reported it, with who made it and the state after it. */
  | { type: 'queue'; actor: string; action: QueueAction; item?: string; delayMs?: number; requeues?: number; drain?: boolean; state: QueueState }
  /** What a participant of the program says or prints (the reader's "item, shutdown" line among them). */
  | { type: 'say'; actor: string; text: string }
  | { type: 'summary'; scenario: ScenarioName; counts: QueueCounts; text: string };

export interface WorkqueueOptions {
  scenario?: ScenarioName;
  items?: string[] | undefined;
  workers?: number | undefined;
  readerDelayMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Clock for the reader's delay (the rate-limit scenario's queue uses the real clock). */
  clock?: Clock;
}

/** Runs one scenario, handing every event to `emit` as it happens. Resolves with the summary's counts. */
export async function runWorkqueueScenario(opts: WorkqueueOptions, emit: (e: WorkqueueEvent) => void): Promise<QueueCounts> {
  const info = SCENARIOS[opts.scenario ?? 'basic'];
  const items = opts.items?.length ? opts.items : info.defaultItems;
  const workers = info.workersConfigurable && opts.workers ? opts.workers : info.defaultWorkers;
  const readerDelayMs = opts.readerDelayMs ?? DEFAULT_READER_DELAY_MS;
  const clock = opts.clock ?? realClock;
  emit({ type: 'start', scenario: info.name, description: info.description, items, workers, ...(info.usesReaderDelay ? { readerDelayMs } : {}) });
  const h = new Harness(emit);
  // The machinery's timers never keep the process alive (they are unref'd): this one does while we run.
  const keepAlive = setInterval(() => {}, 60_000);
  let text: string;
  try {
    text = await run(info.name, h, items, workers, readerDelayMs, clock, opts.signal);
  } finally {
    clearInterval(keepAlive);
  }
  emit({ type: 'summary', scenario: info.name, counts: { ...h.counts }, text });
  return h.counts;
}

function run(
  name: ScenarioName,
  h: Harness,
  items: string[],
  workers: number,
  readerDelayMs: number,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<string> {
  switch (name) {
    case 'basic':
    case 'dedup':
      return fillAndRead(h, items, workers, readerDelayMs, clock, signal);
    case 'reprocess':
      return reprocess(h, items[0]!);
    case 'shutdown':
      return shutdown(h, items[0]!, workers);
    case 'drain':
      return drain(h, unique(items));
    case 'rate-limit':
      return rateLimit(h, items[0]!);
  }
}

/**
 * Turns the queue's trace events into lesson events, naming who made each call: the participant whose
 * call is running, or, for an item handed to a `get` that was already waiting, that waiting worker
 * (waiting gets are served oldest first).
 */
class Harness {
  readonly counts: QueueCounts = { adds: 0, queued: 0, ignoredDirty: 0, ignoredShutdown: 0, deferred: 0, gets: 0, dones: 0, requeued: 0, rateLimited: 0 };
  readonly tracer: Tracer;
  /** The delays the rate limiter chose, in order. */
  readonly delays: number[] = [];
  private readonly emit: (e: WorkqueueEvent) => void;
  /** Who is calling the queue right now; timers fire outside any call. */
  private actor = 'timer';
  /** The worker inside a get() call, if any. */
  private inGet: string | undefined;
  private served = false;
  /** Workers whose get() is waiting, oldest first. */
  private waiting: string[] = [];

  constructor(emit: (e: WorkqueueEvent) => void) {
    this.emit = emit;
    this.tracer = { emit: (e) => this.onTrace(e) };
  }

  /** Runs `fn` (a queue call) on behalf of `actor`. */
  as<R>(actor: string, fn: () => R): R {
    const previous = this.actor;
    this.actor = actor;
    try {
      return fn();
    } finally {
      this.actor = previous;
    }
  }

  /** `queue.get()` made by `actor`. */
  get(queue: Queue<string>, actor: string): Promise<GetResult<string>> {
    this.inGet = actor;
    this.served = false;
    let result: Promise<GetResult<string>>;
    try {
      result = queue.get();
    } finally {
      this.inGet = undefined;
    }
    if (!this.served && !queue.shuttingDown()) this.waiting.push(actor);
    return result;
  }

  say(actor: string, text: string): void {
    this.emit({ type: 'say', actor, text });
  }

  private onTrace(e: TraceEvent): void {
    if (e.component !== 'workqueue') return;
    const action = e.action as QueueAction;
    let actor = this.actor;
    if (action === 'get') {
      if (this.inGet) {
        actor = this.inGet;
        this.served = true;
      } else {
        actor = this.waiting.shift() ?? actor;
      }
    }
    // A shutdown releases every waiting get.
    if (action === 'shutdown') this.waiting = [];
    this.count(action);
    const data = e.data ?? {};
    const event: WorkqueueEvent = { type: 'queue', actor, action, state: toState(data.snapshot as QueueSnapshot<string> | undefined) };
    if (e.key !== undefined) event.item = e.key;
    if (typeof data.delayMs === 'number') event.delayMs = data.delayMs;
    if (action === 'rate-limited' && typeof data.delayMs === 'number') this.delays.push(data.delayMs);
    if (typeof data.requeues === 'number') event.requeues = data.requeues;
    if (typeof data.drain === 'boolean') event.drain = data.drain;
    this.emit(event);
  }

  private count(action: QueueAction): void {
    const c = this.counts;
    switch (action) {
      case 'add':
        c.adds++;
        c.queued++;
        break;
      case 'add-ignored-dirty':
        c.adds++;
        c.ignoredDirty++;
        break;
      case 'add-ignored-shutdown':
        c.adds++;
        c.ignoredShutdown++;
        break;
      case 'add-deferred-processing':
        c.adds++;
        c.deferred++;
        break;
      case 'get':
        c.gets++;
        break;
      case 'done':
        c.dones++;
        break;
      case 'requeue-after-done':
        c.requeued++;
        break;
      case 'rate-limited':
        c.rateLimited++;
        break;
    }
  }
}

function toState(s: QueueSnapshot<string> | undefined): QueueState {
  if (!s) return { queue: [], dirty: [], processing: [] };
  const state: QueueState = { queue: [...s.queue], dirty: [...s.dirty], processing: [...s.processing] };
  if (s.waiting) state.waiting = s.waiting.map((w) => w.item);
  return state;
}

function newPlainQueue(h: Harness): WorkQueue<string> {
  return new WorkQueue<string>({ tracer: h.tracer, snapshots: true });
}

/** Lets every pending promise continuation run (a macrotask turn), so a step's consequences show before the next. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** basic and dedup: the article's program. A filler fills and shuts down; readers start after a delay. */
async function fillAndRead(
  h: Harness,
  items: string[],
  workers: number,
  readerDelayMs: number,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<string> {
  const q = newPlainQueue(h);
  const names = workers === 1 ? ['reader'] : Array.from({ length: workers }, (_, i) => `reader-${i + 1}`);
  h.say(
    'main',
    `starts the filler and ${workers === 1 ? 'the reader' : `${workers} readers`}; ${workers === 1 ? 'it sleeps' : 'they sleep'} ${formatMs(readerDelayMs)} first`,
  );
  // The filler runs to completion at once; a promise so that its failure surfaces beside the readers'.
  const filler = new Promise<void>((resolve) => {
    for (const item of items) h.as('filler', () => q.add(item));
    h.as('filler', () => q.shutDown());
    h.say('filler', `added ${plural(items.length, 'item')} and shut the queue down: queued items are still handed out`);
    resolve();
  });
  await clock.sleep(readerDelayMs, signal);
  const processed: string[] = [];
  const reader = async (name: string) => {
    for (;;) {
      const r = await h.get(q, name);
      if (r.shutdown) {
        h.say(name, 'got nothing, shutdown=true: the queue is shut down and empty, stopping');
        return;
      }
      h.say(name, `got ${r.item}, shutdown=false`);
      processed.push(r.item);
      h.as(name, () => q.done(r.item));
    }
  };
  h.say(names.length === 1 ? 'reader' : 'main', `${names.length === 1 ? 'woke up' : 'readers woke up'}: reading until get() reports shutdown`);
  await Promise.all([filler, ...names.map(reader)]);
  const ignored = h.counts.ignoredDirty;
  return `${plural(h.counts.adds, 'add')}, ${ignored} ignored as already queued, ${plural(processed.length, 'item')} processed (${processed.join(' ')}); every reader stopped on shutdown`;
}

/** An item changed while a worker holds it: it waits (dirty) until done(), then goes out again. */
async function reprocess(h: Harness, item: string): Promise<string> {
  const q = newPlainQueue(h);
  h.as('producer', () => q.add(item));
  const first = await h.get(q, 'worker-1');
  h.say('worker-1', `got ${first.item}, processing it`);
  const second = h.get(q, 'worker-2');
  h.say('worker-2', `waits in get(): the queue is empty, ${item} is held by worker-1`);
  h.as('producer', () => q.add(item));
  h.say('producer', `${item} changed again while worker-1 holds it: marked dirty, not queued, so no second worker can take it`);
  await settle();
  h.as('worker-1', () => q.done(item));
  const r = await second;
  h.say('worker-2', `got ${r.item}, shutdown=${r.shutdown}: the change made while it was held is processed now`);
  h.as('worker-2', () => q.done(item));
  h.as('main', () => q.shutDown());
  for (const name of ['worker-1', 'worker-2']) {
    const end = await h.get(q, name);
    h.say(name, `got nothing, shutdown=${end.shutdown}: stopping`);
  }
  return `${item} handed out ${h.counts.gets === 2 ? 'twice' : plural(h.counts.gets, 'time')}, never to two workers at once: the add made while it was held went out only after done()`;
}

/** Workers blocked in get() on an empty queue are all released by shutDown(). */
async function shutdown(h: Harness, item: string, workers: number): Promise<string> {
  const q = newPlainQueue(h);
  const names = Array.from({ length: workers }, (_, i) => `worker-${i + 1}`);
  const released: string[] = [];
  const gets = names.map((name) =>
    h.get(q, name).then((r) => {
      released.push(name);
      h.say(name, `released: got nothing, shutdown=${r.shutdown}: stopping`);
    }),
  );
  h.say('main', `${plural(workers, 'worker')} ${workers === 1 ? 'waits' : 'wait'} in get() on an empty queue`);
  await settle();
  h.as('main', () => q.shutDown());
  await Promise.all(gets);
  h.as('main', () => q.add(item));
  h.say('main', `len() = ${q.len()}: an add after shutDown() is dropped`);
  return `${released.length} of ${plural(workers, 'waiting worker')} released by shutDown(); ${plural(h.counts.ignoredShutdown, 'add')} after it ignored`;
}

/** shutDownWithDrain waits for the items workers hold, not for those still queued. */
async function drain(h: Harness, items: string[]): Promise<string> {
  const q = newPlainQueue(h);
  for (const item of items) h.as('producer', () => q.add(item));
  const names = ['worker-1', 'worker-2'].slice(0, Math.min(2, items.length));
  const held: { name: string; item: string }[] = [];
  for (const name of names) {
    const r = await h.get(q, name);
    h.say(name, `got ${r.item}, processing it`);
    held.push({ name, item: r.item! });
  }
  let drained = false;
  h.say('main', 'calls shutDownWithDrain(): it returns once no item is held by a worker');
  const draining = h
    .as('main', () => q.shutDownWithDrain())
    .then(() => {
      drained = true;
      h.say('main', 'shutDownWithDrain() returned: every held item is done');
    });
  const queuedNow = q.snapshot().queue;
  if (queuedNow.length)
    h.say(
      'main',
      `${queuedNow.join(', ')} ${queuedNow.length === 1 ? 'is' : 'are'} queued but not held: drain does not wait for ${queuedNow.length === 1 ? 'it' : 'them'}`,
    );
  for (const { name, item } of held) {
    await settle();
    if (!drained) h.say('main', `still draining: ${q.snapshot().processing.join(', ')} held`);
    h.as(name, () => q.done(item));
  }
  await draining;
  // Items left in the queue are still handed out after the shutdown; then get() reports it.
  const first = names[0]!;
  let afterwards = 0;
  for (;;) {
    const r = await h.get(q, first);
    if (r.shutdown) {
      h.say(first, 'got nothing, shutdown=true: stopping');
      break;
    }
    afterwards++;
    h.say(first, `got ${r.item}, shutdown=false: queued items are still handed out after a shutdown`);
    h.as(first, () => q.done(r.item));
  }
  for (const name of names.slice(1)) {
    const r = await h.get(q, name);
    h.say(name, `got nothing, shutdown=${r.shutdown}: stopping`);
  }
  return `drain waited for ${plural(held.length, 'held item')} (${held.map((x) => x.item).join(', ')}); ${plural(afterwards, 'queued item')} handed out after it`;
}

/** client-go's workqueue example: a sync that keeps failing, retried with backoff, then dropped. */
async function rateLimit(h: Harness, item: string): Promise<string> {
  // The default controller limiter: max(per-item 5 ms * 2^failures, token bucket 10 qps / burst 100).
  const q = new RateLimitingWorkQueue<string>({ tracer: h.tracer, snapshots: true });
  h.as('producer', () => q.add(item));
  h.say('main', `worker-1 syncs ${item} and every sync fails; handleErr retries with addRateLimited() while numRequeues < ${MAX_RETRIES}, then forgets it`);
  for (let attempt = 1; ; attempt++) {
    const r = await h.get(q, 'worker-1');
    if (r.shutdown) break;
    const requeues = q.numRequeues(item);
    if (requeues < MAX_RETRIES) {
      h.say('worker-1', `sync ${item}: attempt ${attempt} failed; numRequeues=${requeues} < ${MAX_RETRIES}: retry later`);
      h.as('worker-1', () => q.addRateLimited(item));
      h.as('worker-1', () => q.done(item));
      continue;
    }
    h.say('worker-1', `sync ${item}: attempt ${attempt} failed; numRequeues=${requeues}: giving up`);
    h.as('worker-1', () => q.forget(item));
    h.say('worker-1', `forget(${item}): its failures are cleared, numRequeues=${q.numRequeues(item)}`);
    h.as('worker-1', () => q.done(item));
    break;
  }
  h.as('main', () => q.shutDown());
  const end = await h.get(q, 'worker-1');
  h.say('worker-1', `got nothing, shutdown=${end.shutdown}: stopping`);
  return `${item} retried ${plural(h.counts.rateLimited, 'time')}, after ${h.delays.join(', ')} ms, then forgotten after ${MAX_RETRIES + 1} failed attempts`;
}

/** "3s", "250ms", "1.5s": a configured duration, as typed. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms > 1000) return `${(ms / 1000).toFixed(1)}s`;
  return `${ms}ms`;
}
