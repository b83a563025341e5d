/**
 * The learner's exercise workspace: a folder they own, with one file per exercise. `init` creates what is
 * missing and never overwrites a file that exists (`force` names the files to reset). The workspace imports
 * our library through node_modules/kube-lessons, a symbolic link to the very package that runs (no registry,
 * no network: the copy the learner already has). package.json records the same link as a `file:`
 * dependency, so `npm install` in the workspace works offline too.
 */
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, UserFacingError } from '../core/errors.ts';
import { DEFAULT_EXERCISES_DIR, findExercise, scaffoldPath, type Exercise, type ExerciseCatalog } from './catalog.ts';
import { GLOBALS_FILE } from './typecheck.ts';

export const DEFAULT_WORKSPACE_DIR = 'kube-lessons-exercises';

/** The running package's root (where package.json is), from src/ or dist/ alike. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface WorkspaceMeta {
  /** The catalog's workspaceFormat when init last ran here. */
  workspaceFormat: number;
  /** The kube-lessons version that ran init last. */
  createdBy: string;
}

export interface Workspace {
  dir: string;
  meta: WorkspaceMeta;
}

export interface InitReport {
  dir: string;
  created: string[];
  kept: string[];
  reset: string[];
}

/** The workspace's own files, the same whatever the catalog (a fixture catalog in tests included). */
const TEMPLATES_DIR = join(DEFAULT_EXERCISES_DIR, 'workspace');

/** The files init writes besides the exercises: workspace-relative path -> template in TEMPLATES_DIR. */
const TEMPLATE_FILES: Record<string, string> = {
  'tsconfig.json': 'tsconfig.json',
  [GLOBALS_FILE]: GLOBALS_FILE,
  'README.md': 'README.md',
  '.gitignore': 'gitignore',
};

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Creates or completes a workspace. `force` lists workspace-relative files (or exercise ids) to reset to ours. */
export function initWorkspace(catalog: ExerciseCatalog, dir: string, force: string[] = []): InitReport {
  const root = resolve(dir);
  if (existsSync(root) && !lstatSync(root).isDirectory())
    throw new UserFacingError(`${dir} exists and is not a folder`, 'pick another folder: npx kube-lessons exercise init DIR', ExitCode.usage);
  // A workspace inside another one would be found by nothing (commands walk up to the outer one).
  const outer = readWorkspace(root) ? undefined : enclosingWorkspace(dirname(root));
  if (outer) {
    const shown = relative(process.cwd(), outer.dir) || '.';
    throw new UserFacingError(
      `${dir} is inside the exercise workspace ${shown}`,
      `\`npx kube-lessons exercise init ${shown}\` completes that one; to make another, pick a folder outside it`,
      ExitCode.usage,
    );
  }
  const sources = new Map<string, string>();
  for (const [file, template] of Object.entries(TEMPLATE_FILES)) sources.set(file, join(TEMPLATES_DIR, template));
  for (const e of catalog.exercises) sources.set(e.file, scaffoldPath(catalog, e));
  const resets = new Set(force.map((f) => resolveForce(catalog, root, f, sources)));
  const report: InitReport = { dir: root, created: [], kept: [], reset: [] };
  mkdirSync(join(root, 'exercises'), { recursive: true });
  writePackageJson(catalog, root, report);
  for (const [file, source] of sources) {
    const target = join(root, file);
    if (existsSync(target) && !resets.has(file)) {
      report.kept.push(file);
      continue;
    }
    (existsSync(target) ? report.reset : report.created).push(file);
    copyFileSync(source, target);
  }
  linkPackage(root);
  return report;
}

function resolveForce(catalog: ExerciseCatalog, root: string, ref: string, sources: Map<string, string>): string {
  const asPath = relative(root, resolve(ref)).split('\\').join('/');
  for (const candidate of [ref, asPath, `exercises/${ref}`]) if (sources.has(candidate)) return candidate;
  const e = findExercise(catalog, ref);
  if (e) return e.file;
  throw new UserFacingError(
    `--force ${ref}: not a file kube-lessons made`,
    `name an exercise (id, number or file) or one of: ${Object.keys(TEMPLATE_FILES).join(', ')}`,
    ExitCode.usage,
  );
}

/** package.json is the learner's too: only our two fields are set, the rest is kept as it is. */
function writePackageJson(catalog: ExerciseCatalog, root: string, report: InitReport): void {
  const file = join(root, 'package.json');
  let pkg: Record<string, unknown> = { name: 'my-kube-lessons-exercises', private: true, type: 'module' };
  const existed = existsSync(file);
  if (existed) {
    try {
      pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new UserFacingError(`${file} is not valid JSON (${(err as Error).message})`, 'fix it, or move it away and run init again', ExitCode.config);
    }
  }
  const meta: WorkspaceMeta = { workspaceFormat: catalog.workspaceFormat, createdBy: packageVersion() };
  const deps = { ...(pkg.dependencies as Record<string, string> | undefined), 'kube-lessons': `file:${realpathSync(PACKAGE_ROOT)}` };
  const scripts = {
    verify: 'kube-lessons verify',
    watch: 'kube-lessons exercise watch',
    hint: 'kube-lessons hint',
    ...(pkg.scripts as Record<string, string> | undefined),
  };
  writeFileSync(file, JSON.stringify({ ...pkg, type: 'module', scripts, dependencies: deps, kubeLessons: meta }, null, 2) + '\n');
  (existed ? report.kept : report.created).push('package.json');
}

/**
 * node_modules/kube-lessons -> the running package, and its bin, replaced when they point elsewhere. Also
 * .bin/tsc -> the TypeScript verify uses, so `npx tsc` in the workspace (the hint of every type error) runs
 * that one, offline, instead of fetching the unrelated npm package named tsc.
 */
export function linkPackage(root: string): void {
  const target = realpathSync(PACKAGE_ROOT);
  const link = join(root, 'node_modules', 'kube-lessons');
  ensureLink(link, target);
  ensureLink(join(root, 'node_modules', '.bin', 'kube-lessons'), join(target, 'bin', 'kube-lessons.js'));
  ensureLink(join(root, 'node_modules', '.bin', 'tsc'), bundledTsc());
}

/** The tsc of the TypeScript package kube-lessons depends on (wherever npm placed it). */
export function bundledTsc(): string {
  return join(dirname(realpathSync(createRequire(import.meta.url).resolve('typescript/package.json'))), 'bin', 'tsc');
}

function ensureLink(link: string, target: string): void {
  try {
    if (readlinkSync(link) === target) return;
  } catch {
    // missing, or not a link: replaced below
  }
  rmSync(link, { recursive: true, force: true });
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(target, link);
}

/** Reads a workspace's package.json; undefined when `dir` is not one. */
export function readWorkspace(dir: string): Workspace | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { kubeLessons?: Partial<WorkspaceMeta> };
    if (!pkg.kubeLessons || typeof pkg.kubeLessons !== 'object') return undefined;
    return {
      dir: resolve(dir),
      meta: { workspaceFormat: Number(pkg.kubeLessons.workspaceFormat ?? 0), createdBy: String(pkg.kubeLessons.createdBy ?? 'an earlier version') },
    };
  } catch {
    return undefined;
  }
}

/** The workspace `dir` is, or is inside of: the nearest one upwards; undefined when there is none. */
export function enclosingWorkspace(dir: string): Workspace | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const ws = readWorkspace(d);
    if (ws) return ws;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * The workspace to work in: `explicit` (--workspace or KUBE_LESSONS_WORKSPACE), else the nearest folder
 * upwards from `cwd` that is one, else ./kube-lessons-exercises.
 */
export function findWorkspace(cwd: string, explicit?: string): Workspace {
  if (explicit) {
    const ws = readWorkspace(explicit);
    if (!ws)
      throw new UserFacingError(
        `${explicit} is not an exercise workspace (no "kubeLessons" in its package.json)`,
        `create it with \`npx kube-lessons exercise init ${explicit}\``,
        ExitCode.usage,
      );
    return ws;
  }
  const enclosing = enclosingWorkspace(cwd);
  if (enclosing) return enclosing;
  const beside = readWorkspace(join(cwd, DEFAULT_WORKSPACE_DIR));
  if (beside) return beside;
  throw new UserFacingError(
    'no exercise workspace here',
    'create one with `npx kube-lessons exercise init`, then run this inside kube-lessons-exercises/',
    ExitCode.usage,
  );
}

/** One line for a workspace init made with an older catalog, or undefined when it is current. */
export function staleWorkspaceNote(catalog: ExerciseCatalog, ws: Workspace): string | undefined {
  if (ws.meta.workspaceFormat >= catalog.workspaceFormat) return undefined;
  return `note: this workspace was made by kube-lessons ${ws.meta.createdBy} (workspace format ${ws.meta.workspaceFormat}, now ${catalog.workspaceFormat}) (hint: run \`npx kube-lessons exercise init ${relative(process.cwd(), ws.dir) || '.'}\` to add what is new; your files stay as they are)`;
}

/** The exercise's file; a folder in its place is the learner's to move (reading it would fail with a bare EISDIR). */
export function exerciseFile(ws: Workspace, e: Exercise): string {
  const file = join(ws.dir, e.file);
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory())
    throw new UserFacingError(
      `${relative(process.cwd(), file) || e.file} is a folder, not the file of exercise ${e.id}`,
      `move the folder away; \`npx kube-lessons exercise init ${relative(process.cwd(), ws.dir) || '.'}\` then adds the file back`,
      ExitCode.failure,
    );
  return file;
}

/** Per-workspace state that is not progress: how many hints of each exercise were shown. */
export interface WorkspaceState {
  hintsShown: Record<string, number>;
}

const stateFile = (ws: Workspace) => join(ws.dir, '.kube-lessons', 'state.json');

export function readState(ws: Workspace): WorkspaceState {
  try {
    const raw = JSON.parse(readFileSync(stateFile(ws), 'utf8')) as Partial<WorkspaceState>;
    return { hintsShown: typeof raw.hintsShown === 'object' && raw.hintsShown ? raw.hintsShown : {} };
  } catch {
    return { hintsShown: {} };
  }
}

export function writeState(ws: Workspace, state: WorkspaceState): void {
  mkdirSync(dirname(stateFile(ws)), { recursive: true });
  writeFileSync(stateFile(ws), JSON.stringify(state, null, 2) + '\n');
}
