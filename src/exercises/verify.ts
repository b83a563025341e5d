/**
 * verify: is the learner's exercise file right yet? In order: the file exists; it parses and type-checks
 * (TypeScript's own messages, at the learner's line); then it runs in a child process (the harness) under
 * a time limit, where each expectation of the exercise is checked in turn and the first failure stops the
 * run. Live exercises get a namespace of their own, created before and deleted after the run by this
 * (parent) process, so a learner's crash or endless loop never leaves it behind.
 * Gathering only: the outcome says what happened; the CLI renders it.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KubeClient } from '../core/client.ts';
import type { Exercise, ExerciseCatalog } from './catalog.ts';
import { childEnv } from './child-env.ts';
import type { ErrorInfo, HarnessMessage, HarnessRequest } from './protocol.ts';
import { GLOBALS_FILE, type TypeChecker } from './typecheck.ts';
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
  ms: { typecheck: number; run: number; total: number };
}

/** The cluster a live exercise runs against. */
export interface KubeAccess {
  client: KubeClient;
  /** The kubeconfig file list (KUBECONFIG syntax) the child loads; undefined for in-cluster. */
  kubeconfig: string | undefined;
  context: string;
}

export interface VerifyDeps {
  checker: TypeChecker;
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
        hint: `\`kube-lessons exercise init ${relative(process.cwd(), ws.dir) || '.'}\` adds it back; your other files stay`,
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
  // Its failure (an unreachable cluster) is awaited below; this only keeps it from counting as unhandled meanwhile.
  run.catch(() => undefined);
  try {
    const tc = await deps.checker.check(file, join(ws.dir, GLOBALS_FILE));
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
    const rest = interpret(exercise, messages, { file, shown, source, timeoutMs });
    return outcome(rest.status, rest, tc.ms, performance.now() - runStarted);
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    stopRun.abort();
    await run.catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    if (kube && namespace) await deleteNamespace(kube.client, namespace);
  }
}

function checkFile(catalog: ExerciseCatalog, e: Exercise): string {
  const js = join(catalog.checksDir, `${e.id}.js`);
  return existsSync(js) ? js : join(catalog.checksDir, `${e.id}.ts`);
}

type Received = { messages: HarnessMessage[]; end: 'done' | 'timeout' | 'startup-timeout' | 'exit'; exitCode: number | null; stderr: string };

/** How long the harness may take to load our side before the learner's time limit starts (a very busy machine). */
const STARTUP_LIMIT_MS = 60_000;

/**
 * Runs the harness; resolves when it ends or is killed. The learner's time limit starts when the harness
 * says it is ready, so a slow start of Node on a busy machine is not charged to the learner's code.
 */
function runHarness(req: HarnessRequest, timeoutMs: number, signal?: AbortSignal): Promise<Received> {
  return new Promise((resolve) => {
    const child = fork(HARNESS, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--no-warnings', '--enable-source-maps'], env: childEnv() });
    const got: Received = { messages: [], end: 'exit', exitCode: null, stderr: '' };
    let finished = false;
    const finish = (end: Received['end']) => {
      if (finished) return;
      finished = true;
      got.end = end;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null) child.kill('SIGKILL');
      resolve(got);
    };
    let timer = setTimeout(() => finish('startup-timeout'), STARTUP_LIMIT_MS);
    const onAbort = () => finish('exit');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr!.on('data', (d: Buffer) => {
      if (got.stderr.length < 8000) got.stderr += d.toString();
    });
    child.on('message', (m: HarnessMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        timer = setTimeout(() => finish('timeout'), timeoutMs);
        return;
      }
      got.messages.push(m);
      if (m.type === 'done') finish('done');
    });
    child.on('exit', (code) => {
      got.exitCode = code;
      // Let the last IPC messages land before deciding.
      setImmediate(() => finish(got.messages.some((m) => m.type === 'done') ? 'done' : 'exit'));
    });
    child.send(req);
  });
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
  for (const m of got.messages) {
    if (m.type === 'start') current = byId(m.id);
    else if (m.type === 'pass') byId(m.id)!.status = 'pass';
    else if (m.type === 'fail') {
      const r = byId(m.id)!;
      r.status = 'fail';
      r.problem = {
        message: `expected ${m.expected}, got ${m.got}`,
        location: { file: where.shown, line: exportLine(where.source, m.exportName ?? exercise.exports[0]!) },
        hint: `\`kube-lessons hint ${exercise.id}\``,
      };
    } else if (m.type === 'threw' || m.type === 'import-failed') {
      status = 'threw';
      const p: Problem = {
        message: `${m.type === 'import-failed' ? 'your file threw while loading' : 'your code threw'} ${describeThrown(m.error)}`,
        location: learnerFrame(m.error, where) ?? { file: where.shown, line: exportLine(where.source, exercise.exports[0]!) },
        hint:
          m.type === 'import-failed'
            ? 'top-level code runs on import: keep the work inside the exported functions'
            : 'the line named is where it was thrown; catch what you expect, or fix the cause',
      };
      const r = m.type === 'threw' ? (byId(m.id) ?? current) : undefined;
      if (r) {
        r.status = 'fail';
        r.problem = p;
      } else problem = p;
    } else if (m.type === 'error') {
      status = 'failed';
      const r = byId(m.id) ?? current;
      const p: Problem = { message: `the check could not run: ${m.error.message}`, hint: 'is the cluster reachable? `kube-lessons doctor`' };
      if (r) {
        r.status = 'fail';
        r.problem = p;
      } else problem = p;
    } else if (m.type === 'done') {
      if (results.every((r) => r.status === 'pass')) status = 'passed';
    }
  }
  if (got.end === 'timeout') {
    status = 'timeout';
    const p: Problem = {
      message: `did not finish within ${formatSeconds(where.timeoutMs)}: stopped it (an endless loop, or waiting for something that never comes?)`,
      location: { file: where.shown, line: exportLine(where.source, exercise.exports[0]!) },
      hint: 'look at the loops and awaits in this function; each must end',
    };
    if (current && current.status === 'not-run') {
      current.status = 'fail';
      current.problem = p;
    } else problem = p;
  } else if (got.end === 'startup-timeout') {
    status = 'failed';
    problem = { message: `the check did not start within ${formatSeconds(STARTUP_LIMIT_MS)}`, hint: 'the machine is very busy: try again' };
  } else if (
    got.end === 'exit' &&
    !got.messages.some((m) => m.type === 'done' || m.type === 'threw' || m.type === 'import-failed' || m.type === 'fail' || m.type === 'error')
  ) {
    status = 'threw';
    const p: Problem = {
      message: `your code ended the process (exit code ${got.exitCode ?? 'none'})${got.stderr ? `: ${lastLine(got.stderr)}` : ''}`,
      location: { file: where.shown, line: exportLine(where.source, exercise.exports[0]!) },
      hint: 'do not call process.exit in an exercise: return, and let verify judge',
    };
    if (current && current.status === 'not-run') {
      current.status = 'fail';
      current.problem = p;
    } else problem = p;
  }
  if (status !== 'passed' && status !== 'timeout' && status !== 'threw' && results.every((r) => r.status !== 'fail') && !problem) {
    problem = { message: 'the check ended early', hint: 'run again with --debug' };
  }
  return problem ? { status, results, problem } : { status, results };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop()!.slice(0, 200);
}

function describeThrown(e: ErrorInfo): string {
  const message = e.message.split('\n')[0]!.slice(0, 200);
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

/** Asks for deletion and returns: the namespace's pods go with it, in the background. */
async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}`, query: { propagationPolicy: 'Background' } });
  } catch {
    // Already gone, or the cluster went away: nothing more we can do here.
  }
}
