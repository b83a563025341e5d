/** `kube-lessons api-resources`: what the server serves (discovery), and `--resolve` from apiVersion + kind to a REST path. */
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import { withKube } from './common.ts';

interface Opts {
  resolve?: boolean;
  apiGroup?: string;
  namespaced?: string;
}

export function register(command: Command, ctx: () => CommandContext): void {
  command
    .argument('[apiVersion]', 'with --resolve: the apiVersion, e.g. batch/v1 or v1')
    .argument('[kind]', 'with --resolve: the kind, e.g. Job')
    .option('--resolve', 'print the REST path of <apiVersion> <kind>')
    .option('--api-group <group>', 'only this group ("" for the core group)')
    .option('--namespaced <bool>', 'only namespaced (true) or cluster-scoped (false) resources')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kube-lessons api-resources\n  $ kube-lessons api-resources --api-group apps -o wide\n  $ kube-lessons api-resources --resolve batch/v1 Job\n  $ kube-lessons api-resources --resolve v1 Pod -o json',
    )
    .action(async (apiVersion: string | undefined, kind: string | undefined, opts: Opts) => {
      const c = ctx();
      const [{ listApiResources, resolveKind }, { renderObjects }, { UserFacingError, ExitCode }] = await Promise.all([
        import('../../examples/api-resources.ts'),
        import('../../console/output.ts'),
        import('../../core/errors.ts'),
      ]);
      if (opts.resolve) {
        if (!apiVersion || !kind)
          throw new UserFacingError(
            '--resolve needs an apiVersion and a kind',
            'for example: kube-lessons api-resources --resolve batch/v1 Job',
            ExitCode.usage,
          );
        const r = await withKube(c, `resolve ${apiVersion} ${kind}`, ({ client }) => resolveKind(client, apiVersion, kind));
        if (c.format === 'json' || c.format === 'yaml') {
          const { resource } = r;
          c.out.line(
            renderObjects(
              [
                {
                  apiVersion: resource.apiVersion,
                  kind: resource.kind,
                  group: resource.group,
                  version: resource.version,
                  resource: resource.resource,
                  namespaced: resource.namespaced,
                  collection: r.collection,
                  object: r.object,
                  ...(r.allNamespaces ? { allNamespaces: r.allNamespaces } : {}),
                },
              ],
              c.format,
            ),
          );
        } else if (c.format === 'name') {
          c.out.line(r.collection);
        } else {
          c.out.line(r.collection);
          c.out.line(`  one object:     ${r.object}`);
          if (r.allNamespaces) c.out.line(`  all namespaces: ${r.allNamespaces}`);
          c.out.line(
            `  ${r.resource.kind} is served as resource "${r.resource.resource}" of ${r.resource.group ? `group "${r.resource.group}"` : 'the core group'}, version ${r.resource.version}, ${r.resource.namespaced ? 'namespaced' : 'cluster-scoped'}`,
          );
        }
        return;
      }
      if (apiVersion || kind)
        throw new UserFacingError(
          'api-resources takes arguments only with --resolve',
          'for example: kube-lessons api-resources --resolve batch/v1 Job',
          ExitCode.usage,
        );
      let namespaced: boolean | undefined;
      if (opts.namespaced !== undefined) {
        if (!['true', 'false'].includes(opts.namespaced))
          throw new UserFacingError(`--namespaced must be true or false, not "${opts.namespaced}"`, undefined, ExitCode.usage);
        namespaced = opts.namespaced === 'true';
      }
      const listing = await withKube(c, 'discover API resources', ({ client }) => listApiResources(client, { apiGroup: opts.apiGroup, namespaced }));
      const rs = listing.resources;
      // Like kubectl: list what could be read, and say on stderr which groups could not.
      for (const f of listing.failedGroups) c.out.info(`warning: could not read ${f.groupVersion} (${f.error}); its resources are not listed`);
      if (c.format === 'json' || c.format === 'yaml') {
        c.out.line(
          renderObjects(
            [
              {
                resources: rs.map(({ resource, singular, shortNames, apiVersion: av, namespaced: n, kind: k, verbs, categories }) => ({
                  name: resource,
                  singularName: singular,
                  shortNames,
                  apiVersion: av,
                  namespaced: n,
                  kind: k,
                  verbs,
                  categories,
                })),
              },
            ],
            c.format,
          ),
        );
        return;
      }
      if (c.format === 'name') {
        c.out.line(rs.map((r) => (r.group ? `${r.resource}.${r.group}` : r.resource)).join('\n'));
        return;
      }
      const head = ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'];
      const row = (r: (typeof rs)[number]) => [r.resource, r.shortNames.join(','), r.apiVersion, String(r.namespaced), r.kind];
      if (c.format === 'wide')
        c.out.table(
          [...head, 'VERBS', 'CATEGORIES'],
          rs.map((r) => [...row(r), `[${r.verbs.join(' ')}]`, r.categories.join(',')]),
        );
      else c.out.table(head, rs.map(row));
    });
}
