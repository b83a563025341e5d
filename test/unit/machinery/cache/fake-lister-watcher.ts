/**
 * A scripted, in-memory ListerWatcher for unit tests. By default a list answers with `objects` at
 * `resourceVersion`, and a watch opens a FakeWatch the test drives (emit / end / fail). Scripted answers
 * queued with `scriptList` / `scriptWatch` are used first, in order.
 */
import type { KubeObject, ListerWatcher, ListOptions, ListResult, WatchEvent, WatchOptions, WatchStream } from '../../../../src/machinery/cache/list-watch.ts';

type Waiter<T extends KubeObject> = { resolve: (r: IteratorResult<WatchEvent<T>>) => void; reject: (e: unknown) => void };

/** A watch stream the test controls. */
export class FakeWatch<T extends KubeObject = KubeObject> implements WatchStream<T> {
  readonly options: WatchOptions;
  closed = false;
  private ended = false;
  private failure: Error | undefined;
  private readonly buffered: WatchEvent<T>[] = [];
  private waiter: Waiter<T> | undefined;

  constructor(options: WatchOptions) {
    this.options = options;
  }

  emit(type: WatchEvent<T>['type'], object: T): void {
    const event = { type, object };
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: event, done: false });
    } else {
      this.buffered.push(event);
    }
  }

  /** The server closes the stream (e.g. its timeout). */
  end(): void {
    this.ended = true;
    this.flush();
  }

  /** The connection breaks (iteration throws). */
  fail(err: Error): void {
    this.failure = err;
    this.flush();
  }

  close(): void {
    this.closed = true;
    this.ended = true;
    this.flush();
  }

  private flush(): void {
    if (!this.waiter || this.buffered.length > 0) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (this.failure !== undefined) w.reject(this.failure);
    else w.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    return {
      next: () => {
        const event = this.buffered.shift();
        if (event) return Promise.resolve({ value: event, done: false });
        if (this.failure !== undefined) return Promise.reject(this.failure);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiter = { resolve, reject };
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

type ListAnswer<T extends KubeObject> = ListResult<T> | Error | 'hang' | ((options: ListOptions) => ListResult<T> | Error);
type WatchAnswer = Error | 'hang';

export class ScriptedListerWatcher<T extends KubeObject = KubeObject> implements ListerWatcher<T> {
  /** Like client-go's fake clients, it declares watch-list unsupported unless a test opts in. */
  watchListSupported = false;
  /** What a default list returns. */
  objects: T[] = [];
  resourceVersion = '1';
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  readonly watches: FakeWatch<T>[] = [];
  /** Watch requests left hanging (they settle only by rejecting when their signal aborts). */
  readonly hung: { options: WatchOptions; aborted: boolean }[] = [];
  private readonly listScript: ListAnswer<T>[] = [];
  private readonly watchScript: WatchAnswer[] = [];

  scriptList(...answers: ListAnswer<T>[]): this {
    this.listScript.push(...answers);
    return this;
  }

  scriptWatch(...answers: WatchAnswer[]): this {
    this.watchScript.push(...answers);
    return this;
  }

  isWatchListSemanticsUnsupported(): boolean {
    return !this.watchListSupported;
  }

  /** The most recently opened watch. */
  get current(): FakeWatch<T> {
    const w = this.watches[this.watches.length - 1];
    if (!w) throw new Error('no watch opened yet');
    return w;
  }

  list(options: ListOptions): Promise<ListResult<T>> {
    this.listCalls.push(strip(options));
    let answer = this.listScript.shift();
    if (typeof answer === 'function') answer = answer(options);
    if (answer instanceof Error) return Promise.reject(answer);
    if (answer === 'hang') return new Promise(() => {}); // a transport that ignores its signal
    if (answer) return Promise.resolve(answer);
    return Promise.resolve({ items: [...this.objects], metadata: { resourceVersion: this.resourceVersion } });
  }

  watch(options: WatchOptions): Promise<WatchStream<T>> {
    this.watchCalls.push(strip(options));
    const answer = this.watchScript.shift();
    if (answer instanceof Error) return Promise.reject(answer);
    if (answer === 'hang') {
      const entry = { options: strip(options), aborted: false };
      this.hung.push(entry);
      return new Promise((_resolve, reject) => {
        options.signal?.addEventListener('abort', () => {
          entry.aborted = true;
          reject(new Error('aborted'));
        });
      });
    }
    const w = new FakeWatch<T>(options);
    this.watches.push(w);
    return Promise.resolve(w);
  }
}

function strip<O extends { signal?: AbortSignal | undefined }>(options: O): Omit<O, 'signal'> {
  const { signal: _signal, ...rest } = options;
  return rest;
}
