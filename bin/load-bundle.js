// Loads the CLI's CommonJS bundle with a V8 code cache taken after a command ran, one per command name. Node's
// own compile cache is taken before the code runs, so it misses the functions a command then calls (~10% of
// `list-nodes` in instructions).
//
// Guarantees: a cache is named after the command, the bundle's path, content hash, size, mtime and inode, the
// Node version and its flags, so another build or Node never meets a stale one (V8 itself checks only its
// version, flags and the source's length, not the payload). It is written atomically (a temporary file renamed)
// by saveCache(), 0600 in a 0700 folder, so a crash mid-write leaves none; writing replaces that command's cache
// for any other build or Node. Failing to read or write a cache only costs time.

/** A short, stable hash (FNV-1a, 32 bits) of a string, in hex. @param {string} text */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Runs the CommonJS file `file` with the code cache for `command` from `cacheDir`; returns its exports, what
 * became of the cache, and `saveCache(ranWell)`, which writes one when there was none, V8 rejected it, or a run
 * that went well finds only a failed run's.
 * @param {string} file @param {string} cacheDir @param {string | undefined} command
 * @returns {{ exports: Record<string, unknown>, cache: 'used' | 'partial' | 'absent' | 'rejected', saveCache(ranWell: boolean): void }}
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
  // The build writes the bundle's hash beside it: npm gives installed files one fixed mtime and inodes are
  // reused, so an upgrade in place could otherwise match the old release's cache.
  let hash = '';
  try {
    hash = readFileSync(`${file}.sha256`, 'utf8').trim();
  } catch {
    // a bundle without one (a test's): size, mtime and inode alone
  }
  const name = /^[a-z][a-z0-9-]{0,40}$/.test(command ?? '') ? command : 'other';
  // This command's caches for this copy of the bundle share the prefix (another install keeps its own).
  const prefix = `${name}-${fnv1a(file)}-`;
  const base = join(cacheDir, `${prefix}${fnv1a(JSON.stringify([process.version, process.arch, process.execArgv, hash, size, mtimeMs, ino]))}`);
  // A failed run (an unreachable server, a learner's failing `verify`) ran less of the code: its cache is kept
  // apart, used only until a run that went well replaces it.
  const cacheFile = `${base}.bin`;
  const partialFile = `${base}.partial.bin`;
  /** @type {Buffer | undefined} */
  let cachedData;
  let partial = false;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    try {
      cachedData = readFileSync(partialFile);
      partial = true;
    } catch {
      // none yet
    }
  }
  const script = new vm.Script(module.wrap(source), { filename: file, cachedData });
  const mod = { exports: {}, filename: file, id: file };
  script.runInThisContext()(mod.exports, module.createRequire(file), mod, file, dirname(file));
  const cache = !cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : partial ? 'partial' : 'used';
  return {
    exports: mod.exports,
    cache,
    saveCache(ranWell) {
      if (cache === 'used' || (cache === 'partial' && !ranWell)) return;
      const target = ranWell ? cacheFile : partialFile;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        chmodSync(cacheDir, 0o700);
        const temporary = `${target}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, target);
        for (const f of readdirSync(cacheDir)) if (f.startsWith(prefix) && f !== target.slice(cacheDir.length + 1)) rmSync(join(cacheDir, f), { force: true });
      } catch {
        // a cache is only a speed-up
      }
    },
  };
}
