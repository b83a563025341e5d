/**
 * The child process verify runs the learner's code in (dist/exercises/harness.js). It imports the
 * learner's file, runs the check's expectations in order and reports each over IPC; the parent owns the
 * time limit (it kills this process's group) and any cluster cleanup, so a learner's endless loop or crash
 * here can neither hang verify nor leave a namespace behind. Guarantees:
 * - the first failure is the only one reported, and nothing (no pass, no done) is sent after it: an error
 *   thrown in a learner's timer or an unhandled rejection during the run fails it;
 * - a run whose promise can never settle (nothing left to wait for) is reported as such, not as an exit;
 * - the built-ins the judge compares with (JSON, Object, Array, Map, Set, Promise, ... and their methods) are
 *   locked before the learner's file loads: a learner's assignment to them throws instead of fooling the check;
 * - this process dies with its parent, even inside a learner's endless loop (a watchdog process, blocked on
 *   a socket only the parent holds the other end of, kills this process group when it reads end-of-file);
 * - every message leaving here passes through redaction (the secrets this process's kubeconfigs registered).
 * Not guaranteed: a process the learner's code starts in a session of its own (setsid, or spawn's detached)
 * while this process is gone; verify kills what it finds of those while this process lives (verify.ts).
 */
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import module from 'node:module';
import { redact } from '../core/redact.ts';
import type { CheckEnv, CheckModule } from './check-api.ts';
import type { ErrorInfo, HarnessMessage, HarnessRequest } from './protocol.ts';

// Taken before any learner code runs: the learner's module could replace process.send.
const channelSend = process.send!.bind(process);
const exit = process.exit.bind(process);
const send = (m: HarnessMessage) => new Promise<void>((resolve) => channelSend(m, undefined, undefined, () => resolve()));

/** The expectation running (undefined while loading), and whether a failure was sent (then nothing more is). */
let current: string | undefined;
let importing = false;
let finished = false;
let lastExport: string | undefined;

/** Where the run stops once a failure was sent: the process exits when the channel took it. */
const halted = () => new Promise<never>(() => undefined);

/** Taken before any learner code runs: a learner silencing its output (`process.stdout.write = () => true`) must not stall our verdict. */
const writes = [process.stdout, process.stderr].map((s) => s.write.bind(s) as (chunk: string, done: () => void) => boolean);

/**
 * Resolves once what the learner's code printed so far has reached the pipes (Node writes to a pipe
 * asynchronously): sent before our verdict, so the parent can show it, and before exiting, which would drop it.
 */
const flushOutput = () => Promise.all(writes.map((write) => new Promise<void>((resolve) => void write('', () => resolve()))));

/**
 * After the verdict this process waits to be killed by the parent, which finds the processes the learner's
 * code started while they are still this one's children; exiting first would hand them to init. The timer
 * is a backstop only (a parent gone is seen by the watchdog).
 */
const awaitKill = (code: number) => setTimeout(() => exit(code), 10_000);

/** Reports the run's one failure; later failures (and passes) are dropped. */
function fail(m: HarnessMessage): Promise<never> {
  if (!finished) {
    finished = true;
    void flushOutput()
      .then(() => send(m))
      .then(() => awaitKill(1));
  }
  return halted();
}

function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { name: redact(String(err.name)), message: redact(String(err.message)), stack: redact(String(err.stack ?? '')) };
  return { name: 'thrown value', message: redact(String(err)), stack: '' };
}

/** Lets the learner's 0 ms timers and pending rejections of this expectation fire before it counts as passed. */
const settle = () => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), 0));

async function run(req: HarnessRequest): Promise<void> {
  const [{ FakeClock }, check] = await Promise.all([import('../machinery/clock.ts'), import(pathToFileURL(req.checkFile).href) as Promise<CheckModule>]);
  // The client loads @kubernetes/client-node, which is slow to import: before the learner's clock starts.
  let kube: CheckEnv['kube'];
  if (req.kube) {
    const [{ loadKubeconfig }, { KubeClient }] = await Promise.all([import('../core/kubeconfig.ts'), import('../core/client.ts')]);
    const env = req.kube.kubeconfig === undefined ? process.env : { ...process.env, KUBECONFIG: req.kube.kubeconfig };
    const config = await loadKubeconfig({ context: req.kube.context, env });
    kube = {
      client: new KubeClient(config, { timeoutMs: 10_000 }),
      namespace: req.kube.namespace,
      // Sent at once: the parent cleans up after a run it killed, which could not clean up itself.
      created: (path, uid) => void send({ type: 'created', path, uid }),
    };
  }
  lockBuiltins();
  await send({ type: 'ready' });
  let learner: Record<string, unknown>;
  importing = true;
  try {
    learner = watchExports((await import(pathToFileURL(req.learnerFile).href)) as Record<string, unknown>);
  } catch (err) {
    return fail({ type: 'import-failed', error: errorInfo(err) });
  } finally {
    // This process is killed, never exits by itself, so Node never writes its compile cache (verify passes
    // NODE_COMPILE_CACHE): written now, or every run would strip the learner's TypeScript again (~100 ms).
    module.flushCompileCache?.();
  }
  importing = false;
  await settle();
  const checkEnv: CheckEnv = { learner, tmpDir: req.tmpDir, clock: () => new FakeClock(), ...(kube ? { kube } : {}) };
  for (const id of req.expectations) {
    if (finished) return halted();
    current = id;
    lastExport = undefined;
    await send({ type: 'start', id });
    const fn = check.expectations[id];
    if (!fn) return fail({ type: 'error', id, error: { name: 'Error', message: `the check has no expectation "${id}"`, stack: '' } });
    try {
      await fn(checkEnv);
    } catch (err) {
      if (err instanceof Error && err.name === 'Mismatch') {
        const m = err as Error & { expected: string; got: string; exportName?: string };
        const exportName = m.exportName ?? lastExport;
        return fail({ type: 'fail', id, expected: redact(String(m.expected)), got: redact(String(m.got)), ...(exportName ? { exportName } : {}) });
      }
      return fail({ type: 'threw', id, error: errorInfo(err) });
    }
    await settle();
    if (finished) return halted();
    await send({ type: 'pass', id });
  }
  current = undefined;
  if (finished) return halted();
  finished = true;
  await flushOutput();
  await send({ type: 'done' });
}

/** The learner's exports, each function wrapped to tell the parent which one the check is calling. */
function watchExports(ns: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(ns)) {
    if (typeof value !== 'function') {
      out[name] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    out[name] = new Proxy(fn, {
      apply: (target, self, args) => (calling(name), Reflect.apply(target, self, args)),
      construct: (target, args, newTarget) => (calling(name), Reflect.construct(target, args, newTarget) as object),
    });
  }
  return out;
}

function calling(name: string): void {
  if (name === lastExport) return;
  lastExport = name;
  // Not awaited: the pipe takes it at once, before an endless loop in the call can start.
  void send({ type: 'calling', exportName: name });
}

/**
 * Makes the built-ins the judge relies on read-only (the global names too), so that the learner's code can
 * neither replace them nor change their methods. Object.prototype, Function.prototype's own properties and
 * Error.prototype are left alone: assigning toString or name to a prototype inheriting from them is common
 * and would throw once they are locked.
 */
function lockBuiltins(): void {
  const lockAll = (o: object) => {
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key)!;
      if (!d.configurable) continue;
      Object.defineProperty(o, key, 'value' in d ? { writable: false, configurable: false } : { configurable: false });
    }
  };
  for (const name of ['JSON', 'Object', 'Array', 'Map', 'Set', 'Promise', 'Reflect', 'Math', 'Number', 'String', 'Boolean', 'Symbol', 'Error', 'Proxy']) {
    Object.defineProperty(globalThis, name, { writable: false, configurable: false });
  }
  for (const o of [
    JSON,
    Object,
    Array,
    Map,
    Set,
    Promise,
    Reflect,
    Math,
    Number,
    String,
    Array.prototype,
    String.prototype,
    Map.prototype,
    Set.prototype,
    Promise.prototype,
  ])
    lockAll(o);
  for (const key of ['call', 'apply', 'bind'] as const) Object.defineProperty(Function.prototype, key, { writable: false, configurable: false });
}

/** The harness's end of the socket verify holds the other end of (verify.ts): end-of-file once verify is gone. */
const WATCH_FD = 4;

/**
 * Kills this process group when the parent goes (however: even SIGKILL). A shell blocked reading WATCH_FD
 * (whose other end only the parent holds) reads end-of-file then, and kills the group: no thread of ours,
 * so a learner's endless loop on the main thread cannot stop it, and nothing to load (a Worker thread cost
 * ~50-80 ms of CPU per run). It is in this group, so the parent's kill at the end of the run takes it too.
 */
function watchParent(): void {
  try {
    if (!fstatSync(WATCH_FD).isSocket()) return;
  } catch {
    return; // Not started by verify (a test forking the harness by hand): nobody to watch.
  }
  const watchdog = spawn('/bin/sh', ['-c', 'while read -r _; do :; done; kill -9 "-$1"', 'kube-lessons-watchdog', String(process.pid)], {
    stdio: [WATCH_FD, 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
}

// Anything that escapes (a throw in the learner's timer, an unhandled rejection) fails the run.
process.on(
  'uncaughtException',
  (err) => void fail(importing ? { type: 'import-failed', error: errorInfo(err) } : { type: 'threw', id: current, error: errorInfo(err) }),
);
process.on(
  'unhandledRejection',
  (err) => void fail(importing ? { type: 'import-failed', error: errorInfo(err) } : { type: 'threw', id: current, error: errorInfo(err) }),
);
// Nothing left to run while still waiting: a promise that can never settle (the top-level await, or the export's).
process.on('beforeExit', () => {
  if (finished || (!importing && current === undefined)) return;
  void fail({ type: 'stalled', id: importing ? undefined : current, ...(!importing && lastExport ? { exportName: lastExport } : {}) });
});
if (process.platform !== 'win32') watchParent();
process.once('message', (req: HarnessRequest) => {
  run(req).then(
    () => awaitKill(0),
    (err: unknown) => void fail({ type: 'error', id: current, error: errorInfo(err) }),
  );
});
