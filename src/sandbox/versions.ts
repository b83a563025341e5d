/** The pinned sandbox versions (sandbox/versions.json) and where their binaries are cached. */
import { readFileSync } from 'node:fs';
import { userCacheDir } from '../core/cache-dir.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SandboxVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
}

/** The package's sandbox/ folder: versions.json and the kwok stages. Same relative place from src/ and dist/. */
export const SANDBOX_ASSETS = fileURLToPath(new URL('../../sandbox/', import.meta.url));

export function loadVersions(): SandboxVersions {
  return JSON.parse(readFileSync(join(SANDBOX_ASSETS, 'versions.json'), 'utf8')) as SandboxVersions;
}

export function versionsKey(v: SandboxVersions): string {
  return `k8s-${v.kubernetes}-etcd-${v.etcd}-kwok-${v.kwok}`;
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheDir(env), 'sandbox');
}

export function binDir(v: SandboxVersions, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), versionsKey(v), 'bin');
}

export const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type Binary = (typeof BINARIES)[number];
