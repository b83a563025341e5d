/**
 * `kube-lessons watch <resource>`: controllers II, a list and then a watch from the list's resourceVersion
 * (or, with --watch-list on, the default, one watch that streams the initial state first), one line per
 * event (type, key, resourceVersion); --raw shows the HTTP exchange and the chunked lines.
 */
import { durationOption, selectorOption } from '../../console/arguments.ts';
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { WatchStep } from '../../examples/watch.ts';
import { returnsOutcome, type CommandOutcome } from '../../console/run-command.ts';
import { statusText } from '../../core/status-text.ts';
import { watchListOption, withKube } from './common.ts';

interface Opts {
  allNamespaces?: boolean;
  selector?: string;
  resourceVersion?: string;
  raw?: boolean;
  timeout?: number;
  bookmarks: boolean;
  watchList: 'on' | 'off';
}

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .argument(
      '[resource]',
      'pods, configmaps, deployments, or any resource the server serves (plural, singular, short name or kind); none: watch your exercises',
    )
    .option('-A, --all-namespaces', 'watch across all namespaces')
    .addOption(selectorOption('-l, --selector <selector>', 'only objects whose labels match, e.g. app=web'))
    .option(
      '--resource-version <rv>',
      "start the watch at this resourceVersion instead of the list's (an old one shows the 410 Expired a reflector relists on)",
    )
    .option('--raw', 'also print the HTTP request (credentials redacted) and each chunked JSON line as it arrives')
    .addOption(durationOption('--timeout <duration>', 'stop after this long, e.g. 30s (default: run until Ctrl-C)'))
    .option('--bookmarks', 'ask for BOOKMARK events: allowWatchBookmarks=true', true)
    .option('--no-bookmarks', 'do not ask for BOOKMARK events (allowWatchBookmarks left out, as client-go does)')
    .addOption(watchListOption())
    .addHelpText(
      'after',
      '\nExamples:\n  $ kube-lessons watch pods                      # Ctrl-C to stop\n  $ kube-lessons watch configmaps -n kube-system --timeout 30s\n  $ kube-lessons watch deployments -A --raw\n  $ kube-lessons watch events --resource-version 1   # stale once etcd compacted: 410 Expired\n  $ kube-lessons watch                           # no resource: exercise watch mode (kube-lessons exercise watch)',
    )
    .action(
      returnsOutcome(async (resource: string | undefined, opts: Opts): Promise<CommandOutcome | void> => {
        const c = ctx();
        if (resource === undefined) {
          const { runExerciseWatch } = await import('./exercise.ts');
          return runExerciseWatch(c, undefined, process.env.KUBE_LESSONS_WORKSPACE);
        }
        const [{ watchResource }, { redact }] = await Promise.all([import('../../examples/watch.ts'), import('../../core/redact.ts')]);
        const timeoutMs = opts.timeout;
        const json = c.format === 'json' || c.format === 'yaml';
        const print = (s: WatchStep) => {
          if (json) c.out.line(redact(JSON.stringify(s)));
          else for (const line of renderStep(s, c)) c.out.line(redact(line));
        };
        const summary = await withKube(c, `watch ${resource}`, (env) =>
          watchResource(
            env.client,
            {
              resource,
              namespace: env.namespace,
              allNamespaces: Boolean(opts.allNamespaces),
              labelSelector: opts.selector,
              resourceVersion: opts.resourceVersion,
              bookmarks: opts.bookmarks,
              watchList: opts.watchList === 'on',
              raw: Boolean(opts.raw),
              signal: c.signal,
              timeoutMs,
            },
            print,
          ),
        );
        if (summary.error) throw summary.error;
      }),
    );
}

const TYPE_WIDTH = 10;

export function renderStep(s: WatchStep, c: Pick<CommandContext, 'out'>): string[] {
  const { bold, dim, green, yellow, red, cyan } = c.out.color;
  switch (s.type) {
    case 'resource':
      return [dim(`${s.resource} (${s.apiVersion} ${s.kind}), ${s.scope}; resolved through ${s.via === 'discovery' ? 'discovery' : 'the built-in table'}`)];
    case 'http-request':
      return [cyan(`> ${s.method} ${s.url}`), ...Object.entries(s.headers).map(([k, v]) => dim(`>   ${k}: ${v}`))];
    case 'http-response':
      return [
        cyan(
          `< ${s.status} ${s.statusText || statusText(s.status)}${s.contentType ? ` (${s.contentType})` : ''}${s.bytes >= 0 ? `, ${s.bytes} bytes` : ', streaming'}`,
        ),
      ];
    case 'chunk':
      return [dim(`< ${s.line}`)];
    case 'listed':
      return [`listed ${s.count} object${s.count === 1 ? '' : 's'} at resourceVersion ${bold(s.resourceVersion || '(none)')}`];
    case 'watch-list':
      return [
        `watch-list: one watch with sendInitialEvents=true, resourceVersionMatch=${s.resourceVersionMatch}, allowWatchBookmarks=true`,
        dim('  the current state streams in as ADDED events, then a BOOKMARK marks its end; no list request'),
      ];
    case 'initial-events-end':
      return [
        `${dim('BOOKMARK'.padEnd(TYPE_WIDTH))} ${bold(`initial-events-end: the initial state is complete, ${s.count} object${s.count === 1 ? '' : 's'} at resourceVersion ${s.resourceVersion || '(none)'}`)}`,
        dim('  a reflector replaces its store here, then keeps reading this same stream for the changes'),
      ];
    case 'watch-list-refused':
      return [dim(`the server refused watch-list (${s.code ?? 'no status'}: ${s.message}): listing, then watching, as client-go falls back`)];
    case 'watching': {
      const from =
        s.from === 'list'
          ? " (the list's: only changes after the list arrive)"
          : s.from === 'resume'
            ? ' (resuming from the last version seen)'
            : ' (--resource-version)';
      const lines = [`watching from resourceVersion ${bold(s.resourceVersion || '(none)')}${from}, bookmarks ${s.bookmarks ? 'on' : 'off'}`];
      if (s.comparedToList === 'older')
        lines.push(dim("  it is older than the list's: the server replays the changes since then if it still keeps them, else answers 410 Expired"));
      if (s.comparedToList === 'newer') lines.push(dim("  it is newer than the list's: nothing arrives until the cluster's version gets there"));
      return lines;
    }
    case 'event': {
      const paint = s.eventType === 'ADDED' ? green : s.eventType === 'MODIFIED' ? yellow : s.eventType === 'DELETED' ? red : dim;
      return [`${paint(s.eventType.padEnd(TYPE_WIDTH))} ${(s.key || '-').padEnd(40)} rv ${s.resourceVersion || '-'}`];
    }
    case 'error-event':
      return [`${red('ERROR'.padEnd(TYPE_WIDTH))} ${s.code}${s.reason ? ` ${s.reason}` : ''}: ${s.message}`];
    case 'expired':
      return [
        `${red('ERROR'.padEnd(TYPE_WIDTH))} ${s.code} ${s.reason}: ${s.message}${s.via === 'HTTP status' ? ' (as the HTTP status of the watch request)' : ''}`,
        `  410 Gone / Expired: resourceVersion ${s.resourceVersion} is older than the history the server keeps${s.listResourceVersion ? ` (the list was at ${s.listResourceVersion})` : ''}:`,
        "  etcd compacted those revisions, or the changes fell out of the API server's watch cache.",
        '  A reflector meeting this relists from the last resourceVersion it saw: a list at a version returns data',
        '  at least that fresh, which the watch cache can serve. It replaces its store with the result (queuing',
        "  deletions for objects that vanished meanwhile) and watches again from the new list's resourceVersion.",
        '  Only if that list answers 410 too does it ask for resourceVersion "" (a consistent read of the newest state).',
      ];
    case 'closed':
      return [
        dim(
          `the server closed the watch after ${s.events} event${s.events === 1 ? '' : 's'} (its timeout); a reflector resumes from resourceVersion ${s.resourceVersion}, and so do we`,
        ),
      ];
    case 'stopped': {
      const counts = Object.entries(s.counts)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ');
      const why = { interrupted: 'interrupted', terminated: 'terminated by SIGTERM', timeout: 'timeout', expired: 'resourceVersion expired', error: 'error' }[
        s.reason
      ];
      return [`summary: stopped (${why}) after ${(s.durationMs / 1000).toFixed(1)} s: ${counts}; last resourceVersion ${s.lastResourceVersion || '(none)'}`];
    }
  }
}
