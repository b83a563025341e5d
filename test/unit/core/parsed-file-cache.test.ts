import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entryName, readParsed } from '../../../src/core/parsed-file-cache.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { withFsError } from '../../helpers/fs-error.ts';

function setup() {
  const root = tempDir('parsed-cache-');
  const env = { XDG_CACHE_HOME: join(root, 'cache') };
  const file = join(root, 'config.yaml');
  writeFileSync(file, 'token: secret-one\n');
  let parses = 0;
  const parse = async (text: string) => {
    parses++;
    return { text };
  };
  return { root, env, file, parse, parses: () => parses, cacheDir: join(root, 'cache', 'kube-lessons', 'parsed') };
}

describe('parsed file cache', () => {
  it('parses once, then answers from the cache until the file changes', async () => {
    const s = setup();
    const first = await readParsed(s.file, s.parse, s.env);
    assert.deepEqual(first, { text: 'token: secret-one\n', value: { text: 'token: secret-one\n' } });
    const second = await readParsed(s.file, s.parse, s.env);
    assert.deepEqual(second, { text: undefined, value: { text: 'token: secret-one\n' } });
    assert.equal(s.parses(), 1);
    writeFileSync(s.file, 'token: secret-two\n');
    // Same size, so only the modification time tells: make sure it differs.
    utimesSync(s.file, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual((await readParsed(s.file, s.parse, s.env)).value, { text: 'token: secret-two\n' });
    assert.equal(s.parses(), 2);
  });

  it('refuses a cached file this user may no longer read, as reading it would, rather than answering from the cache', async () => {
    const s = setup();
    await readParsed(s.file, s.parse, s.env);
    await withFsError('accessSync', s.file, 'EACCES', () => assert.rejects(readParsed(s.file, s.parse, s.env), { code: 'EACCES' }));
    assert.equal(s.parses(), 1);
  });

  it('keeps entries readable only by their owner, in a folder only the owner can enter', async () => {
    const s = setup();
    await readParsed(s.file, s.parse, s.env);
    assert.equal(statSync(s.cacheDir).mode & 0o777, 0o700);
    const [entry] = readdirSync(s.cacheDir);
    assert.equal(statSync(join(s.cacheDir, entry!)).mode & 0o777, 0o600);
  });

  it('does not use a cache folder others can read', async () => {
    const s = setup();
    mkdirSync(s.cacheDir, { recursive: true });
    chmodSync(s.cacheDir, 0o755);
    await readParsed(s.file, s.parse, s.env);
    await readParsed(s.file, s.parse, s.env);
    assert.equal(s.parses(), 2);
    assert.deepEqual(readdirSync(s.cacheDir), []);
  });

  it('caches nothing when parsing fails, and survives a corrupt entry', async () => {
    const s = setup();
    await assert.rejects(
      readParsed(s.file, async () => Promise.reject(new Error('bad yaml')), s.env),
      /bad yaml/,
    );
    assert.deepEqual(readdirSync(s.cacheDir), []);
    await readParsed(s.file, s.parse, s.env);
    const [entry] = readdirSync(s.cacheDir);
    writeFileSync(join(s.cacheDir, entry!), '{not json');
    assert.deepEqual((await readParsed(s.file, s.parse, s.env)).value, { text: 'token: secret-one\n' });
    assert.equal(s.parses(), 2);
    assert.equal((JSON.parse(readFileSync(join(s.cacheDir, entry!), 'utf8')) as { path: string }).path, s.file, 'the corrupt entry was replaced');
  });

  it('keeps one entry per path, and never answers one path with an entry another path left under its name', async () => {
    const s = setup();
    const other = join(s.root, 'other.yaml');
    writeFileSync(other, 'token: secret-other\n');
    await readParsed(s.file, s.parse, s.env);
    await readParsed(other, s.parse, s.env);
    assert.equal(readdirSync(s.cacheDir).length, 2);
    assert.notEqual(entryName(s.file), entryName(other));
    // A name collision: the other file's entry stored under this file's name is not this file's.
    writeFileSync(join(s.cacheDir, `${entryName(s.file)}.json`), readFileSync(join(s.cacheDir, `${entryName(other)}.json`)));
    assert.deepEqual((await readParsed(s.file, s.parse, s.env)).value, { text: 'token: secret-one\n' });
    assert.equal(s.parses(), 3);
  });

  it("removes the entries an earlier release named after a sha256 when it stores one, and keeps today's", async () => {
    const s = setup();
    const other = join(s.root, 'other.yaml');
    writeFileSync(other, 'token: secret-other\n');
    await readParsed(other, s.parse, s.env);
    const old = `${'ab'.repeat(16)}.json`;
    writeFileSync(join(s.cacheDir, old), '{"token":"old"}', { mode: 0o600 });
    await readParsed(s.file, s.parse, s.env);
    assert.deepEqual(readdirSync(s.cacheDir).sort(), [`${entryName(other)}.json`, `${entryName(s.file)}.json`].sort());
  });
});
