/**
 * The launcher step of the commands that hold a cache until stopped (informer, controller run): the process
 * replaces itself once, at start, with the same Node under V8 flags that suit it, since V8 reads them only at
 * start-up (v8.setFlagsFromString later leaves the heap as it is).
 *
 * Why: V8 grows its young generation's semi-spaces to 16 MB each under an allocation burst such as an
 * initial list, and the process keeps those pages resident. With them capped at 2 MB an informer on 5,000
 * pods (protobuf) peaks at 103 MB instead of 142 (list+watch; 104 vs 138 by watch-list), sync time no worse;
 * 1 MB saved nothing more, 4 and 8 MB less. The price is a second start, about 0.2-0.3 s. `watch` (80 vs
 * 77 MB) and `learn` (small caches; its peak is the TypeScript checker's) gain too little to pay for it.
 *
 * And V8's efficiency mode (garbage collection without helper threads, TurboFan put off): during an initial
 * sync the four helper threads spent as much CPU as the main thread, which on a small machine shared with the
 * API server mostly delayed it (sync time and CPU per run are in the commit that added it). A user's own
 * --(no-)efficiency-mode on the command line wins (Node refuses it in NODE_OPTIONS).
 *
 * Guarantees: process.execve keeps the pid, argv, environment, stdio and so the exit code and signals seen
 * by whoever started the process; it happens at most once (a marker in the environment, removed again in
 * the new image so no child inherits it); never where execve is missing (Windows, Node before 22.15) or
 * off the main thread, or where Node's own file cannot be executed again (a failed execve aborts Node);
 * never when the user chose heap flags of their own (on the command line or in NODE_OPTIONS), nor under
 * a debugger (--inspect); never once an interrupt arrived (the command then sees it and stops).
 */

import type { Command } from 'commander';

/** The V8 flags a long-running command runs under. */
export const MEMORY_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--efficiency-mode'];

/** V8's efficiency mode, set (on or off) by the user on Node's command line: theirs is kept. */
const EFFICIENCY_FLAG = /^--(no-)?efficiency[-_]mode(=|$)/;

/** Set in the environment of the replacing process to the flags it was given; taken out again as it starts. */
export const RELAUNCHED_MARKER = 'KUBE_LESSONS_RELAUNCHED';

/** Debugger flags: a relaunch would end the session the user attached (and stop twice with --inspect-brk). */
const INSPECT_FLAG = /^--inspect(-brk|-wait)?(=|$)/;

/** Flags that size V8's heap: the user's own take precedence over ours. */
const HEAP_FLAG = /^--(max|min)[-_](semi[-_]space[-_]size|old[-_]space[-_]size|heap[-_]size)\b|^--semi[-_]space[-_]growth[-_]factor\b/;

export type RelaunchDecision =
  /** `added`: the flags of ours among `execArgv`. */
  | { relaunch: true; execArgv: string[]; added: string[] }
  | { relaunch: false; reason: 'relaunched' | 'user-heap-flags' | 'inspector' | 'no-execve' | 'interrupted' };

export interface ProcessFacts {
  execArgv: readonly string[];
  /** NODE_OPTIONS as the process got it. */
  nodeOptions: string | undefined;
  /** The marker's value: the flags an earlier image of this process relaunched it under; undefined when none did. */
  relaunchedWith: string | undefined;
  /** process.execve exists and this is the main thread. */
  canExecve: boolean;
  interrupted: boolean;
}

/** Whether to relaunch, and with which Node options; pure. */
export function decideRelaunch(facts: ProcessFacts): RelaunchDecision {
  if (facts.relaunchedWith !== undefined) return { relaunch: false, reason: 'relaunched' };
  if (!facts.canExecve) return { relaunch: false, reason: 'no-execve' };
  const nodeOptions = (facts.nodeOptions ?? '').split(/\s+/).filter(Boolean);
  const options = [...facts.execArgv, ...nodeOptions];
  if (options.some((a) => HEAP_FLAG.test(a))) return { relaunch: false, reason: 'user-heap-flags' };
  if (options.some((a) => INSPECT_FLAG.test(a))) return { relaunch: false, reason: 'inspector' };
  if (facts.interrupted) return { relaunch: false, reason: 'interrupted' };
  // Only the command line can hold it: Node refuses to start with it in NODE_OPTIONS.
  const added = facts.execArgv.some((a) => EFFICIENCY_FLAG.test(a)) ? MEMORY_FLAGS.filter((f) => !EFFICIENCY_FLAG.test(f)) : [...MEMORY_FLAGS];
  return { relaunch: true, execArgv: [...facts.execArgv, ...added], added };
}

/** What --debug says about the decision, in the process that runs the command; `relaunchedWith` as in ProcessFacts. */
export function describeRelaunch(decision: RelaunchDecision, relaunchedWith: string | undefined): string {
  if (decision.relaunch) return `debug: relaunching under ${decision.added.join(' ')}`;
  switch (decision.reason) {
    case 'relaunched':
      return `debug: relaunched under ${relaunchedWith} (same pid ${process.pid})`;
    case 'user-heap-flags':
      return 'debug: not relaunched: heap flags of your own are set (command line or NODE_OPTIONS)';
    case 'inspector':
      return 'debug: not relaunched: a debugger flag (--inspect) is set';
    case 'no-execve':
      return 'debug: not relaunched: this Node or platform has no process.execve';
    case 'interrupted':
      return 'debug: not relaunched: interrupted while starting';
  }
}

// Read once, as the module loads, and taken out of the environment so that no child process inherits it.
const relaunchedWith = process.env[RELAUNCHED_MARKER];
delete process.env[RELAUNCHED_MARKER];

function canExecve(): boolean {
  if (typeof process.execve !== 'function' || !process.getBuiltinModule('node:worker_threads').isMainThread) return false;
  const fs = process.getBuiltinModule('node:fs');
  try {
    fs.accessSync(process.execPath, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces the process with the same Node under MEMORY_FLAGS when decideRelaunch says so, and does not
 * return then; otherwise returns the decision. Call it before the command writes anything or opens anything.
 */
export function relaunchWithMemoryFlags(opts: { interrupted?: boolean } = {}): RelaunchDecision {
  const decision = decideRelaunch({
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
    relaunchedWith,
    canExecve: canExecve(),
    interrupted: Boolean(opts.interrupted),
  });
  if (!decision.relaunch) return decision;
  // What this image compiled is saved first, so the new one loads the same code from the cache.
  process.getBuiltinModule('node:module').flushCompileCache?.();
  process.execve!(process.execPath, [process.execPath, ...decision.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    [RELAUNCHED_MARKER]: decision.added.join(' '),
  });
  return decision; // not reached: execve throws or replaces the process
}

/** Commands that run until stopped: marked by their own file, relaunched by the CLI's entry before their action. */
const longRunning = new WeakSet<Command>();

/** Marks `command` as one that runs until stopped (it gets the launcher step); returns it. */
export function keepsRunning(command: Command): Command {
  longRunning.add(command);
  return command;
}

/**
 * The launcher step as the CLI's entry takes it before an action: a long-running command is relaunched (this
 * does not return then); --debug says what happened. Programs built for lessons run in-process never take it.
 */
export function launchStep(command: Command, opts: { debug: boolean; interrupted: boolean; write: (line: string) => void }): void {
  if (!longRunning.has(command)) return;
  const decision = relaunchWithMemoryFlags({ interrupted: opts.interrupted });
  if (opts.debug) opts.write(describeRelaunch(decision, relaunchedWith));
}
