/** `kube-lessons create-pod`: article III, a naked pod (no Deployment, nothing to recreate it), optionally followed with a watch. */
import { durationOption, keyValueOption } from '../../console/arguments.ts';
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { ExplainView, PodChange } from '../../examples/pod.ts';
import { spinner, withKube } from './common.ts';

interface Opts {
  name: string;
  image: string;
  container: string;
  label: Record<string, string>;
  nodeSelector: Record<string, string>;
  dryRun?: boolean;
  wait?: boolean;
  timeout: number;
  explain?: boolean;
}

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .option('--name <name>', 'pod name', 'my-pod')
    .option('--image <image>', 'container image', 'httpd:alpine')
    .option('--container <name>', 'container name', 'my-ctr')
    .addOption(keyValueOption('--label <key=value>', 'a label to set (repeatable)'))
    .addOption(keyValueOption('--node-selector <key=value>', 'only nodes with this label may run it (repeatable); no match leaves it Pending, Unschedulable'))
    .option('--dry-run', 'ask the server to validate and default the pod without storing it (dryRun=All), and print it')
    .option('--wait', 'follow the pod with a watch until it is Running, or fails')
    .addOption(durationOption('--timeout <duration>', 'how long --wait waits, e.g. 60s or 2m', '60s'))
    .option('--explain', 'first show the pod as a typed TypeScript model (V1Pod) next to the YAML manifest')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kube-lessons create-pod --wait\n  $ kube-lessons create-pod --name web --image nginx:1.27 --label app=web -n demo\n  $ kube-lessons create-pod --node-selector disktype=ssd --wait --timeout 10s   # Unschedulable: waits, then exits 11\n  $ kube-lessons create-pod --dry-run -o yaml\n  $ kube-lessons create-pod --explain --dry-run',
    )
    .action(async (opts: Opts) => {
      const c = ctx();
      const [pods, { formatDuration }, { UserFacingError, ExitCode }] = await Promise.all([
        import('../../examples/pod.ts'),
        import('../../core/duration.ts'),
        import('../../core/errors.ts'),
      ]);
      const { label: labels, nodeSelector } = opts;
      const timeoutMs = opts.timeout;
      if (opts.wait && opts.dryRun) {
        throw new UserFacingError('--wait cannot follow a --dry-run pod: the server did not store it', 'drop one of the two flags', ExitCode.usage);
      }
      const dataOut = c.format === 'json' || c.format === 'yaml' || c.format === 'name';
      // Progress goes to stdout in the table view (it is the lesson), to stderr when stdout carries data.
      const progress = (line: string) => (dataOut ? c.out.info(line) : c.out.line(line));

      await withKube(c, `create pod ${opts.name}`, async ({ client, namespace }) => {
        const pod = pods.buildPod({ name: opts.name, namespace, container: opts.container, image: opts.image, labels, nodeSelector });
        if (opts.explain) {
          const text = renderExplain(pods.explainPod(pod), c);
          for (const l of text) progress(l);
          progress('');
        }
        const created = await pods.createPod(client, pod, { dryRun: Boolean(opts.dryRun), signal: c.signal });
        const { renderObjects } = await import('../../console/output.ts');
        const rv = created.pod.metadata?.resourceVersion ?? '';
        if (created.dryRun) {
          progress(`pod/${opts.name} created (server dry run: validated and defaulted, nothing stored)`);
          c.out.line(c.format === 'name' ? `pod/${opts.name}` : renderObjects([pods.forDisplay(created.pod)], c.format === 'json' ? 'json' : 'yaml'));
          return;
        }
        progress(`pod/${opts.name} created in namespace "${namespace}" (uid ${created.pod.metadata?.uid ?? '?'}, resourceVersion ${rv})`);
        let final = created.pod;
        if (opts.wait) {
          progress(`watching it from resourceVersion ${rv} until it runs (timeout ${formatDuration(timeoutMs)})`);
          const started = performance.now();
          const spin = spinner(`waiting for pod/${opts.name}: ${created.pod.status?.phase ?? 'Pending'}`);
          let lastLine = '';
          let events = 0;
          const onChange = (ch: PodChange) => {
            events++;
            const line = describeChange(ch);
            spin.text(`waiting for pod/${opts.name}: ${ch.phase}${ch.reason ? ` (${ch.reason})` : ''}`);
            if (line === lastLine) return;
            lastLine = line;
            spin.around(() => progress(`  +${((performance.now() - started) / 1000).toFixed(1)}s  ${ch.type.padEnd(8)}  ${line}`));
          };
          try {
            final = await pods.waitForRunning(client, {
              namespace,
              name: opts.name,
              resourceVersion: rv,
              timeoutMs,
              signal: c.signal,
              initial: created.pod,
              onChange,
            });
          } catch (err) {
            if (c.signal.aborted) {
              spin.stop();
              c.out.info(
                `pod "${opts.name}" was created and still exists in namespace "${namespace}": delete it with \`kube-lessons delete-pod ${opts.name} -n ${namespace}\``,
              );
            }
            throw err;
          } finally {
            spin.stop();
          }
          progress(
            `pod/${opts.name} is ${final.status?.phase} on ${final.spec?.nodeName ?? '?'} (${events} watch event${events === 1 ? '' : 's'} in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
          );
        }
        if (c.format === 'json' || c.format === 'yaml') c.out.line(renderObjects([pods.forDisplay(final)], c.format));
        else if (c.format === 'name') c.out.line(`pod/${opts.name}`);
      });
    });
}

function describeChange(ch: PodChange): string {
  const ip = ch.pod.status?.podIP;
  const parts = [`phase ${ch.phase}`];
  if (ch.reason) parts.push(ch.reason);
  if (ch.node) parts.push(ch.phase === 'Pending' ? `scheduled to ${ch.node}` : `on ${ch.node}`);
  if (ip) parts.push(`pod IP ${ip}`);
  return parts.join(', ');
}

/**
 * The two views side by side, each field on the same row, then how each is sent to the cluster; one after
 * the other when the terminal is too narrow for both.
 */
export function renderExplain(view: ExplainView, c: CommandContext): string[] {
  const left = Math.max(...view.rows.map(([ts]) => ts.length), ...view.tsFooter.map((l) => l.length), 'TypeScript (@kubernetes/client-node)'.length);
  const right = Math.max(...view.rows.map(([, yaml]) => yaml.length), ...view.yamlFooter.map((l) => l.length + 2));
  if (c.out.columns !== undefined && left + 3 + right > c.out.columns) {
    const { bold } = c.out.color;
    return [
      bold('TypeScript (@kubernetes/client-node)'),
      ...view.rows.map(([ts]) => ts).filter(Boolean),
      ...view.tsFooter,
      '',
      bold('YAML manifest'),
      ...view.rows.map(([, yaml]) => yaml).filter(Boolean),
      ...view.yamlFooter.map((l, i) => (i === 0 ? `$ ${l}` : l)),
    ];
  }
  const pad = (s: string) => s + ' '.repeat(left - s.length);
  const sep = c.out.color.dim(' │ ');
  const out: string[] = [];
  out.push(c.out.color.bold(pad('TypeScript (@kubernetes/client-node)')) + sep + c.out.color.bold('YAML manifest'));
  for (const [ts, yaml] of view.rows) out.push((pad(ts) + sep + yaml).trimEnd());
  out.push((pad('') + sep).trimEnd());
  const n = Math.max(view.tsFooter.length, view.yamlFooter.length);
  for (let i = 0; i < n; i++) out.push((pad(view.tsFooter[i] ?? '') + sep + (i === 0 ? '$ ' : '') + (view.yamlFooter[i] ?? '')).trimEnd());
  return out;
}
