/**
 * The public client core (`kube-lessons/core`): kubeconfig loading, the client every lesson shares,
 * discovery and REST paths. Exercises import it; the CLI's own wiring (errors funnel, redaction) stays private.
 */
export { loadKubeconfig, kubeconfigFiles } from './kubeconfig.ts';
export type { KubeconfigRequest, ResolvedKubeconfig, KubeconfigSource } from './kubeconfig.ts';
export { KubeClient, DEFAULT_TIMEOUT_MS } from './client.ts';
export type { RequestOptions, ApiResponse, LineStream } from './client.ts';
export { Discovery, discoveryFor, pathTemplates } from './discovery.ts';
export type { ApiResource, ApiGroupInfo } from './discovery.ts';
export { resourcePath, groupVersion, parseApiVersion } from './resources.ts';
export type { ResourceRef, PathParts } from './resources.ts';
export { ApiStatusError, isResourceExpired } from '../machinery/errors.ts';
