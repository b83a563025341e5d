/**
 * What the API's JSON holds for the objects the lessons read, and nothing more: every field the server may
 * leave out is optional, and times are RFC 3339 strings (JSON has no dates). client-node's V1* classes describe
 * deserialised objects (Date fields, class instances), so they are not applied to raw JSON here.
 */
import type { KubeObject } from '../machinery/cache/list-watch.ts';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** RFC 3339, e.g. 2026-03-01T10:00:00Z. */
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [k: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | (string & {});
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ContainerStatus {
  name: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: { startedAt?: string }; terminated?: { reason?: string; exitCode?: number } };
  ready?: boolean;
  restartCount?: number;
  [k: string]: unknown;
}

export interface Pod extends KubeObject {
  metadata?: ObjectMeta;
  spec?: { nodeName?: string; containers: { name: string; image?: string; [k: string]: unknown }[]; [k: string]: unknown };
  status?: {
    phase?: string;
    podIP?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    [k: string]: unknown;
  };
}

export interface Node extends KubeObject {
  metadata?: ObjectMeta;
  spec?: { unschedulable?: boolean; [k: string]: unknown };
  status?: {
    nodeInfo?: { architecture?: string; osImage?: string; kubeletVersion?: string; [k: string]: unknown };
    addresses?: { type: string; address: string }[];
    conditions?: Condition[];
    [k: string]: unknown;
  };
}

/** A list answer: items, and the resourceVersion to watch from. */
export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}
