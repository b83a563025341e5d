/** `kube-lessons sandbox up|down|status|env`: the local cluster for learners without one, and for the tests. */
import { wholeNumberOption } from '../../console/arguments.ts';
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import { exportLine } from '../../console/text.ts';
import { returnsOutcome, type CommandOutcome } from '../../console/run-command.ts';
import { ExitCode, UserFacingError } from '../../core/errors.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  const sandbox = command.addHelpText(
    'after',
    '\nExamples:\n  $ kube-lessons sandbox up && eval "$(kube-lessons sandbox env)"\n  $ kube-lessons sandbox status\n  $ kube-lessons sandbox down',
  );

  sandbox
    .command('up')
    .description('build (first time) and start the sandbox, then create fake nodes')
    .addOption(wholeNumberOption('--nodes <n>', 'how many fake nodes', { min: 1, max: 50, example: 3, default: 3 }))
    .option('--kind', 'create a kind cluster instead (needs kind and a Docker engine)')
    .addHelpText('after', '\nExample:\n  $ kube-lessons sandbox up --nodes 5')
    .action(async (opts: { nodes: number; kind?: boolean }) => {
      const c = ctx();
      if (opts.kind) return kindUp(c);
      const nodes = opts.nodes;
      const [{ sandboxUp }, { progressReporter }] = await Promise.all([import('../../sandbox/sandbox.ts'), import('../../sandbox/build-progress.ts')]);
      const started = performance.now();
      const progress = progressReporter(process.stderr);
      const state = await sandboxUp({ nodes, log: (l) => progress.log(l), onBuildProgress: (p) => progress.update(p), signal: c.signal }).finally(() =>
        progress.done(),
      );
      c.out.info(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Use it with:`);
      c.out.line(exportLine('KUBECONFIG', state.kubeconfig));
    });

  sandbox
    .command('build')
    .description('only build (or finish building) the binaries the sandbox runs, from pinned upstream sources')
    .addHelpText(
      'after',
      '\nThe binaries are cached in $XDG_CACHE_HOME/kube-lessons/sandbox (else ~/.cache/...); an interrupted build resumes.\n\nExample:\n  $ kube-lessons sandbox build',
    )
    .action(async () => {
      const c = ctx();
      const [{ ensureBinaries }, { progressReporter }, { loadVersions }] = await Promise.all([
        import('../../sandbox/build.ts'),
        import('../../sandbox/build-progress.ts'),
        import('../../sandbox/versions.ts'),
      ]);
      const progress = progressReporter(process.stderr);
      const dir = await ensureBinaries(
        loadVersions(),
        (l) => progress.log(l),
        c.signal,
        (p) => progress.update(p),
      ).finally(() => progress.done());
      c.out.line(`sandbox binaries ready in ${dir}`);
    });

  sandbox
    .command('down')
    .description('stop the sandbox processes it started and delete its state')
    .addHelpText('after', '\nExample:\n  $ kube-lessons sandbox down')
    .action(async () => {
      const c = ctx();
      const { sandboxDown } = await import('../../sandbox/sandbox.ts');
      const had = await sandboxDown(undefined, (l) => c.out.info(l));
      c.out.line(had ? 'sandbox stopped and removed' : 'no sandbox was running');
    });

  sandbox
    .command('status')
    .description('show each component with its pid, port and health')
    .addHelpText('after', '\nExample:\n  $ kube-lessons sandbox status -o json')
    .action(
      returnsOutcome(async (): Promise<CommandOutcome> => {
        const c = ctx();
        const [{ sandboxStatus }, { readState, sandboxDir }, { renderObjects }] = await Promise.all([
          import('../../sandbox/sandbox.ts'),
          import('../../sandbox/state.ts'),
          import('../../console/output.ts'),
        ]);
        const dir = sandboxDir();
        const state = readState(dir);
        if (!state) throw noSandbox(dir);
        const rows = await sandboxStatus(dir);
        if (c.format === 'json' || c.format === 'yaml') {
          c.out.line(renderObjects([{ server: state.server, kubeconfig: state.kubeconfig, components: rows }], c.format));
        } else {
          c.out.line(
            `server ${state.server}   kubeconfig ${state.kubeconfig}   versions Kubernetes ${state.versions.kubernetes}, etcd ${state.versions.etcd}, kwok ${state.versions.kwok}`,
          );
          c.out.table(
            ['COMPONENT', 'PID', 'PORT', 'STATUS'],
            rows.map((r) => [r.component, String(r.pid ?? '-'), String(r.port ?? '-'), r.healthy ? c.out.color.green('healthy') : c.out.color.red(r.detail)]),
          );
        }
        return rows.some((r) => !r.healthy) ? 'checks-failed' : 'done';
      }),
    );

  sandbox
    .command('env')
    .description('print the line that points kubectl and other tools at the sandbox')
    .addHelpText('after', '\nExample:\n  $ eval "$(kube-lessons sandbox env)" && kubectl get nodes')
    .action(async () => {
      const c = ctx();
      const [{ runningSandboxKubeconfig }, { sandboxDir }] = await Promise.all([import('../../sandbox/sandbox.ts'), import('../../sandbox/state.ts')]);
      const dir = sandboxDir();
      const kubeconfig = runningSandboxKubeconfig(dir);
      if (!kubeconfig) throw noSandbox(dir);
      c.out.line(exportLine('KUBECONFIG', kubeconfig));
    });
}

function noSandbox(dir: string): UserFacingError {
  return new UserFacingError(`no sandbox is running (state folder ${dir})`, 'start one with `kube-lessons sandbox up`', ExitCode.config);
}

async function kindUp(c: CommandContext): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  if (!has('kind', ['version']))
    throw new UserFacingError(
      'kind is not installed',
      'install kind (https://kind.sigs.k8s.io), or run `kube-lessons sandbox up` without --kind',
      ExitCode.config,
    );
  if (!has('docker', ['info']))
    throw new UserFacingError(
      'no Docker engine is running, which kind needs',
      'start Docker, or run `kube-lessons sandbox up` without --kind',
      ExitCode.config,
    );
  const r = spawnSync('kind', ['create', 'cluster', '--name', 'kube-lessons', '--wait', '120s'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new UserFacingError(
      'kind create cluster failed (see its output above)',
      'run `kind delete cluster --name kube-lessons` and try again',
      ExitCode.failure,
    );
  c.out.line('kind cluster "kube-lessons" is ready; kind set it as the current context of ~/.kube/config');
}
