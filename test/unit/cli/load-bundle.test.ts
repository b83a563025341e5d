// bin/load-bundle.js on small bundles written as scripts/bundle.js writes them (each file an object of CommonJS
// module functions by chunk name): the code runs as Node would run it, chunks required on first use included,
// each once, from the first file met that holds it; a command's code cache is written after it ran and used next time (a failed run's only until one
// goes well), and a changed file, a corrupt cache or another command never runs stale code.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadBundle } from '../../../bin/load-bundle.js';
import { tempDir } from '../../helpers/temp-dir.ts';

/** A file of the bundle: an object of CommonJS module functions by chunk name, the file's own first. */
const bundleFile = (chunks: Record<string, string>) =>
  `({${Object.entries(chunks)
    .map(([name, source]) => `${JSON.stringify(name)}:function(exports,require,module,__filename,__dirname){${source}\n}`)
    .join(',\n')}})\n`;

const SHARED = 'globalThis.sharedRuns = (globalThis.sharedRuns ?? 0) + 1; exports.add = (a, b) => a + b;';

/**
 * A folder with a bundle requiring a file beside it and two chunks on first use, and an empty cache folder;
 * `sharedInMain` puts a copy of the chunk both require in main.cjs's file, as the build does with the chunks
 * main.cjs requires at its top.
 */
function fixture(version = 1, sharedInMain = false) {
  const dir = tempDir('load-bundle-');
  const file = join(dir, 'main.cjs');
  writeFileSync(join(dir, 'dep.cjs'), 'module.exports = (n) => n * 2;');
  // Both chunks require the shared one: it must run once.
  writeFileSync(join(dir, 'chunk-shared-AB12.cjs'), bundleFile({ 'chunk-shared-AB12.cjs': SHARED }));
  writeFileSync(
    join(dir, 'chunk-sum-CD34.cjs'),
    bundleFile({ 'chunk-sum-CD34.cjs': "const { add } = require('./chunk-shared-AB12.cjs'); exports.sum = (xs) => xs.reduce(add, 0);" }),
  );
  writeFileSync(
    join(dir, 'chunk-count-EF56.cjs'),
    bundleFile({ 'chunk-count-EF56.cjs': "const { add } = require('./chunk-shared-AB12.cjs'); exports.count = (xs) => xs.map(() => 1).reduce(add, 0);" }),
  );
  writeFileSync(file, mainFile(version, sharedInMain));
  return { dir, file, cacheDir: join(dir, 'cache') };
}

/** main.cjs's file. The same length whatever the version (one digit): V8's own check of a cache looks only at the length. */
const mainFile = (version: number, sharedInMain = false) =>
  bundleFile({ 'main.cjs': mainSource(version), ...(sharedInMain ? { 'chunk-shared-AB12.cjs': SHARED } : {}) });

const mainSource = (version: number) =>
  `const double = require('./dep.cjs');\nexports.version = ${version};\nexports.run = () => [1, 2, 3].map((n) => double(n)).join(',');\nexports.where = __filename;\n` +
  `exports.sum = () => require('./chunk-sum-CD34.cjs').sum([1, 2, 3]);\nexports.count = () => require('./chunk-count-EF56.cjs').count([1, 2, 3]);\n`;

/** The chunks a cache file holds a V8 cache for (its header: a 4-byte length, then a JSON list of [chunk, bytes]). */
function chunksIn(cacheFile: string): string[] {
  const bytes = readFileSync(cacheFile);
  return (JSON.parse(bytes.toString('latin1', 4, 4 + bytes.readUInt32LE(0))) as [string, number][]).map(([chunk]) => chunk).sort();
}

const caches = (cacheDir: string) => readdirSync(cacheDir).sort();

const LOADER = new URL('../../../bin/load-bundle.js', import.meta.url).href;

/**
 * Loads the file in a fresh process, as the CLI does (V8 would otherwise find the source already compiled in
 * this one and never look at the cache), runs it, saves the cache; returns what became of the cache and the
 * file's answers.
 */
function runOnce(
  file: string,
  cacheDir: string,
  command: string | undefined,
  ranWell = true,
  calls: ('sum' | 'count')[] = [],
): { cache: string; version: number; run: string } {
  const source = `import { loadBundle } from '${LOADER}';
    const b = loadBundle(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)}, ${JSON.stringify(command)});
    for (const call of process.env.CALLS.split(',').filter(Boolean)) b.exports[call]();
    const out = { cache: b.cache, version: b.exports.version, run: b.exports.run() };
    b.saveCache(process.env.RAN_WELL === 'yes');
    console.log(JSON.stringify(out));`;
  // The outcome goes through the environment: the source is part of execArgv, which names the cache.
  const env = { ...process.env, RAN_WELL: ranWell ? 'yes' : 'no', CALLS: calls.join(',') };
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8', env })) as {
    cache: string;
    version: number;
    run: string;
  };
}

describe('loadBundle', () => {
  it('runs a CommonJS file with require, exports and __filename as Node would', () => {
    const { file, cacheDir } = fixture();
    const { exports } = loadBundle(file, cacheDir, 'list-nodes');
    assert.equal((exports.run as () => string)(), '2,4,6');
    assert.equal(exports.where, file);
  });

  it('runs each chunk once, on first use, with a require of its own', () => {
    const { file, cacheDir } = fixture();
    const { exports } = loadBundle(file, cacheDir, 'list-nodes');
    const g = globalThis as { sharedRuns?: number };
    const before = g.sharedRuns ?? 0;
    assert.equal((exports.sum as () => number)(), 6);
    assert.equal((exports.count as () => number)(), 3);
    assert.equal(g.sharedRuns, before + 1, 'the shared chunk ran once for both');
    assert.equal((exports.sum as () => number)(), 6);
    assert.equal(g.sharedRuns, before + 1);
  });

  it('runs a chunk from the first file met that holds it: once, and without reading its own', () => {
    const { dir, file, cacheDir } = fixture(1, true);
    const { exports } = loadBundle(file, cacheDir, 'list-nodes');
    rmSync(join(dir, 'chunk-shared-AB12.cjs'));
    const g = globalThis as { sharedRuns?: number };
    const before = g.sharedRuns ?? 0;
    assert.equal((exports.sum as () => number)(), 6);
    assert.equal((exports.count as () => number)(), 3);
    assert.equal(g.sharedRuns, before + 1);
  });

  it('says in one line to rebuild when a file does not hold the chunk it is named after', () => {
    const { dir, file, cacheDir } = fixture();
    writeFileSync(join(dir, 'chunk-sum-CD34.cjs'), bundleFile({ 'chunk-other-XY99.cjs': 'exports.sum = () => 0;' }));
    const { exports } = loadBundle(file, cacheDir, 'list-nodes');
    assert.throws(
      () => (exports.sum as () => number)(),
      /^Error: chunk-sum-CD34\.cjs does not hold the chunk it is named after: rebuild kube-lessons \(npm run build\)$/,
    );
  });

  it('says in one line to rebuild when a file is of another layout (a dist/ built before a pull)', () => {
    const { file, cacheDir } = fixture();
    writeFileSync(file, mainSource(1));
    assert.throws(
      () => loadBundle(file, cacheDir, 'list-nodes'),
      /^Error: main\.cjs was built by another version of kube-lessons: rebuild it \(npm run build\)$/,
    );
  });

  it('reads and writes no cache without a cache folder', () => {
    const { dir, file } = fixture();
    const loaded = loadBundle(file, undefined, 'list-nodes');
    assert.equal((loaded.exports.sum as () => number)(), 6);
    loaded.saveCache(true);
    assert.equal(loaded.cache, 'absent');
    assert.deepEqual(readdirSync(dir).sort(), ['chunk-count-EF56.cjs', 'chunk-shared-AB12.cjs', 'chunk-sum-CD34.cjs', 'dep.cjs', 'main.cjs']);
  });

  it("holds a cache for every file the command ran in the command's one file, and adds the chunks a later run loads", () => {
    const { file, cacheDir } = fixture();
    assert.equal(runOnce(file, cacheDir, 'learn', true, ['sum']).cache, 'absent');
    const [written] = caches(cacheDir);
    assert.deepEqual(chunksIn(join(cacheDir, written!)), ['chunk-shared-AB12.cjs', 'chunk-sum-CD34.cjs', 'main.cjs']);
    assert.equal(runOnce(file, cacheDir, 'learn', true, ['sum']).cache, 'used');
    // A failed run that loads a chunk the cache lacks leaves the cache alone.
    assert.equal(runOnce(file, cacheDir, 'learn', false, ['count']).cache, 'incomplete');
    assert.deepEqual(chunksIn(join(cacheDir, written!)), ['chunk-shared-AB12.cjs', 'chunk-sum-CD34.cjs', 'main.cjs']);
    // One that went well adds it, and keeps the chunks it did not load.
    assert.equal(runOnce(file, cacheDir, 'learn', true, ['count']).cache, 'incomplete');
    assert.deepEqual(caches(cacheDir), [written]);
    assert.deepEqual(chunksIn(join(cacheDir, written!)), ['chunk-count-EF56.cjs', 'chunk-shared-AB12.cjs', 'chunk-sum-CD34.cjs', 'main.cjs']);
    assert.equal(runOnce(file, cacheDir, 'learn', true, ['sum', 'count']).cache, 'used');
  });

  it("starts every file's cache on an 8-byte boundary, so that V8 reads it where it is instead of copying it", () => {
    // Headers of three lengths: without padding, most would leave the caches after them unaligned.
    for (const calls of [[], ['sum'], ['sum', 'count']] as ('sum' | 'count')[][]) {
      const { file, cacheDir } = fixture();
      runOnce(file, cacheDir, 'list-nodes', true, calls);
      const bytes = readFileSync(join(cacheDir, caches(cacheDir)[0]!));
      let at = 4 + bytes.readUInt32LE(0);
      const list = JSON.parse(bytes.toString('latin1', 4, at)) as [string, number][];
      assert.equal(list.length, calls.length + 1 + (calls.length > 0 ? 1 : 0));
      for (const [chunk, n] of list) {
        assert.equal(at % 8, 0, `${chunk} of ${list.length}`);
        at += n;
      }
      assert.equal(at, bytes.length);
    }
  });

  it("never runs a chunk's cache for another chunk: each is taken by its own file name", () => {
    const { file, cacheDir } = fixture();
    runOnce(file, cacheDir, 'list-nodes', true, ['sum', 'count']);
    const [name] = caches(cacheDir);
    // Swap the payloads of two chunks: V8 would take neither blindly (another length), and the names decide.
    const bytes = readFileSync(join(cacheDir, name!));
    const headerEnd = 4 + bytes.readUInt32LE(0);
    const list = JSON.parse(bytes.toString('latin1', 4, headerEnd)) as [string, number][];
    const swapped = list.map(([chunk, n]) => [
      chunk === 'chunk-sum-CD34.cjs' ? 'chunk-count-EF56.cjs' : chunk === 'chunk-count-EF56.cjs' ? 'chunk-sum-CD34.cjs' : chunk,
      n,
    ]);
    const header = Buffer.from(JSON.stringify(swapped), 'latin1');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    writeFileSync(join(cacheDir, name!), Buffer.concat([length, header, bytes.subarray(headerEnd)]));
    assert.deepEqual(runOnce(file, cacheDir, 'list-nodes', true, ['sum', 'count']), { cache: 'rejected', version: 1, run: '2,4,6' });
    assert.equal(runOnce(file, cacheDir, 'list-nodes', true, ['sum', 'count']).cache, 'used');
  });

  it('writes a cache named after the command once it ran, and uses it next time without writing again', () => {
    const { file, cacheDir } = fixture();
    assert.deepEqual(runOnce(file, cacheDir, 'list-nodes'), { cache: 'absent', version: 1, run: '2,4,6' });
    const [written] = caches(cacheDir);
    assert.match(written!, /^list-nodes-[0-9a-f]{8}-[0-9a-f]{8}\.bin$/);
    assert.equal(statSync(join(cacheDir, written!)).mode & 0o777, 0o600);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    const before = readFileSync(join(cacheDir, written!));
    assert.deepEqual(runOnce(file, cacheDir, 'list-nodes'), { cache: 'used', version: 1, run: '2,4,6' });
    assert.deepEqual(caches(cacheDir), [written]);
    assert.ok(readFileSync(join(cacheDir, written!)).equals(before), 'a cache in use is not rewritten');
  });

  it('never runs a cache of the file as it was before a rebuild (same length), and replaces it', () => {
    const { file, cacheDir } = fixture(1);
    runOnce(file, cacheDir, 'list-nodes');
    const [oldCache] = caches(cacheDir);
    writeFileSync(file, mainFile(2));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(runOnce(file, cacheDir, 'list-nodes'), { cache: 'absent', version: 2, run: '2,4,6' });
    const now = caches(cacheDir);
    assert.equal(now.length, 1, 'the old bundle’s cache for the command is gone');
    assert.notEqual(now[0], oldCache);
  });

  it('never runs a cache of another release installed in place: same length, mtime and inode, another hash', () => {
    const { file, cacheDir } = fixture(1);
    writeFileSync(`${file}.sha256`, 'one\n');
    const { mtime } = statSync(file);
    runOnce(file, cacheDir, 'list-nodes');
    writeFileSync(file, mainFile(2));
    writeFileSync(`${file}.sha256`, 'two\n');
    utimesSync(file, mtime, mtime);
    assert.deepEqual(runOnce(file, cacheDir, 'list-nodes'), { cache: 'absent', version: 2, run: '2,4,6' });
  });

  it("keeps a failed run's cache apart: used until a run that went well replaces it, never replacing a good one", () => {
    const { file, cacheDir } = fixture();
    assert.equal(runOnce(file, cacheDir, 'verify', false).cache, 'absent');
    assert.match(caches(cacheDir).join(), /^verify-[0-9a-f]{8}-[0-9a-f]{8}\.partial\.bin$/);
    assert.equal(runOnce(file, cacheDir, 'verify', false).cache, 'partial');
    assert.equal(runOnce(file, cacheDir, 'verify', true).cache, 'partial');
    assert.match(caches(cacheDir).join(), /^verify-[0-9a-f]{8}-[0-9a-f]{8}\.bin$/, 'replaced by a full one');
    const full = readFileSync(join(cacheDir, caches(cacheDir)[0]!));
    assert.equal(runOnce(file, cacheDir, 'verify', false).cache, 'used');
    assert.ok(readFileSync(join(cacheDir, caches(cacheDir)[0]!)).equals(full), 'a failure leaves the full cache as it was');
  });

  it('runs the file as if there were no cache when the cache is corrupt, then writes a good one', () => {
    const { file, cacheDir } = fixture();
    runOnce(file, cacheDir, 'list-nodes');
    const [name] = caches(cacheDir);
    for (const corrupt of ['not a V8 code cache', 'xx', '']) {
      writeFileSync(join(cacheDir, name!), corrupt);
      assert.deepEqual(runOnce(file, cacheDir, 'list-nodes'), { cache: 'rejected', version: 1, run: '2,4,6' });
      assert.equal(runOnce(file, cacheDir, 'list-nodes').cache, 'used');
    }
  });

  it('keeps one cache per command, and one for anything that is not a command name', () => {
    const { file, cacheDir } = fixture();
    for (const command of ['list-nodes', 'watch', '--help', undefined, 'Weird Name']) loadBundle(file, cacheDir, command).saveCache(true);
    assert.deepEqual(
      caches(cacheDir).map((f) => f.replace(/-[0-9a-f]{8}-[0-9a-f]{8}\.bin$/, '')),
      ['list-nodes', 'other', 'watch'],
    );
  });

  it('leaves the caches of another copy of the bundle alone', () => {
    const one = fixture();
    const other = fixture();
    runOnce(one.file, one.cacheDir, 'list-nodes');
    runOnce(other.file, one.cacheDir, 'list-nodes');
    assert.equal(caches(one.cacheDir).length, 2);
    assert.equal(runOnce(one.file, one.cacheDir, 'list-nodes').cache, 'used');
  });

  it('never runs a cache file that others may write, or that another user owns', () => {
    const { file, cacheDir } = fixture();
    assert.equal(runOnce(file, cacheDir, 'list-nodes').cache, 'absent');
    const [cacheFile] = caches(cacheDir);
    const path = join(cacheDir, cacheFile!);
    chmodSync(path, 0o622);
    assert.equal(runOnce(file, cacheDir, 'list-nodes').cache, 'absent', 'group- and world-writable: not used, and written again');
    assert.equal(statSync(join(cacheDir, caches(cacheDir)[0]!)).mode & 0o777, 0o600);
    assert.equal(runOnce(file, cacheDir, 'list-nodes').cache, 'used');
    if (process.getuid?.() === 0) {
      chownSync(join(cacheDir, caches(cacheDir)[0]!), 65534, 65534);
      assert.equal(runOnce(file, cacheDir, 'list-nodes').cache, 'absent', "another user's file: not used");
    }
  });

  it('says in one line to start again when a chunk went away under a running CLI (a rebuild or an upgrade)', () => {
    const { dir, file, cacheDir } = fixture();
    const { exports } = loadBundle(file, cacheDir, 'list-nodes');
    rmSync(join(dir, 'chunk-sum-CD34.cjs'));
    assert.throws(
      () => (exports.sum as () => number)(),
      /^Error: kube-lessons was rebuilt or upgraded while it ran \(chunk-sum-CD34\.cjs is gone\): start it again$/,
    );
  });

  it('only costs time when the cache folder cannot be written', () => {
    const { dir, file } = fixture();
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    const loaded = loadBundle(file, join(blocked, 'cache'), 'list-nodes');
    assert.doesNotThrow(() => loaded.saveCache(true));
    assert.equal((loaded.exports.run as () => string)(), '2,4,6');
  });
});
