#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) and its dependencies into dist/bundle/, split into chunks so
// each command still loads only what it needs. Loading one bundle instead of ~1,000 modules of
// @kubernetes/client-node roughly halves a cluster command's start-up (see bench/list-nodes.bench.ts).
// Names are kept: the error funnel recognises client-node's ApiException by its class name.
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';

// Built beside the old bundle and swapped in, so a CLI started meanwhile finds a complete one.
rmSync('dist/bundle.next', { recursive: true, force: true });
await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bundle.next',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  keepNames: true,
  legalComments: 'external',
  // ws's optional native speed-ups: absent is fine.
  external: ['bufferutil', 'utf-8-validate', 'typescript'],
  // Some dependencies are CommonJS and call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __klCreateRequire } from 'node:module'; const require = __klCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
rmSync('dist/bundle.old', { recursive: true, force: true });
try {
  renameSync('dist/bundle', 'dist/bundle.old');
} catch {
  // first build: nothing to move aside
}
renameSync('dist/bundle.next', 'dist/bundle');
rmSync('dist/bundle.old', { recursive: true, force: true });
