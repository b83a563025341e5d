/** `kube-lessons trace <verb> <resource> [name]`: article IV, one request followed from kubeconfig to decoded model. */
import { Argument, type Command } from 'commander';
import { oneOf, pathNameParser, selectorOption } from '../../console/arguments.ts';
import type { CommandContext } from '../../console/context.ts';
import type { TraceStage } from '../../examples/trace.ts';
import { statusText } from '../../core/status-text.ts';
import { withKube } from './common.ts';

interface Opts {
  allNamespaces?: boolean;
  selector?: string;
}

const STAGES = 7;
const VERBS = ['get', 'list'] as const;

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .addArgument(new Argument('<verb>', 'get or list').argParser(oneOf('verb', VERBS, 'trace knows get and list')))
    .argument('<resource>', 'nodes, pods, deployments, or any resource the server serves (plural, singular, short name or kind)')
    .addArgument(new Argument('[name]', 'with get: the object').argParser(pathNameParser('name', { optional: false })))
    .option('-A, --all-namespaces', 'with list: across all namespaces')
    .addOption(selectorOption('-l, --selector <selector>', 'with list: a label selector'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ kube-lessons trace list nodes\n  $ kube-lessons trace get pod my-pod\n  $ kube-lessons trace list deployments -A\n  $ kube-lessons trace list crontabs.stable.example.com -o json',
    )
    .action(async (v: (typeof VERBS)[number], resource: string, name: string | undefined, opts: Opts) => {
      const c = ctx();
      const [{ traceRequest }, { redact }, { UserFacingError, ExitCode }] = await Promise.all([
        import('../../examples/trace.ts'),
        import('../../core/redact.ts'),
        import('../../core/errors.ts'),
      ]);
      if (v === 'list' && name) throw new UserFacingError('list takes no name', `use \`kube-lessons trace get ${resource} ${name}\``, ExitCode.usage);
      if (v === 'get' && !name) c.out.info('note: get without a name lists, as `kubectl get` does');
      const timeoutMs = c.requestTimeoutMs;
      const json = c.format === 'json' || c.format === 'yaml';
      const print = (s: TraceStage) => {
        if (json) c.out.line(redact(JSON.stringify(s)));
        else for (const line of renderStage(s, c)) c.out.line(redact(line));
      };
      await withKube(c, `${v} ${resource}${name ? ` ${name}` : ''}`, (env) =>
        traceRequest(
          env,
          {
            verb: v,
            resource,
            name,
            namespace: env.namespace,
            allNamespaces: Boolean(opts.allNamespaces),
            labelSelector: opts.selector,
            signal: c.signal,
            timeoutMs,
          },
          print,
        ),
      );
    });
}

const ORDER: TraceStage['stage'][] = ['kubeconfig', 'resource', 'client', 'request', 'response', 'decode', 'result'];

function renderStage(s: TraceStage, c: CommandContext): string[] {
  const { bold, dim, cyan } = c.out.color;
  const head = (title: string, summary: string) => `${dim(`[${ORDER.indexOf(s.stage) + 1}/${STAGES}]`)} ${bold(title.padEnd(10))} ${summary}`;
  const kv = (k: string, v: string) => `      ${dim(k.padEnd(10))} ${v}`;
  switch (s.stage) {
    case 'kubeconfig':
      return [
        head(
          'kubeconfig',
          `${s.files.length ? s.files.join(', ') : '(in-cluster service account)'} (source: ${s.source}${s.files.length > 1 ? ', merged in this order, first definition wins' : ''})`,
        ),
        kv('context', s.context),
        kv('cluster', `${s.cluster} at ${s.server}`),
        kv('user', `${s.user || '(none)'}, credential: ${s.credentialKind} (never shown)`),
        kv('namespace', s.namespace),
      ];
    case 'resource':
      return [
        head('resource', `"${s.input}" is ${s.kind} (${s.apiVersion}), resource "${s.resource}", ${s.namespaced ? 'namespaced' : 'cluster-scoped'}`),
        kv(
          'found by',
          s.via === 'discovery'
            ? `discovery (${s.discoveryRequests} document${s.discoveryRequests === 1 ? '' : 's'} fetched from /api and /apis)`
            : 'the built-in table of well-known resources (no discovery request)',
        ),
      ];
    case 'client':
      return [
        head('client', `${cyan(`${s.className}.${s.method}`)}(${JSON.stringify(s.params)})`),
        kv('why', s.why),
        kv('made by', `kc.makeApiClient(${s.className}): the kubeconfig's server and authentication, client-node's fetch`),
      ];
    case 'request': {
      const q = Object.entries(s.query);
      return [
        head('request', `${s.method} ${s.url}`),
        kv('path', s.path),
        kv('query', q.length ? q.map(([k, v]) => `${k}=${v}`).join('&') : '(none)'),
        ...Object.entries(s.headers).map(([k, v], i) => kv(i === 0 ? 'headers' : '', `${k}: ${v}`)),
      ];
    }
    case 'response':
      return [
        head('response', `${s.status} ${statusText(s.status)}, ${s.contentType || 'no content type'}, ${size(s.bytes)} in ${s.durationMs.toFixed(1)} ms`),
      ];
    case 'decode':
      return [
        head('decode', `body says apiVersion ${s.apiVersion}, kind ${s.kind}`),
        kv(
          'model',
          `the deserializer built ${s.modelClass}${s.items !== undefined ? ` with ${s.items} item${s.items === 1 ? '' : 's'}${s.itemClass ? ` (${s.itemClass})` : ''}` : ''}`,
        ),
        ...(s.dates.length ? [kv('dates', `${s.dates.join(', ')}: RFC 3339 strings in the JSON, Date objects in the model`)] : []),
      ];
    case 'result': {
      const names = s.objects.map((o) => (o.namespace ? `${o.namespace}/${o.name}` : o.name));
      const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, … (${names.length - 10} more)` : '');
      return [
        head('result', s.verb === 'list' ? `${s.count} object${s.count === 1 ? '' : 's'}${s.count ? `: ${shown}` : ''}` : `got ${shown}`),
        ...(s.resourceVersion ? [kv('rv', `resourceVersion ${s.resourceVersion}`)] : []),
      ];
    }
  }
}

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}
