/**
 * `kube-lessons controller install|example|run|uninstall|rbac`: Controllers IV, the Kubernetes sample
 * controller. A Foo custom resource asks for a Deployment; the controller, built on this project's
 * informers and work queue, makes it so and reports back in the Foo's status.
 */
import { durationOption, wholeNumberOption } from '../../console/arguments.ts';
import type { Command } from 'commander';
import { keepsRunning } from '../relaunch.ts';
import type { CommandContext } from '../../console/context.ts';
import { lineBatch } from '../../console/line-batch.ts';
import { fieldsText } from '../../console/text.ts';
import { withKube } from './common.ts';

interface RunOpts {
  workers: number;
  resync: number;
}

export function register(command: Command, ctx: () => CommandContext): void {
  const controller = command.addHelpText(
    'after',
    '\nExamples:\n  $ kube-lessons controller install\n  $ kube-lessons controller example --apply\n  $ kube-lessons controller run\n  $ kube-lessons controller rbac -n controllers | kubectl apply -f -\n  $ kube-lessons controller uninstall',
  );

  controller
    .command('install')
    .description('apply the Foo CustomResourceDefinition (foos.samplecontroller.k8s.io) and wait until the API serves Foos')
    .addHelpText('after', '\nExample:\n  $ kube-lessons controller install && kube-lessons controller example --apply')
    .action(async () => {
      const c = ctx();
      const [{ installFooCrd }, { FOO_CRD_NAME }] = await Promise.all([import('../../controllers/foo/install.ts'), import('../../controllers/foo/types.ts')]);
      await withKube(c, `install CustomResourceDefinition ${FOO_CRD_NAME}`, async ({ client }) => {
        const result = await installFooCrd(client, { signal: c.signal, onWait: (what) => c.out.info(`waiting for ${what}...`) });
        c.out.line(
          `customresourcedefinition.apiextensions.k8s.io/${FOO_CRD_NAME} ${result.action}; established after ${(result.establishedAfterMs / 1000).toFixed(1)} s`,
        );
        c.out.line('');
        c.out.line('Next, create the example Foo:');
        c.out.line('  kube-lessons controller example --apply        (or: kube-lessons controller example | kubectl apply -f -)');
        c.out.line('and run the controller that acts on it:');
        c.out.line('  kube-lessons controller run');
      });
    });

  controller
    .command('example')
    .description('print the example Foo (example-foo: a Deployment example-foo with 1 replica); --apply creates it')
    .option('--apply', 'create it in the namespace (-n) instead of printing it')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kube-lessons controller example > foo.yaml\n  $ kube-lessons controller example --apply -n demo\n  $ kube-lessons controller example -o json',
    )
    .action(async (opts: { apply?: boolean }) => {
      const c = ctx();
      const [{ exampleFoo, FOO_RESOURCE, FOO_GROUP }, { renderObjects }] = await Promise.all([
        import('../../controllers/foo/types.ts'),
        import('../../console/output.ts'),
      ]);
      if (!opts.apply) {
        c.out.line(renderObjects([exampleFoo()], c.format === 'json' ? 'json' : c.format === 'name' ? 'name' : 'yaml'));
        return;
      }
      const [{ createExampleFoo }, { ApiStatusError }, { UserFacingError, ExitCode }] = await Promise.all([
        import('../../controllers/foo/install.ts'),
        import('../../machinery/errors.ts'),
        import('../../core/errors.ts'),
      ]);
      await withKube(c, 'create the example Foo', async ({ client, namespace }) => {
        try {
          const foo = await createExampleFoo(client, namespace, c.signal);
          c.out.line(`${FOO_RESOURCE.resource.replace(/s$/, '')}.${FOO_GROUP}/${foo.metadata.name} created in namespace "${namespace}"`);
          c.out.line('Run `kube-lessons controller run` to see the controller create its Deployment.');
        } catch (err) {
          if (err instanceof ApiStatusError && err.code === 404 && !/namespaces/.test(err.message)) {
            throw new UserFacingError('the Foo CustomResourceDefinition is not installed', 'run `kube-lessons controller install` first', ExitCode.notFound, {
              cause: err,
            });
          }
          throw err;
        }
      });
    });

  keepsRunning(controller.command('run'))
    .description('run the sample controller until Ctrl-C: every sync, event and retry is printed')
    .addOption(wholeNumberOption('--workers <n>', 'how many workers sync Foos at once', { min: 1, max: 64, example: 2, default: 2 }))
    .addOption(durationOption('--resync <duration>', 'how often every Foo is synced again even if nothing changed (0 = never)', '30s'))
    .addHelpText(
      'after',
      '\nWatches all namespaces, or only the one given with -n. Ctrl-C lets syncs in flight finish, then exits.\n\nExamples:\n  $ kube-lessons controller run\n  $ kube-lessons controller run -n demo --workers 4 --resync 1m',
    )
    .action(async (opts: RunOpts) => runController(ctx(), opts));

  controller
    .command('uninstall')
    .description('delete the Foo CustomResourceDefinition; every Foo goes with it, and their Deployments with them')
    .addHelpText('after', '\nExample:\n  $ kube-lessons controller uninstall')
    .action(async () => {
      const c = ctx();
      const [{ uninstallFooCrd }, { FOO_CRD_NAME }] = await Promise.all([import('../../controllers/foo/install.ts'), import('../../controllers/foo/types.ts')]);
      await withKube(c, `delete CustomResourceDefinition ${FOO_CRD_NAME}`, async ({ client }) => {
        const existed = await uninstallFooCrd(client, { signal: c.signal, onWait: (what) => c.out.info(`waiting for ${what}...`) });
        if (!existed) {
          c.out.line(`customresourcedefinition.apiextensions.k8s.io/${FOO_CRD_NAME} is not installed; nothing to do`);
          return;
        }
        c.out.line(`customresourcedefinition.apiextensions.k8s.io/${FOO_CRD_NAME} deleted`);
        c.out.line('Every Foo went with it; the garbage collector deletes their Deployments (and pods), which the Foos owned.');
      });
    });

  controller
    .command('rbac')
    .description('print the least-privilege ClusterRole, ServiceAccount and ClusterRoleBinding the controller needs')
    .addHelpText(
      'after',
      '\nThe ServiceAccount goes in the namespace given with -n (default "default").\n\nExamples:\n  $ kube-lessons controller rbac -n controllers | kubectl apply -f -\n  $ kube-lessons controller rbac -o json',
    )
    .action(async () => {
      const c = ctx();
      // yaml is CommonJS: reach it through output.ts's static import, which a bundle keeps intact.
      const [{ fooControllerRbac }, { renderYamlDocuments }] = await Promise.all([import('../../controllers/foo/rbac.ts'), import('../../console/output.ts')]);
      const objects = fooControllerRbac(c.globals.namespace || 'default');
      if (c.format === 'json') {
        c.out.line(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2));
        return;
      }
      c.out.line(renderYamlDocuments(objects));
    });
}

async function runController(c: CommandContext, opts: RunOpts): Promise<void> {
  const [{ formatDuration }, { UserFacingError, ExitCode }, { redact }] = await Promise.all([
    import('../../core/duration.ts'),
    import('../../core/errors.ts'),
    import('../../core/redact.ts'),
  ]);
  const { workers, resync: resyncMs } = opts;
  const [{ fooApiServed }, { startFooController }] = await Promise.all([import('../../controllers/foo/install.ts'), import('../../controllers/foo/main.ts')]);

  const stats = await withKube(c, 'run the sample controller', async ({ client }) => {
    if (!(await fooApiServed(client, c.signal))) {
      throw new UserFacingError(
        'the Foo CustomResourceDefinition (foos.samplecontroller.k8s.io) is not installed',
        'run `kube-lessons controller install` first',
        ExitCode.notFound,
      );
    }
    // Every request on the wire, lists and watches included, for the summary.
    const requestsBefore = client.requestsSent;

    const namespace = c.globals.namespace;
    const color = c.out.color;
    const lines = lineBatch((text) => c.out.line(text));
    // A second Ctrl-C or a crash ends the process from elsewhere: the turn's lines are handed to stdout first.
    process.on('exit', lines.flush);
    const log = (level: 'I' | 'E', message: string, fields?: Record<string, unknown>) => {
      const time = new Date().toISOString().slice(11, 23);
      const rest = fieldsText(fields ?? {});
      const line = `${level}${time}  ${message}${rest ? `  ${rest}` : ''}`;
      const safe = redact(line);
      lines.line(level === 'E' ? color.red(safe) : /^event Warning/.test(message) ? color.yellow(safe) : safe);
    };
    c.out.info(
      `watching Foos and Deployments in ${namespace ? `namespace "${namespace}"` : 'all namespaces'} with ${workers} worker(s), resync ${resyncMs ? formatDuration(resyncMs) : 'off'}; Ctrl-C stops`,
    );
    const running = startFooController(
      {
        client,
        namespace,
        workers,
        resyncMs,
        logger: { info: (m, f) => log('I', m, f), error: (m, f) => log('E', m, f) },
      },
      c.signal,
    );
    // The machinery's timers never hold the process open: while every reflector waits out a backoff, this does.
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      await running.done;
    } finally {
      clearInterval(keepAlive);
      process.off('exit', lines.flush);
      lines.flush();
    }
    const s = running.controller.stats();
    return { ...s, wire: client.requestsSent - requestsBefore };
  });

  const writes =
    Object.entries(stats.requests)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ') || 'none';
  c.out.info(
    `stopped cleanly: ${stats.syncs} sync(s), ${stats.syncErrors} failed; API writes: ${writes}; ${stats.totalRequests} controller request(s) with events, ${stats.wire} on the wire with lists and watches`,
  );
}
