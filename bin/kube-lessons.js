#!/usr/bin/env node
// The published entry point: refuse an old Node in one line, then hand over to the compiled CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `error: kube-lessons needs Node.js >= 22.19, this is ${process.versions.node} (hint: install a newer Node, or let npx fetch one: \`npx -p node@24 -p kube-lessons kube-lessons\`)`,
  );
  process.exit(1);
}
// Built-ins through process.getBuiltinModule (Node >= 22.3, checked above), not import: an ES module import of
// one builds its export facade, a few ms of start-up each.
const fs = process.getBuiltinModule('node:fs');
const module = process.getBuiltinModule('node:module');
const os = process.getBuiltinModule('node:os');
const { fileURLToPath } = process.getBuiltinModule('node:url');
// One bundle (dist/bundle, run by load-bundle.js) loads far faster than the ~1,000 modules it is built from.
const bundle = fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url));
// Compiled code is cached in the user's cache folder: later runs skip most of the parse and compile. main.cjs
// and its chunks get a cache per command, taken after it ran (load-bundle.js); load-bundle.js itself and the
// separate bundles of client-node, undici and yaml get Node's compile cache. Node's own variables win; the folder
// is the one core/cache-dir.ts names.
const cache = `${process.env.XDG_CACHE_HOME || `${process.env.HOME || os.homedir()}/.cache`}/kube-lessons`;
const caching = !process.env.NODE_DISABLE_COMPILE_CACHE;
const compileCache = `${cache}/compile-cache`;
if (caching && !process.env.NODE_COMPILE_CACHE && ownFolder(compileCache)) module.enableCompileCache?.(compileCache);
// Imported once the compile cache is on, so that its compiled code comes from there.
const { loadBundle } = await import('./load-bundle.js');
/** @type {ReturnType<typeof loadBundle>} */
let cli;
try {
  cli = loadBundle(bundle, caching ? `${cache}/code-cache` : undefined, process.argv[2]);
} catch (e) {
  // The bundle's own files are unusable (built by another version): one line, as the CLI reports a failure.
  if (/** @type {{ code?: unknown }} */ (e)?.code !== 'ERR_KUBE_LESSONS_BUNDLE') throw e;
  console.error(`error: ${/** @type {Error} */ (e).message}`);
  process.exit(1);
}
const code = await cli.exports.main(process.argv);
// Exit codes are core/errors.ts's ExitCode. A run that ended as the user meant (done, or stopped by Ctrl-C or
// SIGTERM) leaves its command's cache; a failure leaves one only where there is none (a failing `verify` is the
// learner's usual loop); a usage error none, so a mistyped command name never gets one.
if (code !== 2) cli.saveCache(code === 0 || code === 130 || code === 143);
process.exit(code);

/**
 * Whether `path` is a folder of this user's that nobody else may enter, in a folder nobody else may write; made so
 * (0700) when there is none. Node runs what its compile cache holds without such a check (as load-bundle.js makes
 * for its own), and every run takes load-bundle.js from there. A folder of this user's that others could reach
 * (an earlier release let Node make it with the user's umask) is emptied and closed first: what it holds may not
 * be ours. Windows has neither owners nor these mode bits: the folder is in the user's own profile.
 * @param {string} path
 */
function ownFolder(path) {
  try {
    if (process.platform === 'win32') {
      fs.mkdirSync(path, { recursive: true });
      return true;
    }
    const uid = process.getuid?.();
    const parent = path.slice(0, path.lastIndexOf('/'));
    fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
    const outer = fs.statSync(parent);
    if (!outer.isDirectory() || outer.uid !== uid) return false;
    // Our own cache folder: nobody else may swap what it holds.
    if (outer.mode & 0o022) fs.chmodSync(parent, outer.mode & 0o755);
    let stat = fs.lstatSync(path, { throwIfNoEntry: false });
    if (stat && stat.uid !== uid) return false;
    if (stat && (!stat.isDirectory() || (stat.mode & 0o077) !== 0)) {
      fs.rmSync(path, { recursive: true, force: true });
      stat = undefined;
    }
    if (!stat) fs.mkdirSync(path, { mode: 0o700 });
    return true;
  } catch {
    return false; // unreadable or unwritable: run without the cache
  }
}
