/**
 * The child process verify runs the learner's code in (dist/exercises/harness.js). It imports the
 * learner's file, runs the check's expectations in order and reports each over IPC; the parent owns the
 * time limit (it kills this process) and any cluster cleanup, so a learner's endless loop or crash
 * here can neither hang verify nor leave a namespace behind.
 */
import { pathToFileURL } from 'node:url';
import type { CheckEnv, CheckModule } from './check-api.ts';
import type { HarnessMessage, HarnessRequest } from './protocol.ts';

const send = (m: HarnessMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

function errorInfo(err: unknown): { name: string; message: string; stack: string } {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack ?? '' };
  return { name: 'thrown value', message: String(err), stack: '' };
}

async function run(req: HarnessRequest): Promise<void> {
  const [{ FakeClock }, check] = await Promise.all([import('../machinery/clock.ts'), import(pathToFileURL(req.checkFile).href) as Promise<CheckModule>]);
  // The client loads @kubernetes/client-node, which is slow to import: before the learner's clock starts.
  let kube: CheckEnv['kube'];
  if (req.kube) {
    const [{ loadKubeconfig }, { KubeClient }] = await Promise.all([import('../core/kubeconfig.ts'), import('../core/client.ts')]);
    const env = req.kube.kubeconfig === undefined ? process.env : { ...process.env, KUBECONFIG: req.kube.kubeconfig };
    const config = await loadKubeconfig({ context: req.kube.context, env });
    kube = { client: new KubeClient(config, { timeoutMs: 10_000 }), namespace: req.kube.namespace };
  }
  await send({ type: 'ready' });
  let learner: Record<string, unknown>;
  try {
    learner = (await import(pathToFileURL(req.learnerFile).href)) as Record<string, unknown>;
  } catch (err) {
    return send({ type: 'import-failed', error: errorInfo(err) });
  }
  const checkEnv: CheckEnv = { learner, tmpDir: req.tmpDir, clock: () => new FakeClock(), ...(kube ? { kube } : {}) };
  for (const id of req.expectations) {
    await send({ type: 'start', id });
    const fn = check.expectations[id];
    if (!fn) return send({ type: 'error', id, error: { name: 'Error', message: `the check has no expectation "${id}"`, stack: '' } });
    try {
      await fn(checkEnv);
    } catch (err) {
      if (err instanceof Error && err.name === 'Mismatch') {
        const m = err as Error & { expected: string; got: string; exportName?: string };
        return send({ type: 'fail', id, expected: m.expected, got: m.got, ...(m.exportName ? { exportName: m.exportName } : {}) });
      }
      return send({ type: 'threw', id, error: errorInfo(err) });
    }
    await send({ type: 'pass', id });
  }
  await send({ type: 'done' });
}

// Anything that escapes (an unhandled rejection in the learner's timers) is the learner's too.
process.on('unhandledRejection', (err) => void send({ type: 'threw', id: undefined, error: errorInfo(err) }).then(() => process.exit(1)));
process.on('uncaughtException', (err) => void send({ type: 'threw', id: undefined, error: errorInfo(err) }).then(() => process.exit(1)));
process.once('message', (req: HarnessRequest) => {
  run(req).then(
    () => process.exit(0),
    (err: unknown) => void send({ type: 'error', id: undefined, error: errorInfo(err) }).then(() => process.exit(1)),
  );
});
