/**
 * `kube-lessons workqueue`: controllers I, the article's work queue demo on our queue, with the queue's
 * insides (FIFO, dirty set, processing set) shown after every operation. Needs no cluster.
 */
import { durationOption, listOption, oneOf, wholeNumberOption } from '../../console/arguments.ts';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { QueueState, ScenarioName, WorkqueueEvent } from '../../examples/workqueue.ts';

interface Opts {
  scenario: ScenarioName;
  items?: string[];
  readerDelay: number;
  workers?: number;
  listScenarios?: boolean;
}

/** More readers than this make the step-by-step output unreadable. */
const MAX_WORKERS = 16;
/** The lesson's scenarios, named here so that --help and the parser need not load them. */
const SCENARIOS: readonly ScenarioName[] = ['basic', 'dedup', 'reprocess', 'shutdown', 'drain', 'rate-limit'];
const SCENARIO_LIST = SCENARIOS.join(', ');

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .addOption(
      new Option('--scenario <name>', `what to show: ${SCENARIO_LIST}`)
        .argParser(oneOf('scenario', SCENARIOS, `use one of: ${SCENARIO_LIST} (see --list-scenarios)`))
        .default('basic'),
    )
    .addOption(listOption('--items <list>', "comma-separated items to add (default: the scenario's own)", 'a,b,c'))
    .addOption(durationOption('--reader-delay <duration>', 'basic and dedup: how long the readers sleep before reading', '3s'))
    .addOption(wholeNumberOption('--workers <n>', 'basic, dedup and shutdown: how many readers/workers', { min: 1, max: MAX_WORKERS, example: 2 }))
    .option('--list-scenarios', 'list the scenarios and what each shows')
    .addHelpText(
      'after',
      "\nExamples:\n  $ kube-lessons workqueue                          # the article's demo\n  $ kube-lessons workqueue --scenario dedup\n  $ kube-lessons workqueue --items a,b,c --workers 2 --reader-delay 500ms\n  $ kube-lessons workqueue --scenario rate-limit\n  $ kube-lessons workqueue --list-scenarios",
    )
    .action(async (opts: Opts) => {
      const c = ctx();
      const wq = await import('../../examples/workqueue.ts');
      const json = c.format === 'json' || c.format === 'yaml';
      if (opts.listScenarios) {
        for (const name of wq.SCENARIO_NAMES) {
          const s = wq.SCENARIOS[name];
          if (json) c.out.line(JSON.stringify({ name, description: s.description, defaultItems: s.defaultItems, defaultWorkers: s.defaultWorkers }));
          else c.out.line(`${c.out.color.bold(name.padEnd(11))} ${s.description}`);
        }
        return;
      }
      const { items, workers, readerDelay: readerDelayMs } = opts;
      if (workers !== undefined) {
        if (!wq.SCENARIOS[opts.scenario].workersConfigurable)
          c.out.info(`note: the ${opts.scenario} scenario has a fixed cast of workers; --workers is ignored`);
      }
      const print = (e: WorkqueueEvent) => {
        if (json) c.out.line(JSON.stringify(e));
        else for (const line of renderEvent(e, c)) c.out.line(line);
      };
      // A closed pipe only silences the rest: the scenario is short and finishes.
      await wq.runWorkqueueScenario({ scenario: opts.scenario, items, workers, readerDelayMs, signal: c.signal }, print);
    });
}

const ACTOR_WIDTH = 11;
const OP_WIDTH = 40;

export function renderEvent(e: WorkqueueEvent, c: Pick<CommandContext, 'out'>): string[] {
  const { bold, dim, cyan } = c.out.color;
  const who = (actor: string) => bold(`[${actor}]`.padEnd(ACTOR_WIDTH));
  switch (e.type) {
    case 'start': {
      const extra = e.readerDelayMs !== undefined ? `, reader delay ${formatDelay(e.readerDelayMs)}` : '';
      return [`scenario ${bold(e.scenario)}: ${e.description}`, dim(`items: ${e.items.join(' ')}; workers: ${e.workers}${extra}`)];
    }
    case 'queue':
      return [`${who(e.actor)} ${cyan(operation(e).padEnd(OP_WIDTH))} ${dim(state(e.state))}`.trimEnd()];
    case 'say':
      return [`${who(e.actor)} ${e.text}`];
    case 'summary':
      return [`summary: ${e.scenario}: ${e.text}`];
  }
}

function operation(e: Extract<WorkqueueEvent, { type: 'queue' }>): string {
  const item = e.item ?? '';
  switch (e.action) {
    case 'add':
      return `add(${item})`;
    case 'add-ignored-dirty':
      return `add(${item}): ignored, already queued`;
    case 'add-ignored-shutdown':
      return `add(${item}): ignored, shutting down`;
    case 'add-deferred-processing':
      return `add(${item}): dirty, held by a worker`;
    case 'get':
      return `get() -> ${item}`;
    case 'done':
      return `done(${item})`;
    case 'requeue-after-done':
      return `${item} was dirty: queued again`;
    case 'shutdown':
      return e.drain ? 'shutDownWithDrain()' : 'shutDown()';
    case 'add-after':
      return `addAfter(${item}, ${e.delayMs ?? 0}ms)`;
    case 'ready':
      return `${item}: its delay is over`;
    case 'rate-limited':
      return `addRateLimited(${item}): ${e.delayMs ?? 0}ms, requeues=${e.requeues ?? 0}`;
  }
}

/** `queue [a b] dirty {a b} processing {c}`, plus `waiting {x}` for delaying queues. */
export function state(s: QueueState): string {
  const parts = [`queue [${s.queue.join(' ')}]`, `dirty {${s.dirty.join(' ')}}`, `processing {${s.processing.join(' ')}}`];
  if (s.waiting) parts.push(`waiting {${s.waiting.join(' ')}}`);
  return parts.join('  ');
}

function formatDelay(ms: number): string {
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return ms > 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}
