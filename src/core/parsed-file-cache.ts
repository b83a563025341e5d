/**
 * Remembers what a YAML file parsed to, keyed by its path, size, inode and modification time, so a command
 * reading an unchanged kubeconfig skips loading the YAML parser (~120 KB of code, the largest part of a
 * cluster command's start-up after Node itself). A kubeconfig holds credentials, so the cache lives in a
 * folder only its owner can enter (0700) and each entry is written 0600; a folder with other permissions
 * or another owner is not used. Any failure falls back to parsing: the cache can only save time.
 */
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { fnv1a } from '../machinery/fnv1a.ts';
import { userCacheDir } from './cache-dir.ts';

const VERSION = 1;
/** The offset basis of entryName's second hash: any other than FNV-1a's usual one. */
const SECOND_BASIS = 0x21662b3f;

interface Entry {
  v: number;
  path: string;
  size: number;
  ino: number;
  mtimeNs: string;
  value: unknown;
}

export interface ParsedFile {
  text: string | undefined;
  value: unknown;
}

/**
 * Returns the parsed value of `file`: from the cache when the file is unchanged, else `parse(text)` (stored
 * for next time). `parse` may throw; nothing is cached then. Returns `text` only when it parsed afresh. A file
 * this user may no longer read throws as reading it would (EACCES), cached or not: chmod changes no mtime.
 */
export async function readParsed(file: string, parse: (text: string) => Promise<unknown>, env: NodeJS.ProcessEnv = process.env): Promise<ParsedFile> {
  const stats = statSync(file, { bigint: true });
  const dir = privateDir(env);
  const entryFile = dir ? join(dir, `${entryName(file)}.json`) : undefined;
  const key = { path: file, size: Number(stats.size), ino: Number(stats.ino), mtimeNs: String(stats.mtimeNs) };
  if (entryFile) {
    const hit = readEntry(entryFile);
    if (hit && hit.v === VERSION && hit.path === key.path && hit.size === key.size && hit.ino === key.ino && hit.mtimeNs === key.mtimeNs) {
      accessSync(file, constants.R_OK);
      return { text: undefined, value: hit.value };
    }
  }
  const text = readFileSync(file, 'utf8');
  const value = await parse(text);
  // A file modified while we read it keeps no entry: its mtime would not match the text we parsed.
  if (entryFile && Buffer.byteLength(text) === key.size) {
    writeEntry(entryFile, { v: VERSION, ...key, value });
    dropOldEntries(dirname(entryFile));
  }
  return { text, value };
}

/**
 * An entry's file name, from its path: two FNV-1a hashes with different offset bases. Not node:crypto, whose
 * first digest costs ~1M instructions of OpenSSL set-up on every cluster command's path. Two paths that collide
 * share a file and only cost a parse: an entry holds its path, which must match.
 */
export function entryName(path: string): string {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return hex(fnv1a(path)) + hex(fnv1a(path, SECOND_BASIS));
}

/** An earlier release named entries by 32 hex digits of a sha256: they hold credentials nothing reads now. */
const OLD_ENTRY = /^[0-9a-f]{32}\.json$/;

function dropOldEntries(dir: string): void {
  try {
    for (const name of readdirSync(dir)) if (OLD_ENTRY.test(name)) rmSync(join(dir, name), { force: true });
  } catch {
    // they only take space
  }
}

function readEntry(file: string): Entry | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Entry;
  } catch {
    return undefined;
  }
}

function writeEntry(file: string, entry: Entry): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // read-only home, full disk: parse next time
  }
}

/** The cache folder if it is ours and closed to everyone else (created so when missing), else undefined. */
function privateDir(env: NodeJS.ProcessEnv): string | undefined {
  const dir = join(userCacheDir(env), 'parsed');
  let stats: Stats;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    stats = statSync(dir);
  } catch {
    return undefined;
  }
  const uid = process.getuid?.();
  if ((stats.mode & 0o077) !== 0 || (uid !== undefined && stats.uid !== uid)) return undefined;
  return dir;
}
