/**
 * Access to the real cluster integration tests run against: the sandbox that `npm test` started (its folder
 * is in KUBE_LESSONS_TEST_SANDBOX_DIR). Each test file works in a namespace of its own so files can run in
 * parallel, and deletes it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { fetch } from 'undici';
import { KubeClient } from '../../src/core/client.ts';
import { loadKubeconfig } from '../../src/core/kubeconfig.ts';
import { etcdAgent } from '../../src/sandbox/sandbox.ts';
import { readState } from '../../src/sandbox/state.ts';
import type { SandboxState } from '../../src/sandbox/state.ts';
import { waitUntil } from './wait.ts';

export { waitUntil };

export function sandboxState(): SandboxState {
  const dir = process.env.KUBE_LESSONS_TEST_SANDBOX_DIR;
  if (!dir) throw new Error('integration tests need a sandbox: run them with `npm test` (or set KUBE_LESSONS_TEST_SANDBOX_DIR to a running sandbox folder)');
  const state = readState(dir);
  if (!state) throw new Error(`no sandbox state in ${dir}`);
  return state;
}

export async function testClient(context?: string): Promise<KubeClient> {
  const state = sandboxState();
  const config = await loadKubeconfig({ kubeconfig: state.kubeconfig, context });
  return new KubeClient(config);
}

/** Creates a namespace with a unique name and waits until pods can be created in it (its service account exists). */
export async function createTestNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await client.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kube-lessons/test': 'true' } } },
  });
  // A failure bound: right after a test restarts the API server, the controller-manager may take a while to
  // relist and create the service account.
  await waitUntil(
    `service account in ${name}`,
    async () => {
      try {
        await client.request({ path: `/api/v1/namespaces/${name}/serviceaccounts/default` });
        return true;
      } catch {
        return false;
      }
    },
    90_000,
  );
  return name;
}

export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
}

/** etcd's JSON gateway: the API server's storage, reached directly with the sandbox's etcd client certificate. */
export async function etcdPost<T = { header?: { revision?: string } }>(state: SandboxState, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const dispatcher = etcdAgent(state);
  try {
    const res = await fetch(`${state.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body), dispatcher });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  } finally {
    await dispatcher.close();
  }
}
