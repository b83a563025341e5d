/**
 * Installing and removing the Foo CustomResourceDefinition, and the example Foo. What `controller install`,
 * `uninstall` and `example --apply` do, kept apart from the CLI so tests use the same code.
 */
import type { KubeClient } from '../../core/client.ts';
import { BUILTIN_RESOURCES, resourcePath } from '../../core/resources.ts';
import { ExitCode, UserFacingError } from '../../core/errors.ts';
import { ApiStatusError } from '../../machinery/errors.ts';
import { exampleFoo, FOO_CRD_NAME, FOO_GROUP, FOO_RESOURCE, FOO_VERSION, fooCrd, type Foo } from './types.ts';

const CRDS = BUILTIN_RESOURCES.customresourcedefinitions;
const CRD_PATH = resourcePath(CRDS, { name: FOO_CRD_NAME });

interface Crd {
  metadata?: { resourceVersion?: string; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface InstallResult {
  /** 'created', or 'updated' when it existed (it is replaced by our manifest). */
  action: 'created' | 'updated';
  /** How long until the API server served Foos. */
  establishedAfterMs: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Told what is being waited for, once. */
  onWait?: (what: string) => void;
}

/** Creates (or replaces) the CRD and waits until it is Established, i.e. the API serves Foos. */
export async function installFooCrd(client: KubeClient, opts: WaitOptions = {}): Promise<InstallResult> {
  const started = performance.now();
  let action: InstallResult['action'] = 'created';
  for (;;) {
    try {
      await client.request({ method: 'POST', path: resourcePath(CRDS), body: fooCrd(), signal: opts.signal });
      break;
    } catch (err) {
      if (!(err instanceof ApiStatusError && err.code === 409)) throw err;
    }
    const existing = await getCrd(client, opts.signal);
    if (!existing) continue; // deleted between our POST and GET: create again
    if (existing.metadata?.deletionTimestamp) {
      // Still being removed (its Foos are being deleted): wait until it is gone, then create it anew.
      opts.onWait?.('the previous CustomResourceDefinition to finish deleting');
      await waitForCrdGone(client, opts);
      continue;
    }
    try {
      await client.request({
        method: 'PUT',
        path: CRD_PATH,
        body: { ...fooCrd(), metadata: { ...(fooCrd().metadata as object), resourceVersion: existing.metadata?.resourceVersion } },
        signal: opts.signal,
      });
      action = 'updated';
      break;
    } catch (err) {
      if (!(err instanceof ApiStatusError && (err.code === 409 || err.code === 404))) throw err;
    }
  }
  opts.onWait?.('the API server to establish the CustomResourceDefinition');
  await poll('CustomResourceDefinition to become Established', opts, async () => {
    const crd = await getCrd(client, opts.signal);
    return Boolean(crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
  });
  return { action, establishedAfterMs: performance.now() - started };
}

/** Deletes the CRD (the API server deletes every Foo with it); with `wait`, until it is gone. False if it was not installed. */
export async function uninstallFooCrd(client: KubeClient, opts: WaitOptions & { wait?: boolean } = {}): Promise<boolean> {
  try {
    await client.request({ method: 'DELETE', path: CRD_PATH, signal: opts.signal });
  } catch (err) {
    if (err instanceof ApiStatusError && err.code === 404) return false;
    throw err;
  }
  if (opts.wait ?? true) {
    opts.onWait?.('the Foos to be deleted and the CustomResourceDefinition to go');
    await waitForCrdGone(client, opts);
  }
  return true;
}

/** True when the API server serves samplecontroller.k8s.io/v1alpha1 (discovery: readable by any user). */
export async function fooApiServed(client: KubeClient, signal?: AbortSignal): Promise<boolean> {
  try {
    const res = await client.request<{ resources?: { name: string }[] }>({ path: `/apis/${FOO_GROUP}/${FOO_VERSION}`, signal });
    return Boolean(res.body.resources?.some((r) => r.name === FOO_RESOURCE.resource));
  } catch (err) {
    if (err instanceof ApiStatusError && err.code === 404) return false;
    throw err;
  }
}

/** Creates the example Foo in `namespace`. */
export async function createExampleFoo(client: KubeClient, namespace: string, signal?: AbortSignal): Promise<Foo> {
  const res = await client.request<Foo>({ method: 'POST', path: resourcePath(FOO_RESOURCE, { namespace }), body: exampleFoo(namespace), signal });
  return res.body;
}

async function getCrd(client: KubeClient, signal?: AbortSignal): Promise<Crd | undefined> {
  try {
    return (await client.request<Crd>({ path: CRD_PATH, signal })).body;
  } catch (err) {
    if (err instanceof ApiStatusError && err.code === 404) return undefined;
    throw err;
  }
}

async function waitForCrdGone(client: KubeClient, opts: WaitOptions): Promise<void> {
  await poll('CustomResourceDefinition to be deleted', opts, async () => (await getCrd(client, opts.signal)) === undefined);
}

async function poll(what: string, opts: WaitOptions, check: () => Promise<boolean>): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) {
      throw new UserFacingError(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the ${what}`,
        'check the API server with `kube-lessons doctor` and try again',
        ExitCode.timeout,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const signal = opts.signal;
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal!.reason);
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, 200);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
