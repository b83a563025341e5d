import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';

/** A minimal pod-like object for tests. */
export function pod(
  name: string,
  opts: { ns?: string; rv?: string; labels?: Record<string, string>; node?: string; extra?: Record<string, unknown> } = {},
): KubeObject {
  const metadata: NonNullable<KubeObject['metadata']> = { name };
  if (opts.ns !== undefined) metadata.namespace = opts.ns;
  if (opts.rv !== undefined) metadata.resourceVersion = opts.rv;
  if (opts.labels !== undefined) metadata.labels = opts.labels;
  const obj: KubeObject = { kind: 'Pod', apiVersion: 'v1', metadata, ...(opts.extra ?? {}) };
  if (opts.node !== undefined) obj.spec = { nodeName: opts.node };
  return obj;
}
