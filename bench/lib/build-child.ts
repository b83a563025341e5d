/**
 * A Node child of the benchmark (one informer per process) compiled to plain JavaScript before it runs, as
 * users run kube-lessons (built, not TypeScript loaded through Node's type stripping, whose compiler alone
 * adds ~17 MB to a process's resident memory and would be counted as ours). Bundled with esbuild as ES module
 * chunks, so what the code imports lazily (undici) stays lazy; packages stay imports from node_modules. (The
 * CLI itself is now one CommonJS file with lazy bundles beside it: same code, packed differently.)
 */
import { buildSync } from 'esbuild';
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT_DIR = fileURLToPath(new URL('../../dist/bench/', import.meta.url));

/** Builds `entry` (a .ts file) and returns the path of the .mjs to run. */
export function buildChild(entry: string): string {
  const name = basename(entry).replace(/\.ts$/, '');
  const outdir = join(OUT_DIR, name);
  rmSync(outdir, { recursive: true, force: true });
  buildSync({
    entryPoints: [entry],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
  });
  return join(outdir, `${name}.mjs`);
}
