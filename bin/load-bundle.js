// Loads the CLI's CommonJS bundle with a V8 code cache taken after a command ran, one per command name.
// Node's own compile cache (NODE_COMPILE_CACHE, module.enableCompileCache) is taken before the code runs, so
// it holds only the bundle's top level: the ~700 functions a command then calls (each module's body, the
// client, commander) were parsed and compiled again on every run, ~10% of `list-nodes` in instructions. A
// cache taken once the command is done holds their bytecode too.
//
// Guarantees: the cache file is named after the command, the bundle's path, size, mtime and inode, the Node
// version and its flags, so a rebuilt bundle or another Node never meets a stale cache (V8 itself checks only
// the source's length); V8 rejects a corrupt or foreign one and the bundle then compiles as if there were
// none. saveCache() (the caller calls it after a run that did not fail) writes atomically (a temporary file
// renamed), 0600 in a 0700 folder, and removes that command's caches for earlier builds of the same bundle
// file; any failure to read or write a cache only costs time.

/** A short, stable hash (FNV-1a, 32 bits) of a string, in hex. @param {string} text */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Runs the CommonJS file `file` with the code cache for `command` from `cacheDir`; returns its exports, what
 * became of the cache, and `saveCache()`, which writes a fresh cache when there was none or V8 rejected it.
 * @param {string} file @param {string} cacheDir @param {string | undefined} command
 * @returns {{ exports: Record<string, unknown>, cache: 'used' | 'absent' | 'rejected', saveCache(): void }}
 */
export function loadBundle(file, cacheDir, command) {
  // Built-ins through process.getBuiltinModule, not import: an ES module import of each builds its export
  // facade, ~9 ms of start-up for these four (measured), more than the cache saves on `--help`. Called here,
  // not at the top, so that the entry's Node version check runs first.
  const { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
  const module = process.getBuiltinModule('node:module');
  const { dirname, join } = process.getBuiltinModule('node:path');
  const vm = process.getBuiltinModule('node:vm');
  const source = readFileSync(file, 'utf8');
  const { size, mtimeMs, ino } = statSync(file);
  const name = /^[a-z][a-z0-9-]{0,40}$/.test(command ?? '') ? command : 'other';
  // This command's caches for this copy of the bundle share the prefix (another install keeps its own).
  const prefix = `${name}-${fnv1a(file)}-`;
  const cacheFile = join(cacheDir, `${prefix}${fnv1a(JSON.stringify([process.version, process.arch, process.execArgv, size, mtimeMs, ino]))}.bin`);
  /** @type {Buffer | undefined} */
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet
  }
  const script = new vm.Script(module.wrap(source), { filename: file, cachedData });
  const mod = { exports: {}, filename: file, id: file };
  script.runInThisContext()(mod.exports, module.createRequire(file), mod, file, dirname(file));
  return {
    exports: mod.exports,
    cache: !cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used',
    saveCache() {
      if (cachedData && !script.cachedDataRejected) return;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        chmodSync(cacheDir, 0o700);
        const temporary = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, cacheFile);
        for (const f of readdirSync(cacheDir))
          if (f.startsWith(prefix) && f !== cacheFile.slice(cacheDir.length + 1)) rmSync(join(cacheDir, f), { force: true });
      } catch {
        // a cache is only a speed-up
      }
    },
  };
}
