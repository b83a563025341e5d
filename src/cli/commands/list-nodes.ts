/** `kube-lessons list-nodes`: article II, the cluster's nodes with their architecture and OS image. */
import type { Command } from 'commander';
import { selectorOption } from '../../console/arguments.ts';
import type { CommandContext } from '../../console/context.ts';
import { withKube } from './common.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .addOption(selectorOption('-l, --selector <selector>', 'only nodes whose labels match, e.g. kubernetes.io/arch=arm64'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ kube-lessons list-nodes\n  $ kube-lessons list-nodes -o wide\n  $ kube-lessons list-nodes -l kubernetes.io/arch=arm64 -o name',
    )
    .action(async (opts: { selector?: string }) => {
      const c = ctx();
      const { listNodes } = await import('../../examples/list-nodes.ts');
      const listing = await withKube(c, 'list nodes', ({ client }) => listNodes(client, { labelSelector: opts.selector, signal: c.signal }));
      // The renderers beyond the context's table are loaded by the formats that use them: the default table needs none.
      if (c.format === 'json' || c.format === 'yaml') {
        const { renderObjects } = await import('../../console/output.ts');
        c.out.line(
          renderObjects([{ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: listing.resourceVersion ?? '' }, items: listing.nodes }], c.format),
        );
        return;
      }
      if (listing.rows.length === 0) {
        c.out.info(opts.selector ? `No nodes found. (label selector: ${opts.selector})` : 'No nodes found.');
        return;
      }
      if (c.format === 'name') {
        const { renderObjects } = await import('../../console/output.ts');
        c.out.line(renderObjects(listing.nodes, 'name', 'node'));
        return;
      }
      const paint = (status: string) => (status.startsWith('Ready') ? c.out.color.green(status) : c.out.color.red(status));
      if (c.format === 'wide') {
        const { age } = await import('../../console/output.ts');
        const now = Date.now();
        c.out.table(
          ['NAME', 'ARCH', 'OS', 'STATUS', 'ROLES', 'KUBELET VERSION', 'INTERNAL-IP', 'AGE'],
          listing.rows.map((r) => [r.name, r.arch, r.os, paint(r.status), r.roles, r.kubeletVersion, r.internalIP, age(r.created, now)]),
        );
        return;
      }
      c.out.table(
        ['NAME', 'ARCH', 'OS'],
        listing.rows.map((r) => [r.name, r.arch, r.os]),
      );
    });
}
