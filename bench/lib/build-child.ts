/**
 * A Node child of the benchmark (one informer per process) compiled to plain JavaScript before it runs, as
 * users run kube-lessons (built, not TypeScript loaded through Node's type stripping, whose compiler alone
 * adds ~17 MB to a process's resident memory and would be counted as ours). Bundled with esbuild like the
 * CLI; packages stay imports from node_modules.
 */
import { buildSync } from 'esbuild';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT_DIR = fileURLToPath(new URL('../../dist/bench/', import.meta.url));

/** Builds `entry` (a .ts file) and returns the path of the .mjs to run. */
export function buildChild(entry: string): string {
  const outfile = join(OUT_DIR, basename(entry).replace(/\.ts$/, '.mjs'));
  buildSync({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node22', packages: 'external', logLevel: 'warning' });
  return outfile;
}
