#!/usr/bin/env node
// The published entry point: refuse an old Node in one line, then hand over to the compiled CLI.
import { loadBundle } from './load-bundle.js';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `error: kube-lessons needs Node.js >= 22.19, this is ${process.versions.node} (hint: install a newer Node, or let npx fetch one: \`npx -p node@24 -p kube-lessons kube-lessons\`)`,
  );
  process.exit(1);
}
// Built-ins through process.getBuiltinModule (Node >= 22.3, checked above), not import: an ES module import of
// one builds its export facade, a few ms of start-up each.
const module = process.getBuiltinModule('node:module');
const os = process.getBuiltinModule('node:os');
const { fileURLToPath } = process.getBuiltinModule('node:url');
// One bundle (dist/bundle, run by load-bundle.js) loads far faster than the ~1,000 modules it is built from.
const bundle = fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url));
// Compiled code is cached in the user's cache folder: later runs skip most of the parse and compile. main.cjs
// and its chunks get a cache per command, taken after it ran (load-bundle.js); the separate bundles of
// client-node, undici and yaml get Node's compile cache. Node's own variables win; the folder is the one
// core/cache-dir.ts names.
const cache = `${process.env.XDG_CACHE_HOME || `${process.env.HOME || os.homedir()}/.cache`}/kube-lessons`;
const caching = !process.env.NODE_DISABLE_COMPILE_CACHE;
if (caching && !process.env.NODE_COMPILE_CACHE) module.enableCompileCache?.(`${cache}/compile-cache`);
const cli = loadBundle(bundle, caching ? `${cache}/code-cache` : undefined, process.argv[2]);
const code = await cli.exports.main(process.argv);
// Exit codes are core/errors.ts's ExitCode. A run that ended as the user meant (done, or stopped by Ctrl-C or
// SIGTERM) leaves its command's cache; a failure leaves one only where there is none (a failing `verify` is the
// learner's usual loop); a usage error none, so a mistyped command name never gets one.
if (code !== 2) cli.saveCache(code === 0 || code === 130 || code === 143);
process.exit(code);
