/** The fixture exercise catalog and workspaces made from it in temporary folders. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createColors } from '../../../src/console/colors.ts';
import { loadExerciseCatalog, solutionPath, type Exercise, type ExerciseCatalog } from '../../../src/exercises/catalog.ts';
import type { ProgressLike } from '../../../src/exercises/progress.ts';
import type { SessionIO } from '../../../src/exercises/session.ts';
import { initWorkspace, readWorkspace, type Workspace } from '../../../src/exercises/workspace.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/exercises/', import.meta.url));
export const FIXTURE_CHECKS = join(FIXTURE_DIR, 'checks');

export function fixtureCatalog(): ExerciseCatalog {
  return loadExerciseCatalog(FIXTURE_DIR, FIXTURE_CHECKS);
}

export function fixtureWorkspace(catalog = fixtureCatalog()): Workspace {
  const dir = join(tempDir('kube-lessons-ex-'), 'ws');
  initWorkspace(catalog, dir);
  return readWorkspace(dir)!;
}

export function writeExercise(ws: Workspace, e: Exercise, text: string): void {
  writeFileSync(join(ws.dir, e.file), text);
}

export function solve(catalog: ExerciseCatalog, ws: Workspace, e: Exercise): void {
  writeExercise(ws, e, readFileSync(solutionPath(catalog, e), 'utf8'));
}

export class MemoryProgress implements ProgressLike {
  readonly done = new Set<string>();
  isDone(key: string): boolean {
    return this.done.has(key);
  }
  markDone(key: string): void {
    this.done.add(key);
  }
}

export function memoryIO(ws: Workspace): SessionIO & { lines: string[]; infos: string[] } {
  const lines: string[] = [];
  const infos: string[] = [];
  return {
    lines,
    infos,
    line: (t = '') => void lines.push(t),
    info: (t) => void infos.push(t),
    color: createColors(0),
    signal: new AbortController().signal,
    workspace: ws.dir,
    progress: new MemoryProgress(),
    catalogDir: FIXTURE_DIR,
    checksDir: FIXTURE_CHECKS,
  };
}
