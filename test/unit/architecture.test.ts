/**
 * The layering rule of ARCHITECTURE.md: a file in src/ imports only from its own layer or the layers below.
 * Static, type-only and dynamic imports all count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Lowest first. Folders on one line share a layer and may import each other. */
export const LAYERS: readonly (readonly string[])[] = [
  ['machinery'],
  ['core'],
  ['sandbox', 'examples', 'controllers'],
  ['console'],
  ['lessons', 'exercises'],
  ['cli'],
];

function layerOf(folder: string): number {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`src/${folder} is in no layer: add it to LAYERS and to ARCHITECTURE.md`);
  return i;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The imports in `text` (a file at `file`, relative to src/) that point to a higher layer. */
export function upwardImports(file: string, text: string): string[] {
  const from = layerOf(file.split('/')[0]!);
  const found: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const target = relative(SRC, resolve(SRC, dirname(file), m[1]!));
    const folder = target.split('/')[0]!;
    if (target.startsWith('..')) found.push(`${file} imports ${m[1]!}, outside src/`);
    else if (layerOf(folder) > from) found.push(`${file} imports ${target} (${folder} is above ${file.split('/')[0]!})`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [relative(SRC, join(dir, e.name))] : [],
  );
}

test('every import in src/ points to its own layer or below', () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 50, 'found the sources');
  const problems = files.flatMap((f) => upwardImports(f, readFileSync(join(SRC, f), 'utf8')));
  assert.deepEqual(problems, []);
});

test('the check catches upward imports of every kind, and allows downward and sideways ones', () => {
  assert.deepEqual(upwardImports('core/client.ts', "import { x } from '../machinery/errors.ts';"), []);
  assert.deepEqual(upwardImports('examples/pod.ts', "import type { Foo } from '../controllers/foo/types.ts';"), []);
  assert.equal(upwardImports('core/client.ts', "import type { CommandContext } from '../console/context.ts';").length, 1);
  assert.equal(upwardImports('lessons/runner.ts', "  const { main } = await import('../cli/main.ts');").length, 1);
  assert.equal(upwardImports('machinery/cache/reflector.ts', "import {\n  a,\n} from '../../core/client.ts';").length, 1);
  assert.throws(() => upwardImports('newfolder/x.ts', ''), /in no layer/);
});
