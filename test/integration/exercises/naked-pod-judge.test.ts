/**
 * naked-pod's check against mistakes a learner sweep made, through the CLI against the sandbox: polling
 * instead of a watch, a phase compared with 'running', and a namespace hard-coded to default.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadExerciseCatalog, solutionPath } from '../../../src/exercises/catalog.ts';
import { runCli, startCli } from '../../helpers/cli.ts';
import { sandboxState, testClient } from '../../helpers/cluster.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { waitUntil } from '../../helpers/wait.ts';

const catalog = loadExerciseCatalog();
const exercise = catalog.exercises.find((e) => e.id === 'naked-pod')!;
const solution = readFileSync(solutionPath(catalog, exercise), 'utf8');
const home = tempDir('kube-lessons-naked-pod-');
const ws = join(home, 'ws');
const env = (): NodeJS.ProcessEnv => ({ XDG_CONFIG_HOME: join(home, 'config'), KUBECONFIG: sandboxState().kubeconfig, KUBE_LESSONS_WORKSPACE: ws });

async function verify(source: string): Promise<{ line: string }> {
  writeFileSync(join(ws, exercise.file), source);
  const r = await runCli(['verify', 'naked-pod'], { env: env() });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  return { line: r.stdout.split('\n').find((l) => l.includes('✗')) ?? r.stdout };
}

/** my-pod in default, as the test's own client sees it. */
async function myPodsInDefault(): Promise<{ metadata: { deletionTimestamp?: string } }[]> {
  const client = await testClient();
  const { body } = await client.request<{ items: { metadata: { deletionTimestamp?: string } }[] }>({
    path: '/api/v1/namespaces/default/pods',
    query: { fieldSelector: 'metadata.name=my-pod' },
  });
  return body.items;
}

const POLLING = `import { ApiStatusError, type KubeClient } from 'kube-lessons/core';
export async function runNakedPod(client: KubeClient, namespace: string): Promise<{ status?: { phase?: string } }> {
  const path = \`/api/v1/namespaces/\${namespace}/pods\`;
  try {
    await client.request({ method: 'POST', path, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'my-pod' }, spec: { containers: [{ name: 'my-ctr', image: 'httpd:alpine' }] } } });
  } catch (err) {
    if (!(err instanceof ApiStatusError && err.code === 409)) throw err;
  }
  for (;;) {
    const pod = (await client.request<{ status?: { phase?: string } }>({ path: \`\${path}/my-pod\` })).body;
    if (pod.status?.phase === 'Running') return pod;
    await new Promise((r) => setTimeout(r, 100));
  }
}
`;

describe('naked-pod: the check sees how the pod was waited for, and where it went', () => {
  before(async () => {
    const r = await runCli(['exercise', 'init', ws], { env: env() });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('a GET loop with no watch fails "resolves once a watch shows it Running", saying it polled', async () => {
    const { line } = await verify(POLLING);
    assert.match(
      line,
      /✗ resolves with the pod once a watch shows it Running: expected a watch to wait for Running .*, got no watch request, only \d+ GETs? \(polling\)/,
    );
  });

  it('a watch opened with openStream, or with its query in the path, is a watch: the solution written so passes', async () => {
    const watchCall = 'client.stream({ path, query: { watch: true, fieldSelector: `metadata.name=${NAME}`, resourceVersion: pod.metadata.resourceVersion } })';
    assert.ok(solution.includes(watchCall));
    for (const call of [
      'client.lines(await client.openStream({ path, query: { watch: true, fieldSelector: `metadata.name=${NAME}`, resourceVersion: pod.metadata.resourceVersion } }))',
      'client.stream({ path: `${path}?watch=true&fieldSelector=metadata.name%3D${NAME}&resourceVersion=${pod.metadata.resourceVersion}` })',
    ]) {
      writeFileSync(join(ws, exercise.file), solution.replace(watchCall, call));
      const r = await runCli(['verify', 'naked-pod'], { env: env() });
      assert.equal(r.code, 0, call + '\n' + r.stdout + r.stderr);
    }
  });

  it("a loop comparing the phase with 'running' fails within seconds, not at the time limit, naming the phase", async () => {
    // The message only the check's own look at the pod gives: the time limit would say "did not finish".
    const { line } = await verify(solution.replaceAll("=== 'Running'", "=== 'running'"));
    assert.match(line, /my-pod has been Running for 5 s but runNakedPod has not returned: does your loop recognise phase 'Running'/);
  });

  it('a namespace hard-coded to default is named, and the pod it made there is deleted', async () => {
    await waitUntil('no my-pod in default before', async () => (await myPodsInDefault()).length === 0, 60_000, 100);
    const { line } = await verify(
      solution.replace('const path = `/api/v1/namespaces/${namespace}/pods`;', 'const path = `/api/v1/namespaces/default/pods`;\n  void namespace;'),
    );
    assert.match(line, /got no such pod there, but found my-pod in namespace default \(deleted now: this run created it\): use the namespace parameter/);
    assert.ok(
      (await myPodsInDefault()).every((p) => p.metadata.deletionTimestamp),
      'my-pod in default is deleting or gone',
    );
  });

  it('a pod made in default by a run stopped before its check could clean up is deleted by verify', async () => {
    await waitUntil('no my-pod in default before', async () => (await myPodsInDefault()).length === 0, 60_000, 100);
    const post = 'const path = `/api/v1/namespaces/${namespace}/pods`;';
    const afterPost = "if (pod.status?.phase === 'Running') return pod;";
    assert.ok(solution.includes(post) && solution.includes(afterPost));
    // Made in default, then an endless loop: the check never runs again, so only verify can clean up.
    writeFileSync(
      join(ws, exercise.file),
      solution.replace(post, 'const path = `/api/v1/namespaces/default/pods`;\n  void namespace;').replace(afterPost, 'for (;;) {\n    /* spin */\n  }'),
    );
    const run = startCli(['verify', 'naked-pod'], { env: env(), timeoutMs: 120_000 });
    await waitUntil('the learner code to create my-pod in default', async () => (await myPodsInDefault()).length > 0, 60_000, 100);
    run.interrupt();
    const r = await run.done;
    assert.equal(r.code, 130, r.stdout + r.stderr);
    assert.ok(
      (await myPodsInDefault()).every((p) => p.metadata.deletionTimestamp),
      'my-pod in default is deleting or gone',
    );
  });
});
