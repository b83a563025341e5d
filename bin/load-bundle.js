// Loads the CLI's bundle, main.cjs, and the chunks it requires on first use (scripts/bundle.js), with a V8 code
// cache taken after a command ran, one per command name. Node's own compile cache is taken before the code runs,
// so it misses the functions a command then calls (~10% of `list-nodes` in instructions). Each file of the bundle
// is an object of CommonJS module functions by chunk name, its own chunk first: main.cjs also holds the chunks
// every run requires at its top, so that a run compiles one script for them, not one per chunk, and the other
// files the small chunks they require at their top (copies: a chunk may be in several). Node's require
// cannot load such a file; this loader runs each chunk once, as require would, from the first file met that
// holds it.
//
// Guarantees: a command's cache is one file holding a V8 cache for each file of the bundle it loaded, named after the
// command, the bundle's path, the content hash of main.cjs and all its chunks, main.cjs's size, mtime and inode,
// the Node version and its flags, so another build or Node never meets a stale one (V8 itself checks only its
// version, flags and the source's length, not the payload). It is written atomically (a temporary file renamed)
// by saveCache(), 0600 in a 0700 folder, so a crash mid-write leaves none; writing replaces that command's cache
// for any other build or Node. A cache is used only when this user owns it and nobody else may write it: V8
// runs its bytecode unchecked, so a file another user could write would run their code. Failing to read or
// write a cache only costs time.
//
// The functions every run calls are written `/** @type {...} */ (function name() {...})`: V8 compiles a function
// in parentheses with its script, so Node's compile cache (bin/kube-lessons.js) holds its bytecode, where any other
// function is parsed again and compiled on its first call in every run (~1.8M instructions of list-nodes, measured).

/** A short, stable hash (FNV-1a, 32 bits) of a string, in hex. */
const fnv1a = /** @type {(text: string) => string} */ (
  function fnv1a(text) {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return (h >>> 0).toString(16).padStart(8, '0');
  }
);

/**
 * The bytes of a cache file, or undefined when another user owns it or others may write it (checked on the
 * open file, so it cannot be swapped between the check and the read). Throws when there is none. Windows has
 * neither owners nor these mode bits here (fstat says 0o666 for every file): the file is in the user's own
 * profile folder, so it is read as it is.
 */
const readTrusted = /** @type {(path: string) => Buffer | undefined} */ (
  function readTrusted(path) {
    const { closeSync, fstatSync, openSync, readFileSync } = process.getBuiltinModule('node:fs');
    const fd = openSync(path, 'r');
    try {
      const { uid, mode } = fstatSync(fd);
      if (process.platform !== 'win32' && ((process.getuid && uid !== process.getuid()) || (mode & 0o022) !== 0)) return undefined;
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  }
);

/**
 * An error of the bundle's files themselves, which bin/kube-lessons.js reports in one line.
 * @param {string} message @param {unknown} [cause]
 */
const bundleError = (message, cause) => Object.assign(new Error(message, { cause }), { code: 'ERR_KUBE_LESSONS_BUNDLE' });

/** How a chunk is required, by main.cjs or by another chunk: held by a file met so far, or by its own beside main.cjs. */
const CHUNK = /^\.\/(chunk-[A-Za-z0-9_-]+\.cjs)$/;

/**
 * One cache file holds a V8 cache per file of the bundle: a 4-byte length, a JSON list of [file, bytes], the caches.
 * The list is padded with spaces so that the caches start 8-byte aligned (V8 makes their lengths multiples of 8):
 * V8 copies a cache that is not before it reads it, ~270 KB for list-nodes, every page of it a fault.
 * @param {Map<string, Buffer>} caches
 */
function pack(caches) {
  const { Buffer } = process.getBuiltinModule('node:buffer');
  const list = JSON.stringify([...caches].map(([chunk, data]) => [chunk, data.length]));
  const header = Buffer.from(list.padEnd(list.length + ((8 - ((4 + list.length) % 8)) % 8)), 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([length, header, ...caches.values()]);
}

/** The caches in a file pack() wrote; throws on anything else. */
const unpack = /** @type {(file: Buffer) => Map<string, Buffer>} */ (
  function unpack(file) {
    const headerEnd = 4 + file.readUInt32LE(0);
    /** @type {unknown} */
    const list = JSON.parse(file.toString('latin1', 4, headerEnd));
    if (!Array.isArray(list)) throw new Error('not a cache list');
    const caches = new Map();
    let at = headerEnd;
    for (const [chunk, bytes] of list) {
      if (typeof chunk !== 'string' || !Number.isInteger(bytes) || bytes < 0) throw new Error('not a cache list');
      caches.set(chunk, file.subarray(at, at + bytes));
      at += bytes;
    }
    if (at !== file.length) throw new Error('truncated');
    return caches;
  }
);

/**
 * @typedef {'used' | 'partial' | 'absent' | 'incomplete' | 'rejected'} CacheState
 * used: every file loaded so far ran from the cache; partial: from a failed run's cache; absent: none yet;
 * incomplete: a cache, but without some file this run loaded; rejected: unreadable, or V8 refused a file's.
 */

/** @typedef {{ exports: Record<string, unknown>, readonly cache: CacheState, saveCache(ranWell: boolean): void }} Bundle */

/**
 * Runs the chunk of the bundle file `file` named after it, and the chunks it requires, with the code cache for
 * `command` from `cacheDir` (none without one); returns its exports, what became of the cache so far, and
 * `saveCache(ranWell)`, which writes one when there was none, V8 rejected it, a run that went well loaded a file
 * it lacks, or a run that went well finds only a failed run's.
 */
export const loadBundle = /** @type {(file: string, cacheDir: string | undefined, command: string | undefined) => Bundle} */ (
  function loadBundle(file, cacheDir, command) {
    // Built-ins through process.getBuiltinModule, not import: an ES module import of each builds its export
    // facade, ~9 ms of start-up for these four (measured), more than the cache saves on `--help`.
    const { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
    const module = process.getBuiltinModule('node:module');
    const { basename, dirname, join, sep } = process.getBuiltinModule('node:path');
    const vm = process.getBuiltinModule('node:vm');
    const { size, mtimeMs, ino } = statSync(file);
    // The build writes the hash of the bundle and its chunks beside it: npm gives installed files one fixed mtime
    // and inodes are reused, so an upgrade in place could otherwise match the old release's cache.
    let hash = '';
    try {
      hash = readFileSync(`${file}.sha256`, 'latin1').trim();
    } catch {
      // a bundle without one (a test's): size, mtime and inode alone
    }
    const name = /^[a-z][a-z0-9-]{0,40}$/.test(command ?? '') ? command : 'other';
    // This command's caches for this copy of the bundle share the prefix (another install keeps its own).
    const prefix = `${name}-${fnv1a(file)}-`;
    const base = join(cacheDir ?? '', `${prefix}${fnv1a(JSON.stringify([process.version, process.arch, process.execArgv, hash, size, mtimeMs, ino]))}`);
    // A failed run (an unreachable server, a learner's failing `verify`) ran less of the code: its cache is kept
    // apart, used only until a run that went well replaces it.
    const cacheFile = `${base}.bin`;
    const partialFile = `${base}.partial.bin`;
    /** @type {Map<string, Buffer>} */
    let stored = new Map();
    /** @type {'none' | 'full' | 'partial'} */
    let from = 'none';
    let unreadable = false;
    for (const [path, kind] of /** @type {const} */ ([
      [cacheFile, 'full'],
      [partialFile, 'partial'],
    ])) {
      if (cacheDir === undefined) break;
      /** @type {Buffer | undefined} */
      let bytes;
      try {
        bytes = readTrusted(path);
      } catch {
        continue; // none yet
      }
      if (!bytes) continue;
      from = kind;
      try {
        stored = unpack(bytes);
      } catch {
        unreadable = true;
      }
      break;
    }

    const dir = dirname(file);
    /** The files run so far, by name. @type {Map<string, { script: import('node:vm').Script, state: 'used' | 'absent' | 'rejected' }>} */
    const loaded = new Map();
    /** The chunks the files run so far hold, by name: the first copy met wins. @type {Map<string, Function>} */
    const defined = new Map();
    /** The chunks run so far (or running: a cycle gets the exports so far, as with require), by name. @type {Map<string, { exports: unknown }>} */
    const modules = new Map();
    /** Node's require for the bundle, made on first use: most runs require built-ins alone. @type {NodeJS.Require | undefined} */
    let nodeRequire;
    const fromNode = () => (nodeRequire ??= module.createRequire(file));
    const require = Object.assign(
      /** @type {(id: string) => unknown} */ (
        function require(id) {
          const chunk = CHUNK.exec(id)?.[1];
          if (chunk) return run(chunk);
          // A built-in straight from Node: the module require would give, without a pass through its loader.
          return id.startsWith('node:') ? process.getBuiltinModule(id) : fromNode()(id);
        }
      ),
      // The chunks' one other use of require (import.meta.resolve, scripts/bundle.js).
      { resolve: (/** @type {string} */ id, /** @type {{ paths?: string[] }} */ options) => fromNode().resolve(id, options) },
    );

    /** Runs the file `name`, an object of CommonJS module functions by chunk name (scripts/bundle.js). */
    const runFile = /** @type {(name: string) => void} */ (
      function runFile(name) {
        const path = `${dir}${sep}${name}`;
        // The build guarantees ASCII (scripts/bundle.js): latin1 skips UTF-8 decoding.
        let source;
        try {
          source = readFileSync(path, 'latin1');
        } catch (e) {
          // Chunks load on first use: a rebuild or an in-place upgrade under a running CLI removes the old ones.
          if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'ENOENT') throw e;
          throw bundleError(`kube-lessons was rebuilt or upgraded while it ran (${name} is gone): start it again`, e);
        }
        // A file of another layout (a checkout's dist/ built before a pull) would fail somewhere inside: say so once.
        if (!source.startsWith('({')) throw bundleError(`${name} was built by another version of kube-lessons: rebuild it (npm run build)`);
        const cachedData = stored.get(name);
        const script = new vm.Script(source, { filename: path, cachedData });
        loaded.set(name, { script, state: !cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used' });
        const chunks = /** @type {unknown} */ (script.runInThisContext());
        if (typeof chunks !== 'object' || chunks === null) return;
        for (const [chunk, define] of Object.entries(chunks)) if (!defined.has(chunk) && typeof define === 'function') defined.set(chunk, define);
      }
    );

    /** Runs a chunk once, as Node's require would. */
    const run = /** @type {(name: string) => unknown} */ (
      function run(name) {
        const done = modules.get(name);
        if (done) return done.exports;
        if (!defined.has(name)) runFile(name);
        const define = defined.get(name);
        if (!define) throw bundleError(`${name} does not hold the chunk it is named after: rebuild kube-lessons (npm run build)`);
        // Not path.join: its normalising, run for every chunk, was hot enough for V8 to optimise (CPU and memory).
        const path = `${dir}${sep}${name}`;
        const mod = { exports: {}, filename: path, id: path, loaded: false };
        modules.set(name, mod);
        define.call(mod.exports, mod.exports, require, mod, path, dir);
        mod.loaded = true;
        return mod.exports;
      }
    );

    const exports = /** @type {Record<string, unknown>} */ (run(basename(file)));
    const state = /** @type {() => CacheState} */ (
      function state() {
        /** @type {Set<CacheState>} */
        const states = new Set();
        for (const c of loaded.values()) states.add(c.state);
        if (from === 'none') return 'absent';
        if (unreadable || states.has('rejected')) return 'rejected';
        if (from === 'partial') return 'partial';
        return states.has('absent') ? 'incomplete' : 'used';
      }
    );
    return {
      exports,
      get cache() {
        return state();
      },
      saveCache: /** @type {(ranWell: boolean) => void} */ (
        function saveCache(ranWell) {
          const cache = state();
          if (cacheDir === undefined || cache === 'used' || ((cache === 'partial' || cache === 'incomplete') && !ranWell)) return;
          const target = ranWell ? cacheFile : partialFile;
          try {
            // A full cache gains the files this run loaded; it keeps those of files this run did not load.
            const caches = new Map(target === cacheFile && from === 'full' && !unreadable ? stored : []);
            for (const [key, { script }] of loaded) caches.set(key, script.createCachedData());
            mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
            chmodSync(cacheDir, 0o700);
            const temporary = `${target}.${process.pid}.tmp`;
            writeFileSync(temporary, pack(caches), { mode: 0o600 });
            renameSync(temporary, target);
            for (const f of readdirSync(cacheDir)) if (f.startsWith(prefix) && f !== basename(target)) rmSync(join(cacheDir, f), { force: true });
          } catch {
            // a cache is only a speed-up
          }
        }
      ),
    };
  }
);
