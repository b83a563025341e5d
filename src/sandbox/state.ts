/** Where a sandbox keeps its state (certs, data, logs, kubeconfig, pids) and how that is read back. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SandboxVersions } from './versions.ts';

export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ComponentState {
  pid: number;
  port: number;
  binary: string;
  args: string[];
  log: string;
}

export interface SandboxState {
  name: string;
  dir: string;
  versions: SandboxVersions;
  kubeconfig: string;
  server: string;
  etcdUrl: string;
  /** What a client needs to talk to etcd, which refuses clients without a certificate of the sandbox CA. */
  etcdClient: EtcdClientFiles;
  startedAt: string;
  components: Partial<Record<Component, ComponentState>>;
}

export interface EtcdClientFiles {
  ca: string;
  cert: string;
  key: string;
}

export const SANDBOX_CONTEXT = 'kube-lessons-sandbox';
export const SANDBOX_NOBODY_CONTEXT = 'kube-lessons-sandbox-nobody';

/** `KUBE_LESSONS_SANDBOX_DIR` names one sandbox's folder outright (tests use it); else one per name under XDG state. */
export function sandboxDir(name = 'default', env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBE_LESSONS_SANDBOX_DIR) return env.KUBE_LESSONS_SANDBOX_DIR;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'kube-lessons', 'sandbox', name);
}

export function readState(dir: string): SandboxState | undefined {
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

export function writeState(state: SandboxState): void {
  const file = join(state.dir, 'state.json');
  writeFileSync(file + '.tmp', JSON.stringify(state, null, 2));
  renameSync(file + '.tmp', file);
}
