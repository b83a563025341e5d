#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/: one CommonJS file, main.cjs, with every
// module of ours and of the small dependencies; modules reached only through import() run only when first
// imported. The large dependencies a command rarely needs (@kubernetes/client-node, undici, yaml) are bundles
// of their own beside it, required on first use. Measured (bench/list-nodes.bench.ts, and instruction counts):
// one CommonJS file skips the ES module loader's resolve, link and built-in facades for each of the ~25 chunks
// a split ESM bundle loads, ~8% of `list-nodes` and of `--help`.
// Names are kept: the error funnel recognises client-node's ApiException by its class name.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** Dependencies bundled apart, by the file their bundle gets. @type {Record<string, string>} */
const APART = { '@kubernetes/client-node': 'client-node.cjs', undici: 'undici.cjs', yaml: 'yaml.cjs' };

// The same list, as the filter esbuild matches import paths with.
const APART_FILTER = new RegExp(
  `^(${Object.keys(APART)
    .map((p) => p.replace(/[/.]/g, '\\$&'))
    .join('|')})$`,
);

/**
 * Points imports of the dependencies bundled apart at their bundles (except from inside their own).
 * @param {string} [self] @returns {import('esbuild').Plugin}
 */
const apart = (self) => ({
  name: 'apart',
  setup(b) {
    b.onResolve({ filter: APART_FILTER }, (args) => (args.path === self ? undefined : { path: `./${APART[args.path]}`, external: true }));
  },
});

/**
 * commander imports node:child_process at its top for one thing, running executable subcommands, which this
 * CLI has none of; loading it costs every command ~12 ms of start-up. Its one use gets it when called.
 * @type {import('esbuild').Plugin}
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "export default { spawn: (...args) => process.getBuiltinModule('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

/**
 * main.cjs must hold no import() of its own: bin/ runs it as a vm.Script (to keep a code cache taken after
 * the command ran), where import() would need an experimental loader. A dynamic import of something left
 * outside the bundle (a bundle apart, a Node built-in, typescript) becomes a small bundled module that
 * require()s it, which esbuild then loads lazily like any other dynamic import of ours.
 * @type {import('esbuild').Plugin}
 */
const requireForDynamicImports = {
  name: 'require-for-dynamic-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import' || args.namespace === 'lazy-require') return undefined;
      const outside = APART_FILTER.test(args.path) || args.path.startsWith('node:') || common.external?.includes(args.path);
      return outside ? { path: args.path, namespace: 'lazy-require' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  minify: true,
  keepNames: true,
  legalComments: 'external',
  // ws's optional native speed-ups: absent is fine. TypeScript loads from node_modules (exercises only).
  external: ['bufferutil', 'utf-8-validate', 'typescript'],
  // ES modules ask import.meta where they are: the bundle's own file answers for all of them.
  define: { 'import.meta.url': '__klUrl', 'import.meta.resolve': '__klResolve' },
  banner: {
    js: "const __klUrl = require('node:url').pathToFileURL(__filename).href; const __klResolve = (s) => require('node:url').pathToFileURL(require.resolve(s)).href;",
  },
  logLevel: 'warning',
};

// Built beside the old bundle and swapped in, so a CLI started meanwhile finds a complete one.
rmSync('dist/bundle.next', { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'dist/cli/main.js' },
    outdir: 'dist/bundle.next',
    outExtension: { '.js': '.cjs' },
    metafile: true,
    plugins: [requireForDynamicImports, apart(), lazyChildProcessForCommander],
  }).then(({ metafile }) => {
    const left = Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path));
    if (left.length) throw new Error(`main.cjs still has import() of ${left.join(', ')}: see requireForDynamicImports`);
    // bin/load-bundle.js keys its code caches on this: installed files all carry npm's fixed mtime.
    writeFileSync('dist/bundle.next/main.cjs.sha256', createHash('sha256').update(readFileSync('dist/bundle.next/main.cjs')).digest('hex') + '\n');
  }),
  ...Object.entries(APART).map(([pkg, file]) => build({ ...common, entryPoints: [pkg], outfile: `dist/bundle.next/${file}`, plugins: [apart(pkg)] })),
]);
rmSync('dist/bundle.old', { recursive: true, force: true });
try {
  renameSync('dist/bundle', 'dist/bundle.old');
} catch {
  // first build: nothing to move aside
}
renameSync('dist/bundle.next', 'dist/bundle');
rmSync('dist/bundle.old', { recursive: true, force: true });
