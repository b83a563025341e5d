/**
 * The commands the lessons' hints and tasks name work as written: each one that only reads and ends by
 * itself exits 0 against the sandbox, in a namespace where no earlier lesson left anything behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../src/core/client.ts';
import { loadCatalog } from '../../../src/lessons/catalog.ts';
import { runCli } from '../../helpers/cli.ts';
import { createTestNamespace, deleteNamespace, sandboxState, testClient } from '../../helpers/cluster.ts';

/** Commands that start or change something, stream until stopped, or hold a placeholder such as NAME. */
const notReadOnly = /^(sandbox|create-pod(?! --(help|explain))|delete-pod|watch|informer|controller run)\b|\b[A-Z]{2,}\b/;

const named = loadCatalog().lessons.flatMap((l) =>
  [...l.hints, l.task?.description ?? ''].flatMap((text) => [...text.matchAll(/`kube-lessons ([^`]+)`/g)].map((m) => ({ lesson: l.id, command: m[1]! }))),
);
const readOnly = named.filter((n) => !notReadOnly.test(n.command));

let client: KubeClient;
let ns: string;
before(async () => {
  client = await testClient();
  ns = await createTestNamespace(client, 'hint-commands');
});
after(() => deleteNamespace(client, ns));

test("every read-only command a lesson's hints or task name exits 0 as written", async () => {
  assert.ok(readOnly.length >= 8, `only ${readOnly.length} commands found: ${JSON.stringify(named)}`);
  const env = { KUBECONFIG: sandboxState().kubeconfig, KUBE_LESSONS_NO_AUTO_SANDBOX: '1' };
  for (const { lesson, command } of readOnly) {
    const r = await runCli([...command.split(' '), '-n', ns], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `lesson ${lesson}: \`kube-lessons ${command}\` exited ${r.code}: ${r.stderr}`);
  }
});
