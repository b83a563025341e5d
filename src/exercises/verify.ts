/**
 * verify: is the learner's exercise file right yet? In order: the file exists; it parses and type-checks
 * (TypeScript's own messages, at the learner's line); then it runs in a child process (the harness) under
 * a time limit, where each expectation of the exercise is checked in turn and the first failure stops the
 * run. Live exercises get a namespace of their own, created before and deleted after the run by this
 * (parent) process, so a learner's crash or endless loop never leaves it behind.
 * Guarantees:
 * - the harness runs in a process group of its own, killed as a group (with what the harness started that
 *   is still its child, found through /proc on Linux) when the run ends, times out or is interrupted, and
 *   when this process exits; the harness kills itself when this process dies (harness.ts);
 * - an interrupted verify (deps.signal) gives no verdict: it rejects with the signal's reason, after cleanup;
 * - every message from the learner's code, and the tail of its output, is redacted before it is returned;
 * - the learner's output is kept bounded (its last OUTPUT_LINES lines, at most OUTPUT_BYTES), never all of it.
 * Not guaranteed: a process the learner's code started in a session of its own whose parent is gone when the
 * run ends (nothing links it to the run any more).
 * Gathering only: the outcome says what happened; the CLI renders it.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KubeClient } from '../core/client.ts';
import { redact } from '../core/redact.ts';
import type { Exercise, ExerciseCatalog } from './catalog.ts';
import { childEnv } from './child-env.ts';
import type { ErrorInfo, HarnessMessage, HarnessRequest } from './protocol.ts';
import { GLOBALS_FILE, type TypecheckResult } from './typecheck.ts';
import { exerciseFile, type Workspace } from './workspace.ts';

/** Always the compiled harness: see DEFAULT_CHECKS_DIR for why dist/ even from src/. */
const HARNESS = fileURLToPath(new URL('../../dist/exercises/harness.js', import.meta.url));

export interface Location {
  /** Workspace-relative, as the learner sees it: exercises/01-kubeconfig.ts. */
  file: string;
  line: number;
  column?: number;
}

export interface Problem {
  message: string;
  location?: Location;
  hint: string;
}

export interface ExpectationResult {
  id: string;
  text: string;
  status: 'pass' | 'fail' | 'not-run';
  problem?: Problem;
}

export type VerifyStatus = 'passed' | 'failed' | 'missing' | 'syntax-error' | 'type-error' | 'threw' | 'timeout';

export interface VerifyOutcome {
  exercise: Exercise;
  status: VerifyStatus;
  /** One per expectation, in order (empty when the file never ran). */
  results: ExpectationResult[];
  /** For a file that never ran, or a failure outside any expectation. */
  problem?: Problem;
  /** The last lines the learner's code printed (stdout and stderr), redacted; absent when it printed nothing. */
  output?: string[];
  ms: { typecheck: number; run: number; total: number };
}

/** The cluster a live exercise runs against. */
export interface KubeAccess {
  client: KubeClient;
  /** The kubeconfig file list (KUBECONFIG syntax) the child loads; undefined for in-cluster. */
  kubeconfig: string | undefined;
  context: string;
}

/** A type-checker (typecheck.ts); `signal`, where it takes one, stops it starting anything in the background. */
export interface VerifyChecker {
  check(file: string, globalsFile: string, signal?: AbortSignal): Promise<TypecheckResult>;
}

export interface VerifyDeps {
  checker: VerifyChecker;
  /** Needed by live exercises only; resolved on first use. */
  kube?: () => Promise<KubeAccess>;
  signal?: AbortSignal;
  /** Overrides the exercise's time limit (tests). */
  timeoutMs?: number;
}

export async function verifyExercise(catalog: ExerciseCatalog, ws: Workspace, exercise: Exercise, deps: VerifyDeps): Promise<VerifyOutcome> {
  const started = performance.now();
  const file = exerciseFile(ws, exercise);
  const shown = relative(ws.dir, file);
  const outcome = (status: VerifyStatus, rest: Partial<VerifyOutcome>, typecheck = 0, run = 0): VerifyOutcome => ({
    exercise,
    status,
    results: [],
    ...rest,
    ms: { typecheck, run, total: performance.now() - started },
  });
  if (!existsSync(file)) {
    return outcome('missing', {
      problem: {
        message: `${shown} is missing`,
        hint: `\`npx kube-lessons exercise init ${relative(process.cwd(), ws.dir) || '.'}\` adds it back; your other files stay`,
      },
    });
  }
  const source = readFileSync(file, 'utf8');
  const tmp = mkdtempSync(join(tmpdir(), `kube-lessons-${exercise.id}-`));
  let namespace: string | undefined;
  let kube: KubeAccess | undefined;
  // The type-check and the run start together (two cores, and the compiler takes as long to load as the
  // run takes); the run is stopped and ignored when the file does not compile.
  const stopRun = new AbortController();
  const onAbort = () => stopRun.abort();
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = deps.timeoutMs ?? exercise.timeoutSeconds * 1000;
  let runStarted = performance.now();
  const run = (async () => {
    const req: HarnessRequest = {
      learnerFile: file,
      checkFile: checkFile(catalog, exercise),
      expectations: exercise.expectations.map((e) => e.id),
      tmpDir: tmp,
    };
    if (exercise.kind === 'live') {
      if (!deps.kube) throw new Error(`exercise ${exercise.id} needs a cluster`);
      kube = await deps.kube();
      namespace = await createNamespace(kube.client, exercise);
      req.kube = { kubeconfig: kube.kubeconfig, context: kube.context, namespace };
    }
    runStarted = performance.now();
    return runHarness(req, timeoutMs, stopRun.signal);
  })();
  // Its failure (an unreachable cluster) ends verify at once: the type-check is not waited for, and is told
  // to start nothing in the background (the warm checker) for a verify that is over.
  const stopCheck = new AbortController();
  const runFailed = run.then(
    () => new Promise<never>(() => undefined),
    (err: unknown) => {
      stopCheck.abort();
      throw err;
    },
  );
  runFailed.catch(() => undefined);
  try {
    const tc = await Promise.race([deps.checker.check(file, join(ws.dir, GLOBALS_FILE), stopCheck.signal), runFailed]);
    if (deps.signal?.aborted) throw deps.signal.reason;
    const first = tc.diagnostics[0];
    if (first) {
      stopRun.abort();
      await run.catch(() => undefined);
      const more = tc.diagnostics.length > 1 ? ` (and ${tc.diagnostics.length - 1} more)` : '';
      const syntax = first.kind === 'syntax';
      return outcome(
        syntax ? 'syntax-error' : 'type-error',
        {
          problem: {
            message: `${syntax ? 'syntax error' : 'type error'}: ${first.message}${more}`,
            location: { file: shown, line: first.line, column: first.column },
            hint: syntax ? 'fix the line named; your editor shows the same error' : 'make the types agree; `npx tsc` in the workspace lists every error',
          },
        },
        tc.ms,
      );
    }
    const messages = await run;
    // Interrupted (Ctrl-C, SIGTERM): no verdict on the learner's code, which was stopped, not judged.
    if (deps.signal?.aborted) throw deps.signal.reason;
    const rest = interpret(exercise, messages, { file, shown, source, timeoutMs });
    const output = messages.output.lines();
    return outcome(rest.status, output.length ? { ...rest, output } : rest, tc.ms, performance.now() - runStarted);
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    stopRun.abort();
    const received = await run.catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    if (kube && namespace) {
      await deleteStrays(kube.client, namespace, received?.created ?? []);
      await deleteNamespace(kube.client, namespace);
    }
  }
}

function checkFile(catalog: ExerciseCatalog, e: Exercise): string {
  const js = join(catalog.checksDir, `${e.id}.js`);
  return existsSync(js) ? js : join(catalog.checksDir, `${e.id}.ts`);
}

/** How much of the learner's output is kept: its last lines, within a byte budget, whatever it prints. */
const OUTPUT_LINES = 20;
const OUTPUT_BYTES = 4096;
const OUTPUT_LINE_CHARS = 300;

/** The end of a stream of text, in bounded memory: the last `max` characters. */
export class Tail {
  private text = '';
  private cut = false;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  push(s: string): void {
    this.text += s;
    // Trimmed in batches, not on every write: a learner printing in a loop costs one copy per `max` characters.
    if (this.text.length > 2 * this.max) this.trim();
  }
  private trim(): void {
    if (this.text.length <= this.max) return;
    this.text = this.text.slice(-this.max);
    this.cut = true;
  }
  /** The complete lines kept (a line cut at the front is dropped: it could hold half a secret), redacted. */
  lines(max = OUTPUT_LINES): string[] {
    this.trim();
    let text = this.text;
    if (this.cut) text = text.slice(text.indexOf('\n') + 1);
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    while (lines.length && lines.at(-1) === '') lines.pop();
    return lines.slice(-max).map((l) => {
      const shown = redact(l);
      return shown.length > OUTPUT_LINE_CHARS ? `${shown.slice(0, OUTPUT_LINE_CHARS - 3)}...` : shown;
    });
  }
}

type Received = {
  messages: HarnessMessage[];
  end: 'done' | 'timeout' | 'startup-timeout' | 'exit' | 'stopped';
  exitCode: number | null;
  stderr: Tail;
  /** stdout and stderr together, as they came. */
  output: Tail;
  /** Pods the learner's code created outside the run's namespace, as the harness reported them. */
  created: { path: string; uid: string }[];
};

/** How long the harness may take to load our side before the learner's time limit starts (a very busy machine). */
const STARTUP_LIMIT_MS = 60_000;

/** The messages that end a run (harness.ts sends one of them, and nothing after it). */
const VERDICTS = new Set<HarnessMessage['type']>(['fail', 'threw', 'import-failed', 'stalled', 'error']);

/** The longest wait for the learner's output after the harness ended (a process we could not kill holds the pipe). */
const DRAIN_MS = 1000;

/** Its own process group (so it can be killed with all it started), except where there are none. */
const OWN_GROUP = process.platform !== 'win32';

/**
 * Runs the harness; resolves when it ends or is killed. The learner's time limit starts when the harness
 * says it is ready, so a slow start of Node on a busy machine is not charged to the learner's code.
 * Whatever way it ends, the harness's process group is killed, with the harness's other descendants found.
 */
function runHarness(req: HarnessRequest, timeoutMs: number, signal?: AbortSignal): Promise<Received> {
  // Stopped before it started (a save in watch mode while the namespace was being made): nothing to run.
  if (signal?.aborted)
    return Promise.resolve({ messages: [], end: 'stopped', exitCode: null, stderr: new Tail(1024), output: new Tail(OUTPUT_BYTES), created: [] });
  return new Promise((resolve) => {
    const child = fork(HARNESS, [], {
      // fd 4 (harness.ts's WATCH_FD): a socket whose end here closes when this process goes, however it goes.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', ...(OWN_GROUP ? (['pipe'] as const) : [])],
      execArgv: ['--no-warnings', '--enable-source-maps'],
      env: childEnv(),
      detached: OWN_GROUP,
    });
    const got: Received = { messages: [], end: 'exit', exitCode: null, stderr: new Tail(1024), output: new Tail(OUTPUT_BYTES), created: [] };
    // This process leaving (a second Ctrl-C exits at once) takes the learner's processes with it.
    const onExit = () => killGroup(child.pid);
    process.on('exit', onExit);
    let finished = false;
    let closed = false;
    child.on('close', () => (closed = true));
    const finish = (end: Received['end']) => {
      if (finished) return;
      finished = true;
      got.end = end;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      process.off('exit', onExit);
      // Its descendants first, while the harness (their parent) still links them to this run.
      for (const pid of descendants(child.pid)) kill(pid);
      killGroup(child.pid);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // Nobody else holds its other end, so it would not close by itself while the run's processes linger.
      child.stdio[4]?.destroy();
      // What it printed is still in the pipes: read to the end, unless something we could not kill holds them.
      if (closed) return resolve(got);
      const drained = setTimeout(() => resolve(got), DRAIN_MS);
      child.once('close', () => {
        clearTimeout(drained);
        resolve(got);
      });
    };
    let timer = setTimeout(() => finish('startup-timeout'), STARTUP_LIMIT_MS);
    const onAbort = () => finish('stopped');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => got.output.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      got.output.push(d);
      got.stderr.push(d);
    });
    child.on('message', (m: HarnessMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        timer = setTimeout(() => finish('timeout'), timeoutMs);
        return;
      }
      if (m.type === 'created') {
        got.created.push({ path: m.path, uid: m.uid });
        return;
      }
      got.messages.push(m);
      // A verdict (the harness sends one, last): killed now, while the learner's processes are still its children.
      if (m.type === 'done') finish('done');
      else if (VERDICTS.has(m.type)) finish('exit');
    });
    child.on('exit', (code) => {
      got.exitCode = code;
      // Let the last IPC messages and output land before deciding.
      setImmediate(() => finish(got.messages.some((m) => m.type === 'done') ? 'done' : 'exit'));
    });
    child.send(req);
  });
}

function kill(pid: number, sig: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

function killGroup(pid: number | undefined): void {
  if (pid !== undefined && OWN_GROUP) kill(-pid);
}

/**
 * The processes below `root` (Linux: from /proc), so that one the learner started in a group of its own
 * dies with the run too. Empty elsewhere, or once `root` is gone (its children then belong to init).
 */
function descendants(root: number | undefined): number[] {
  if (root === undefined || process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(e));
    children.set(ppid, list);
  }
  const found: number[] = [];
  for (let queue = [root]; queue.length;) {
    const next = children.get(queue.pop()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

interface Where {
  file: string;
  shown: string;
  source: string;
  timeoutMs: number;
}

function interpret(exercise: Exercise, got: Received, where: Where): Pick<VerifyOutcome, 'status' | 'results' | 'problem'> {
  const results: ExpectationResult[] = exercise.expectations.map((x) => ({ id: x.id, text: x.text, status: 'not-run' }));
  const byId = (id: string | undefined) => results.find((r) => r.id === id);
  let status: VerifyStatus = 'failed';
  let problem: Problem | undefined;
  let current: ExpectationResult | undefined;
  /** The export the check last called: where a hang or an exit is pointed at. */
  let calling: string | undefined;
  const at = (exportName: string | undefined): Location => ({ file: where.shown, line: exportLine(where.source, exportName ?? exercise.exports[0]!) });
  // The first failure is the run's verdict; the harness sends nothing after it, and anything that came is ignored.
  const failWith = (p: Problem, r: ExpectationResult | undefined) => {
    if (r) {
      r.status = 'fail';
      r.problem = p;
    } else problem = p;
  };
  let failed = false;
  for (const m of got.messages) {
    if (failed) break;
    if (m.type === 'start') {
      current = byId(m.id);
      calling = undefined;
    } else if (m.type === 'calling') calling = m.exportName;
    else if (m.type === 'pass') byId(m.id)!.status = 'pass';
    else if (m.type === 'fail') {
      failed = true;
      failWith(
        {
          message: `expected ${redact(m.expected)}, got ${redact(m.got)}`,
          location: at(m.exportName ?? calling),
          hint: `\`npx kube-lessons hint ${exercise.id}\``,
        },
        byId(m.id),
      );
    } else if (m.type === 'threw' || m.type === 'import-failed') {
      failed = true;
      status = 'threw';
      const loading = m.type === 'import-failed';
      failWith(
        {
          message: `${loading ? 'your file threw while loading' : 'your code threw'} ${describeThrown(m.error)}`,
          location: learnerFrame(m.error, where) ?? at(loading ? undefined : calling),
          hint: loading
            ? 'top-level code runs on import: keep the work inside the exported functions'
            : 'the line named is where it was thrown; catch what you expect, or fix the cause',
        },
        loading ? undefined : (byId(m.id) ?? current),
      );
    } else if (m.type === 'stalled') {
      failed = true;
      status = 'threw';
      if (m.id === undefined)
        failWith(
          {
            message: "your file's top-level await never finished (nothing left to wait for)",
            hint: 'an await at the top of your file waits for a promise nothing resolves: move the work inside the exported functions',
          },
          undefined,
        );
      else {
        const name = m.exportName ?? calling;
        failWith(
          {
            message: `${name ? `${name}'s` : 'your'} promise never settled (nothing left to wait for): some path never calls resolve`,
            location: at(name),
            hint: 'every path through a new Promise must call resolve or reject (or return a value from an async function)',
          },
          byId(m.id) ?? current,
        );
      }
    } else if (m.type === 'error') {
      failed = true;
      status = 'failed';
      failWith(
        { message: `the check could not run: ${redact(m.error.message)}`, hint: 'is the cluster reachable? `npx kube-lessons doctor`' },
        byId(m.id) ?? current,
      );
    } else if (m.type === 'done') {
      if (results.every((r) => r.status === 'pass')) status = 'passed';
    }
  }
  const importing = !got.messages.some((m) => m.type === 'start');
  if (failed) {
    // The verdict above stands, however the process ended.
  } else if (got.end === 'timeout') {
    status = 'timeout';
    const within = `did not finish within ${formatSeconds(where.timeoutMs)}: stopped it`;
    if (importing)
      failWith(
        {
          message: `your file's top-level code ${within} (an endless loop, or waiting for something that never comes?)`,
          hint: 'top-level code runs on import: keep the work inside the exported functions, and make each loop end',
        },
        undefined,
      );
    else
      failWith(
        {
          message: `${within} (an endless loop, or waiting for something that never comes?)`,
          location: at(calling),
          hint: 'look at the loops and awaits in this function; each must end',
        },
        current && current.status === 'not-run' ? current : undefined,
      );
  } else if (got.end === 'startup-timeout') {
    status = 'failed';
    problem = { message: `the check did not start within ${formatSeconds(STARTUP_LIMIT_MS)}`, hint: 'the machine is very busy: try again' };
  } else if (got.end === 'exit' && !got.messages.some((m) => m.type === 'done')) {
    status = 'threw';
    const stderr = got.stderr.lines(1)[0];
    const ended = `ended the process (exit code ${got.exitCode ?? 'none'})${stderr ? `: ${stderr.slice(0, 200)}` : ''}`;
    failWith(
      importing
        ? { message: `your file's top-level code ${ended}`, hint: 'do not call process.exit in an exercise: return, and let verify judge' }
        : { message: `your code ${ended}`, location: at(calling), hint: 'do not call process.exit in an exercise: return, and let verify judge' },
      !importing && current && current.status === 'not-run' ? current : undefined,
    );
  }
  if (status !== 'passed' && status !== 'timeout' && status !== 'threw' && results.every((r) => r.status !== 'fail') && !problem) {
    problem = { message: 'the check ended early', hint: 'run again with --debug' };
  }
  return problem ? { status, results, problem } : { status, results };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** One line: redacted whole, then cut (a cut first could leave a secret its pattern no longer finds). */
function describeThrown(e: ErrorInfo): string {
  const message = redact(e.message).split('\n')[0]!.slice(0, 200);
  return e.name && e.name !== 'Error' ? `${e.name}: ${message}` : message ? `"${message}"` : e.name;
}

/** The first stack frame in the learner's file: the line they wrote that threw (or called what threw). */
function learnerFrame(e: ErrorInfo, where: Where): Location | undefined {
  const url = pathToFileURL(where.file).href;
  for (const line of e.stack.split('\n')) {
    for (const prefix of [url, where.file]) {
      const i = line.indexOf(prefix + ':');
      if (i < 0) continue;
      const m = /^:(\d+):(\d+)/.exec(line.slice(i + prefix.length));
      if (m) return { file: where.shown, line: Number(m[1]), column: Number(m[2]) };
    }
  }
  // A syntax error Node found at import time names the file on the stack's first line.
  return undefined;
}

/** The line declaring the export `name` (function, const or class), else 1. */
export function exportLine(source: string, name: string): number {
  const re = new RegExp(`^\\s*export\\s+(?:default\\s+)?(?:async\\s+)?(?:function\\*?|const|let|var|class)\\s+${name}\\b`);
  const lines = source.split('\n');
  const i = lines.findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : 1;
}

async function createNamespace(client: KubeClient, exercise: Exercise): Promise<string> {
  const name = `kl-ex-${exercise.id}`.slice(0, 50) + '-' + Math.random().toString(36).slice(2, 7);
  await client.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kube-lessons/exercise': exercise.id } } },
  });
  return name;
}

/** A pod path outside `namespace`: the only thing a run's report of what it created may make us delete. */
const strayPod = (path: string, namespace: string) => {
  const m = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/pods\/([a-z0-9.-]+)$/.exec(path);
  return m !== null && m[1] !== namespace;
};

/**
 * Deletes the pods the learner's code created outside the run's namespace, each only if it is still the one
 * created (uid precondition): the check deletes them itself when it gets to, not when the run was killed.
 */
async function deleteStrays(client: KubeClient, namespace: string, created: { path: string; uid: string }[]): Promise<void> {
  for (const { path, uid } of created) {
    if (!strayPod(path, namespace)) continue;
    try {
      await client.request({ method: 'DELETE', path, body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } } });
    } catch {
      // Deleted already (by the check), or another pod of that name now: not ours.
    }
  }
}

/** Asks for deletion and returns: the namespace's pods go with it, in the background. */
async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}`, query: { propagationPolicy: 'Background' } });
  } catch {
    // Already gone, or the cluster went away: nothing more we can do here.
  }
}
