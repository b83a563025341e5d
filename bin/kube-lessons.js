#!/usr/bin/env node
// The published entry point: refuse an old Node in one line, then hand over to the compiled CLI.
import module from 'node:module';
import os from 'node:os';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `error: kube-lessons needs Node.js >= 22.19, this is ${process.versions.node} (hint: install a newer Node, or let npx fetch one: \`npx -p node@24 -p kube-lessons kube-lessons\`)`,
  );
  process.exit(1);
}
// Compiled code is cached in the user's cache folder (as NODE_COMPILE_CACHE would): later runs skip most of
// the parse and compile of the bundle. Node's own variables win; the folder is the one core/cache-dir.ts names.
if (!process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  const cache = process.env.XDG_CACHE_HOME || `${process.env.HOME || os.homedir()}/.cache`;
  module.enableCompileCache?.(`${cache}/kube-lessons/compile-cache`);
}
// One CommonJS bundle (dist/bundle) loads far faster than the ~1,000 modules it is built from.
const { main } = module.createRequire(import.meta.url)('../dist/bundle/main.cjs');
process.exit(await main(process.argv));
