/** The user's cache folder for kube-lessons: $XDG_CACHE_HOME/kube-lessons, else ~/.cache/kube-lessons. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'kube-lessons');
}
