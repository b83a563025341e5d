// Exercise: rest-path (Learning Go with Kubernetes IV, the life of a request).
// Before a typed client sends a request, it knows the REST path of its kind: apps/v1 Deployment in namespace
// team-a is /apis/apps/v1/namespaces/team-a/deployments. A generic client (kubectl, the dynamic client) finds
// it through discovery: GET /api/v1 (the core group) or /apis/<group>/<version> lists the resources served
// there, each with its plural name, its kind and whether it is namespaced.
//
// Run `npx kube-lessons verify rest-path` (it needs a cluster: the sandbox will do).
import type { KubeClient } from 'kube-lessons/core';

/**
 * The collection path of `kind` in `apiVersion` ("v1", "apps/v1"), in `namespace` when the resource is
 * namespaced (cluster-scoped resources ignore it). Undefined when the server serves no such kind there.
 */
export async function restPath(client: KubeClient, apiVersion: string, kind: string, namespace: string): Promise<string | undefined> {
  // TODO: fetch the discovery document of apiVersion, find the resource whose kind matches (skip subresources:
  //       their names contain a "/"), and build the path from its name and whether it is namespaced.
  void client;
  void apiVersion;
  void kind;
  void namespace;
  return '';
}
