/**
 * Every exercise of the shipped catalog, through the CLI against the sandbox: the untouched scaffold fails
 * `verify` with its intended first message (exit 1), our solution passes (exit 0), and a live exercise's
 * namespace is on its way out when verify returns.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadExerciseCatalog, scaffoldPath, solutionPath } from '../../../src/exercises/catalog.ts';
import { runCli } from '../../helpers/cli.ts';
import { sandboxState, testClient, waitUntil } from '../../helpers/cluster.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const catalog = loadExerciseCatalog();
const home = tempDir('kube-lessons-exercises-');
const ws = join(home, 'ws');
const env = (): NodeJS.ProcessEnv => ({ XDG_CONFIG_HOME: join(home, 'config'), KUBECONFIG: sandboxState().kubeconfig, KUBE_LESSONS_WORKSPACE: ws });

describe('every exercise: scaffold fails as intended, our solution passes', () => {
  before(async () => {
    const r = await runCli(['exercise', 'init', ws], { env: env() });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  for (const e of catalog.exercises) {
    it(`${e.number} ${e.id} (${e.kind})`, async () => {
      copyFileSync(scaffoldPath(catalog, e), join(ws, e.file));
      const failing = await runCli(['verify', e.id], { env: env() });
      assert.equal(failing.code, 1, failing.stdout + failing.stderr);
      const firstFailure = failing.stdout.split('\n').find((l) => l.includes('✗'));
      assert.ok(firstFailure?.includes(`✗ ${e.scaffoldFails}`), `first failure: ${firstFailure}\nwanted: ${e.scaffoldFails}`);

      copyFileSync(solutionPath(catalog, e), join(ws, e.file));
      const passing = await runCli(['verify', e.id], { env: env() });
      assert.equal(passing.code, 0, passing.stdout + passing.stderr);
      assert.equal(passing.stdout.split('\n').filter((l) => l.includes('✓ ') && !l.includes('passes')).length, e.expectations.length);
      assert.match(passing.stdout, new RegExp(`✓ ${e.id} passes`));
      assert.equal(passing.stderr, '');

      if (e.kind === 'live') {
        const client = await testClient();
        const labelled = async () =>
          (
            await client.request<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>({
              path: '/api/v1/namespaces',
              query: { labelSelector: `kube-lessons/exercise=${e.id}` },
            })
          ).body.items;
        assert.ok((await labelled()).length > 0, 'verify made a namespace of its own');
        // Another test file's verify of the same exercise may hold a namespace of its own for a moment; a
        // namespace left behind would never be deleted, so wait for every one to be deleting or gone.
        await waitUntil(`every ${e.id} namespace to be deleting or gone`, async () => (await labelled()).every((ns) => ns.metadata.deletionTimestamp), 60_000);
      }
    });
  }
});
