/**
 * `kube-lessons informer [resource]`: controllers III, the article's informer: a shared informer factory
 * with a resync period, handlers printing ADD / MOD / DEL, a wait for the cache to sync, Ctrl-C to stop.
 */
import { Option, type Command } from 'commander';
import { keepsRunning } from '../relaunch.ts';
import { durationOption, selectorOption } from '../../console/arguments.ts';
import type { CommandContext } from '../../console/context.ts';
import type { InformerStep } from '../../examples/informer.ts';
import { fieldsText } from '../../console/text.ts';
import { watchListOption, withKube } from './common.ts';

interface Opts {
  fifo: 'real' | 'delta';
  allNamespaces?: boolean;
  selector?: string;
  resync: number;
  trace?: boolean;
  handlersAfterSync?: boolean;
  timeout?: number;
  watchList: 'on' | 'off';
}

export function register(command: Command, ctx: () => CommandContext): void {
  keepsRunning(command)
    .argument('[resource]', 'pods (default), configmaps, deployments, or any resource the server serves', 'pods')
    .option('-A, --all-namespaces', 'inform on all namespaces')
    .addOption(selectorOption('-l, --selector <selector>', 'only objects whose labels match, e.g. app=web'))
    .addOption(durationOption('--resync <duration>', 'resync period: every cached object is re-delivered as MOD (resync); 0 turns it off', '30s'))
    .addOption(
      new Option(
        '--fifo <kind>',
        "the informer's queue: real (client-go 1.36's RealFIFO, every change in order) or delta (the article's DeltaFIFO, changes merged per key)",
      )
        .choices(['real', 'delta'])
        .default('real'),
    )
    .option(
      '--trace',
      'follow each event through the pipeline: reflector received, delta queued, delta popped, indexer updated, handler called (ms since the event arrived)',
    )
    .addOption(watchListOption())
    .option('--handlers-after-sync', 'add the handler only after the cache synced: it still gets an ADD for every cached object')
    .addOption(durationOption('--timeout <duration>', 'stop after this long, e.g. 60s (default: run until Ctrl-C)'))
    .addHelpText(
      'after',
      "\nExamples:\n  $ kube-lessons informer                        # pods in the current namespace; Ctrl-C to stop\n  $ kube-lessons informer pods -A --resync 10s\n  $ kube-lessons informer configmaps --trace\n  $ kube-lessons informer pods --fifo delta --trace   # the article's DeltaFIFO\n  $ kube-lessons informer --handlers-after-sync --timeout 20s",
    )
    .action(async (resource: string, opts: Opts) => {
      const c = ctx();
      const [{ informerExample }, { redact }] = await Promise.all([import('../../examples/informer.ts'), import('../../core/redact.ts')]);
      const { resync: resyncMs, timeout: timeoutMs } = opts;
      const json = c.format === 'json' || c.format === 'yaml';
      const print = (s: InformerStep) => {
        if (json) return c.out.line(redact(JSON.stringify(s)));
        // Without --trace, only the machinery's problems are shown, and on stderr: they are not data.
        if (s.type === 'machinery' && !opts.trace) return c.out.info(redact(`warning: ${machinery(s)}`));
        for (const line of renderStep(s, c)) c.out.line(redact(line));
      };
      await withKube(c, `inform on ${resource}`, async (env) => {
        const summary = await informerExample(
          env.client,
          {
            resource,
            namespace: env.namespace,
            allNamespaces: Boolean(opts.allNamespaces),
            labelSelector: opts.selector,
            resyncMs,
            fifo: opts.fifo,
            handlersAfterSync: Boolean(opts.handlersAfterSync),
            trace: Boolean(opts.trace),
            watchList: opts.watchList === 'on',
            signal: c.signal,
            timeoutMs,
          },
          print,
        );
        // Stopped before the cache synced: the run failed, with the reason the reflector kept retrying.
        if (!summary.synced && summary.reason === 'timeout') {
          if (summary.syncError !== undefined) throw summary.syncError;
          const [{ UserFacingError, ExitCode }, { formatDuration }] = await Promise.all([import('../../core/errors.ts'), import('../../core/duration.ts')]);
          throw new UserFacingError(
            `the cache did not sync within ${formatDuration(opts.timeout ?? 0)}`,
            'the list is slow or the server is busy: raise --timeout',
            ExitCode.timeout,
          );
        }
      });
    });
}

const EVENT_WIDTH = 13;

/** What each stage of the reflector's sync means, shown under it with --trace. */
const WATCH_LIST_STAGES: Record<string, string> = {
  'watch-list-start': 'watch-list: one watch request streams the current state as ADDED events, then the changes (no list)',
  'initial-events-end': 'the BOOKMARK annotated k8s.io/initial-events-end: the initial state is complete at this resourceVersion',
  'watch-list-synced': "the store (the informer's queue) is replaced in one step with the objects collected in a temporary store",
  'watch-continues': 'the same stream carries on as the watch: no new request',
  'watch-list-fallback': 'the server refused the watch-list: this round lists, then watches (client-go falls back the same way)',
  'watch-list-incomplete': 'the stream ended before the initial state was complete: the watch-list starts again from scratch',
  'list-start': 'list: one GET of the whole collection (paginated), then a watch from its resourceVersion',
  'expired-relist': 'the resourceVersion is gone (410): relist from the last version seen; "" only if that list answers 410 too',
};

/** What the queue and the informer do with a whole list, shown under their trace line (both FIFOs, both sync paths). */
const QUEUE_STAGES: Record<string, string> = {
  'realfifo queued ReplacedAll': 'RealFIFO: the whole list (or watch-list state) is one entry, queued behind every change already waiting',
  'realfifo popped ReplacedAll': 'the informer pops it and reconciles it against its cache: deletions are told first, then the list in order',
  'informer replaced-all': 'the cache was replaced in one step before any handler was told',
  'realfifo queued Bookmark': 'RealFIFO: a watch bookmark is queued too, so it is seen in order with the changes around it',
  'deltafifo replaced': 'DeltaFIFO: each listed object got a Replaced delta under its key; keys the list lacks got a tombstone delta',
};

export function renderStep(s: InformerStep, c: Pick<CommandContext, 'out'>): string[] {
  const { bold, dim, green, yellow, red, cyan } = c.out.color;
  switch (s.type) {
    case 'resource':
      return [dim(`${s.resource} (${s.apiVersion} ${s.kind}), ${s.scope}; resolved through ${s.via === 'discovery' ? 'discovery' : 'the built-in table'}`)];
    case 'starting':
      return [
        `informer starting on the ${s.fifo === 'real' ? 'RealFIFO' : 'DeltaFIFO'}: resync ${s.resyncMs > 0 ? `every ${seconds(s.resyncMs)}` : 'off'}${s.labelSelector ? `, label selector ${s.labelSelector}` : ''}, handler added ${s.handlersAfterSync ? 'after the sync' : 'before start'}`,
      ];
    case 'handler-added':
      return s.when === 'after sync'
        ? [`handler added after the sync: the informer replays the ${s.cached} cached object${s.cached === 1 ? '' : 's'} to it as ADD`]
        : [];
    case 'synced':
      return [
        bold(`cache synced: ${s.count} object${s.count === 1 ? '' : 's'}`) +
          dim(` (resourceVersion ${s.resourceVersion || '-'}, by ${s.via === 'watch-list' ? 'a streaming watch-list' : 'a list'})`),
      ];
    case 'event': {
      const label = s.event === 'MOD' && s.resync ? 'MOD (resync)' : s.event;
      const paint = s.event === 'ADD' ? green : s.event === 'DEL' ? red : s.resync ? dim : yellow;
      let rv = `rv ${s.resourceVersion || '-'}`;
      if (s.event === 'MOD' && !s.resync && s.oldResourceVersion !== undefined) rv = `rv ${s.oldResourceVersion || '-'} -> ${s.resourceVersion || '-'}`;
      const notes = [
        s.replayed ? 'replayed from the cache to the late handler' : s.initial ? 'initial list' : '',
        s.tombstone ? 'tombstone: the deletion was missed, found by a relist' : '',
      ].filter(Boolean);
      const lines = [`${paint(label.padEnd(EVENT_WIDTH))} ${s.key.padEnd(40)} ${rv}${notes.length ? dim(` (${notes.join('; ')})`) : ''}`];
      if (s.trace) {
        for (const st of s.trace.stages)
          lines.push(`${' '.repeat(EVENT_WIDTH)} ${cyan(st.stage.padEnd(19))} ${`+${st.atMs.toFixed(3)} ms`.padStart(13)}  ${dim(st.detail)}`);
      }
      return lines;
    }
    case 'machinery': {
      const lines = [dim(`${' '.repeat(EVENT_WIDTH)} · ${machinery(s)}`)];
      const why =
        s.component === 'reflector'
          ? WATCH_LIST_STAGES[s.action]
          : (QUEUE_STAGES[`${s.component} ${s.action} ${String(s.data.type)}`] ?? QUEUE_STAGES[`${s.component} ${s.action}`]);
      if (why) lines.push(dim(`${' '.repeat(EVENT_WIDTH)}   ${why}`));
      return lines;
    }
    case 'stopped': {
      const counts = Object.entries(s.counts)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ');
      const why = s.reason === 'terminated' ? 'terminated by SIGTERM' : s.reason;
      return [`summary: stopped (${why}) after ${(s.durationMs / 1000).toFixed(1)} s${s.synced ? '' : ', before the cache synced'}: ${counts}`];
    }
  }
}

function machinery(s: Extract<InformerStep, { type: 'machinery' }>): string {
  const data = fieldsText(s.data);
  return `${s.component} ${s.action}${s.key ? ` ${s.key}` : ''}${data ? `: ${data}` : ''}`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
