/** `kube-lessons delete-pod [name]`: removes the article III pod, optionally waiting (with a watch) until it is gone. */
import { durationOption, pathNameParser } from '../../console/arguments.ts';
import { Argument, type Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import { spinner, withKube } from './common.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .addArgument(new Argument('[name]', 'pod name').default('my-pod').argParser(pathNameParser('pod name', { optional: false })))
    .option('--wait', 'watch until the pod is gone')
    .option('--ignore-not-found', 'a pod that does not exist is not an error (as in kubectl)')
    .addOption(durationOption('--timeout <duration>', 'how long --wait waits, e.g. 60s or 2m', '60s'))
    .addHelpText('after', '\nExamples:\n  $ kube-lessons delete-pod --wait\n  $ kube-lessons delete-pod web -n demo')
    .action(async (name: string, opts: { wait?: boolean; timeout: number; ignoreNotFound?: boolean }) => {
      const c = ctx();
      const pods = await import('../../examples/pod.ts');
      const timeoutMs = opts.timeout;
      const dataOut = c.format === 'json' || c.format === 'yaml' || c.format === 'name';
      const progress = (line: string) => (dataOut ? c.out.info(line) : c.out.line(line));
      await withKube(c, `delete pod ${name}`, async ({ client, namespace }) => {
        const deleted = await pods.deletePod(client, namespace, name, { signal: c.signal, ignoreNotFound: Boolean(opts.ignoreNotFound) });
        // Only --ignore-not-found gets here without the pod; like kubectl, it then prints nothing.
        if (!deleted.existed) return;
        progress(`pod/${name} deleted from namespace "${namespace}"${deleted.pod?.metadata?.deletionTimestamp ? ' (terminating)' : ''}`);
        if (opts.wait) {
          const started = performance.now();
          const spin = spinner(`waiting for pod/${name} to be gone`);
          try {
            await pods.waitForDeletion(client, {
              namespace,
              name,
              timeoutMs,
              signal: c.signal,
              onWatching: (rv) => spin.around(() => progress(`  watching from resourceVersion ${rv}`)),
              onChange: (ch) =>
                spin.around(() => progress(`  +${((performance.now() - started) / 1000).toFixed(1)}s  ${ch.type.padEnd(8)}  phase ${ch.phase}`)),
            });
          } finally {
            spin.stop();
          }
          progress(`pod/${name} is gone (${((performance.now() - started) / 1000).toFixed(1)} s)`);
        }
        if (c.format === 'name') c.out.line(`pod/${name}`);
        else if (dataOut && deleted.pod) {
          const { renderObjects } = await import('../../console/output.ts');
          c.out.line(renderObjects([pods.forDisplay(deleted.pod)], c.format === 'json' ? 'json' : 'yaml'));
        }
      });
    });
}
