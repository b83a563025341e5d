// bin/load-bundle.js on small CommonJS files: the code runs as Node would run it, a command's code cache is
// written after it ran and used next time (a failed run's only until one goes well), and a changed file, a
// corrupt cache or another command never runs stale code.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadBundle } from '../../../bin/load-bundle.js';
import { tempDir } from '../../helpers/temp-dir.ts';

/** A folder with a bundle requiring a file beside it, and an empty cache folder. */
function fixture(version = 1) {
  const dir = tempDir('load-bundle-');
  const file = join(dir, 'main.cjs');
  writeFileSync(join(dir, 'dep.cjs'), 'module.exports = (n) => n * 2;');
  writeFileSync(file, bundleSource(version));
  return { dir, file, cacheDir: join(dir, 'cache') };
}

/** The same length whatever the version (one digit): V8's own check of a cache looks only at the length. */
const bundleSource = (version: number) =>
  `const double = require('./dep.cjs');\nexports.version = ${version};\nexports.run = () => [1, 2, 3].map((n) => double(n)).join(',');\nexports.where = __filename;\n`;

const caches = (cacheDir: string) => readdirSync(cacheDir).sort();

const LOADER = new URL('../../../bin/load-bundle.js', import.meta.url).href;

/**
 * Loads the file in a fresh process, as the CLI does (V8 would otherwise find the source already compiled in
 * this one and never look at the cache), runs it, saves the cache; returns what became of the cache and the
 * file's answers.
 */
function runOnce(file: string, cacheDir: string, command: string | undefined, ranWell = true): { cache: string; version: number; run: string } {
  const source = `import { loadBundle } from '${LOADER}';
    const b = loadBundle(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)}, ${JSON.stringify(command)});
    const out = { cache: b.cache, version: b.exports.version, run: b.exports.run() };
    b.saveCache(process.env.RAN_WELL === 'yes');
    console.log(JSON.stringify(out));`;
  // The outcome goes through the environment: the source is part of execArgv, which names the cache.
  const env = { ...process.env, RAN_WELL: ranWell ? 'yes' : 'no' };
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
    writeFileSync(file, bundleSource(2));
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
    writeFileSync(file, bundleSource(2));
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
    writeFileSync(join(cacheDir, name!), 'not a V8 code cache');
    assert.deepEqual(runOnce(file, cacheDir, 'list-nodes'), { cache: 'rejected', version: 1, run: '2,4,6' });
    assert.equal(runOnce(file, cacheDir, 'list-nodes').cache, 'used');
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

  it('only costs time when the cache folder cannot be written', () => {
    const { dir, file } = fixture();
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    const loaded = loadBundle(file, join(blocked, 'cache'), 'list-nodes');
    assert.doesNotThrow(() => loaded.saveCache(true));
    assert.equal((loaded.exports.run as () => string)(), '2,4,6');
  });
});
