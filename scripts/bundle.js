#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/ as CommonJS modules: main.cjs holds what every
// run needs (the command table's names, usages and descriptions, the global options, help, the error funnel),
// and each module a command reaches through import() lives in a chunk of its own, with the code it shares with
// other commands in shared chunks, required on first use. Each file is an object of module functions by chunk
// name, which bin/load-bundle.js runs; main.cjs's also holds the chunks main.cjs requires at its top. So
// `--help` reads, compiles and runs none of the commands, and `list-nodes` only its own path. Measured against
// one CommonJS file holding it all (463 KB): the whole file was read, its code cache deserialised and a closure
// made for every function of every module at the top level before any command ran.
//
// The layout is esbuild's code splitting, which only writes ES modules; each chunk is then turned into CommonJS
// (import() into require) because bin/load-bundle.js runs the files as vm.Scripts with a code cache of its own,
// where import() would need an experimental loader, and because the ES module loader's resolve, link and
// built-in facades cost every chunk more than a require (measured when the CLI was ~25 ES module chunks).
// The large dependencies a command rarely needs (@kubernetes/client-node, undici, yaml) are bundles of their own
// beside it. Names are kept: the error funnel recognises client-node's ApiException by its class name.
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

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
 * commander takes four built-ins as default imports. Left to esbuild, each stays an import of an external
 * module, which the CommonJS conversion wraps in its interop helper: an object with a getter copied for every
 * export of node:fs, node:path and node:process, ~200 properties defined on every run before any command runs
 * (measured: ~1-2 ms of start-up). Bundled as a module of their own that hands over the built-in itself, they
 * cost nothing. node:child_process it needs for one thing, running executable subcommands, which this CLI has
 * none of; loading it costs every command ~12 ms of start-up, so its one use gets it when called.
 * @type {import('esbuild').Plugin}
 */
const commanderBuiltins = {
  name: 'commander-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:(child_process|fs|path|process)$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: args.path, namespace: 'commander-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'commander-builtin' }, (args) => ({
      contents:
        args.path === 'node:child_process'
          ? "export default { spawn: (...args) => process.getBuiltinModule('node:child_process').spawn(...args) };"
          : `export default process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * commander's Option tells a variadic option (`<values...>`) by a Unicode property regex (\p{ID_Continue}), which
 * V8 builds from ICU's tables on first use: ~3M instructions (3% of `--help`, measured) on every run, though no
 * option of ours ends in `...>`. The same regex asked only of flags that end so gives the same answer. The build
 * fails if commander's line or file changes, rather than silently paying again.
 * @type {import('esbuild').Plugin}
 */
const commanderVariadic = {
  name: 'commander-variadic',
  setup(b) {
    const test = String.raw`/\p{ID_Continue}\.\.\.[>\]]$/u.test(flags)`;
    let guarded = false;
    b.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]option\.js$/ }, (args) => {
      guarded = true;
      const source = readFileSync(args.path, 'utf8');
      if (source.split(test).length !== 2) throw new Error(`${args.path}: the variadic test scripts/bundle.js guards is not there once`);
      return { contents: source.replace(test, () => String.raw`/\.\.\.[>\]]$/.test(flags) && ${test}`), loader: 'js' };
    });
    // A commander that moved its Option elsewhere would otherwise build without the guard, silently.
    b.onEnd((result) => {
      if (!guarded && result.errors.length === 0)
        throw new Error('commander/lib/option.js was not bundled: the variadic guard in scripts/bundle.js needs its new place');
    });
  },
};

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  minify: true,
  legalComments: 'external',
  // ws's optional native speed-ups: absent is fine. TypeScript loads from node_modules (exercises only).
  external: ['bufferutil', 'utf-8-validate', 'typescript'],
  logLevel: 'warning',
};

/** The version, inlined so that no run reads package.json for it (src/cli/main.ts). */
/** @type {unknown} */
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const VERSION = /** @type {{ version: string }} */ (manifest).version;

// ES modules ask import.meta where they are: the chunk's own file answers (all chunks share one folder, so
// paths relative to it are the same for every chunk). Added only to the chunks that ask, and worked out on first
// use: most ask only inside a function a run may never call, and pathToFileURL costs a path.resolve and a URL.
const IMPORT_META =
  "const __klMeta = { get url() { return (this.href ??= require('node:url').pathToFileURL(__filename).href); }, resolve: (s) => require('node:url').pathToFileURL(require.resolve(s)).href };\n";

/** Chunk names bin/load-bundle.js recognises in a require(): it loads those itself, with their code cache. */
const CHUNK_NAME = /^chunk-[A-Za-z0-9_-]+\.cjs$/;

// Built beside the old bundle and swapped in, so a CLI started meanwhile finds a complete one.
rmSync('dist/bundle.next', { recursive: true, force: true });
mkdirSync('dist/bundle.next');
const [split] = await Promise.all([
  build({
    ...common,
    format: 'esm',
    splitting: true,
    write: false,
    metafile: true,
    entryPoints: { main: 'dist/cli/main.js' },
    outdir: 'dist/bundle.next',
    outExtension: { '.js': '.cjs' },
    chunkNames: 'chunk-[name]-[hash]',
    define: { 'import.meta.url': '__klMeta.url', 'import.meta.resolve': '__klMeta.resolve', __KUBE_LESSONS_VERSION__: JSON.stringify(VERSION) },
    plugins: [apart(), commanderBuiltins, commanderVariadic],
  }),
  // The bundles apart keep their names: the trace lesson and the error funnel read client-node's class names.
  // Ours are read nowhere (our errors set theirs; a --debug stack trace still names methods), and keeping them
  // costs every call that makes a named closure a defineProperty: 3.5% of what `controller run` allocated and
  // ~1% of its CPU (measured).
  ...Object.entries(APART).map(([pkg, file]) =>
    build({ ...common, keepNames: true, format: 'cjs', entryPoints: [pkg], outfile: `dist/bundle.next/${file}`, plugins: [apart(pkg)] }),
  ),
]);
/** Each chunk as CommonJS text, by file name. @type {Map<string, string>} */
const texts = new Map();
for (const out of split.outputFiles) {
  const name = basename(out.path);
  if (!name.endsWith('.cjs')) {
    writeFileSync(out.path, out.contents); // legal comments
    continue;
  }
  if (name !== 'main.cjs' && !CHUNK_NAME.test(name)) throw new Error(`${name}: bin/load-bundle.js would not load this chunk itself`);
  // Anything else of import.meta would become an empty object in CommonJS, silently.
  if (/\bimport\.meta\b/.test(out.text)) throw new Error(`${name} asks import.meta for more than url and resolve: scripts/bundle.js answers only those`);
  // import() becomes Promise.resolve().then(() => require()): of a chunk, of a bundle apart, of a built-in.
  const { code } = await transform(out.text, { format: 'cjs', platform: 'node', target: 'node22', supported: { 'dynamic-import': false }, minify: true });
  const text = (/\b__klMeta\b/.test(code) ? IMPORT_META : '') + code;
  if (/\bimport\(/.test(text)) throw new Error(`${name} still holds import(): bin/load-bundle.js could not run it`);
  // bin/load-bundle.js reads the chunks as latin1 (no UTF-8 decoding); esbuild escapes anything else by default.
  if (/[\u0080-\uffff]/.test(text)) throw new Error(`${name} holds a character outside ASCII: bin/load-bundle.js reads chunks as latin1`);
  texts.set(name, text);
}

// The chunks each chunk imports at its top (not through import(), which the chunks turned into a require on first
// use), from esbuild's metafile.
/** @type {Map<string, string[]>} */
const staticImports = new Map();
for (const [path, { imports }] of Object.entries(split.metafile?.outputs ?? {}))
  staticImports.set(
    basename(path),
    imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => basename(i.path)),
  );
/** A chunk and all it requires at its top, transitively. @param {string} name */
const withStaticImports = (name) => {
  const all = new Set([name]);
  for (const chunk of all) for (const imported of staticImports.get(chunk) ?? []) all.add(imported);
  return all;
};

// main.cjs's file also holds every chunk main.cjs requires at its top, transitively: every run loads them, and one
// script reads, compiles and deserialises its cache for less than ~12 (esbuild makes a chunk of every set of
// modules shared by a different set of entries, most under 2 KB). The other chunks keep a file each, which also
// holds the small chunks (up to SMALL) it requires at its top, transitively, that main.cjs's does not: a file
// read and a script made cost more than a small chunk's copy that a command loading two such files compiles but
// never runs (list-nodes: 8 files instead of 16, -1.4M main-thread instructions, the bundle +290 KB). Larger
// shared chunks keep their own file: copying all a command loads into its file cost list-nodes more page faults
// than it saved (measured).
const SMALL = 4 * 1024;
const inMain = withStaticImports('main.cjs');
/** The chunks each file holds, its own first. @type {Map<string, string[]>} */
const files = new Map([['main.cjs', [...inMain]]]);
for (const chunk of texts.keys())
  if (!inMain.has(chunk))
    files.set(
      chunk,
      [...withStaticImports(chunk)].filter((c) => c === chunk || (!inMain.has(c) && (texts.get(c)?.length ?? Infinity) <= SMALL)),
    );

const hash = createHash('sha256');
for (const [file, chunks] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  // The format bin/load-bundle.js runs: an object of CommonJS module functions by chunk name, the file's own first.
  const text = `({${chunks
    .map((chunk) => {
      const source = texts.get(chunk);
      if (source === undefined) throw new Error(`${file} needs ${chunk}, which esbuild did not write`);
      return `${JSON.stringify(chunk)}:function(exports,require,module,__filename,__dirname){${source}\n}`;
    })
    .join(',\n')}})\n`;
  writeFileSync(`dist/bundle.next/${file}`, text);
  hash.update(`${file}\0${text}\0`);
}
// bin/load-bundle.js keys its code caches on this, the hash of main.cjs and of every chunk: installed files
// all carry npm's fixed mtime.
writeFileSync('dist/bundle.next/main.cjs.sha256', hash.digest('hex') + '\n');
rmSync('dist/bundle.old', { recursive: true, force: true });
try {
  renameSync('dist/bundle', 'dist/bundle.old');
} catch {
  // first build: nothing to move aside
}
renameSync('dist/bundle.next', 'dist/bundle');
rmSync('dist/bundle.old', { recursive: true, force: true });
