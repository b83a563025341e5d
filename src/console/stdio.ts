/**
 * Standard output and error as the CLI writes them. Node builds process.stdout (and stderr) on first use, and
 * for a pipe or a file that loads node:stream, for a pipe node:net too: on `--help` into a pipe (a script, a
 * test, the bench) that was ~340 page faults and a young-generation GC, more than the help itself costs. A
 * pipe, a socket, a file or /dev/null takes the text by write(2) instead, as kubectl writes it; a terminal,
 * or anything else, gets Node's own stream.
 *
 * Guarantees: text goes out whole and in the order written. Once the process's stream exists (built here or
 * by any code that reads process.stdout) everything goes through it, behind what it holds. A descriptor that
 * cannot take more without blocking (EAGAIN: non-blocking and full) hands the rest to the stream, which queues
 * it. Only the first DIRECT_BUDGET bytes go by write(2), then the stream takes over: a blocking write(2) into
 * a pipe whose reader stopped would hold the event loop, and with it the SIGINT/SIGTERM handlers. flushed()
 * resolves once everything written was handed to the operating system (flushed.ts). A failed write (EPIPE: the
 * reader left) is reported once to `onError`, on a later tick as the stream's 'error' event is, and later text
 * is dropped; the stream's own errors go to `onError` too.
 */
import { fstatSync, statSync, writeSync } from 'node:fs';
import { flushed } from './flushed.ts';
import type { OutputSink } from './output.ts';

/** The process's stream for a descriptor, as much of it as is used here. */
export type ProcessStream = Pick<NodeJS.WriteStream, 'write' | 'on' | 'isTTY' | 'columns' | 'writableLength' | 'destroyed'>;

export interface StandardStream extends OutputSink {
  readonly isTTY: boolean;
  readonly columns: number | undefined;
  write(text: string): boolean;
  /** Resolves once everything written so far has been handed to the operating system. */
  flushed(): Promise<void>;
}

/** What a standard stream needs from the process (tests pass their own). */
export interface StreamIO {
  /** True when write(2) may be used: the descriptor is a pipe, a socket, a file or /dev/null. */
  direct: boolean;
  /** write(2) of `bytes` from `offset`: how many it took; throws as fs.writeSync does. */
  write(bytes: Uint8Array, offset: number): number;
  /** The process's stream, built on first call. */
  stream(): ProcessStream;
  /** Calls `built` once with the stream when anything builds it (where direct). */
  watch(built: (stream: ProcessStream) => void): void;
}

/** Standard output (1) or error (2) of this process. */
export function standardStream(fd: 1 | 2, onError: (err: NodeJS.ErrnoException) => void): StandardStream {
  const name = fd === 1 ? 'stdout' : 'stderr';
  return createStandardStream(
    {
      direct: takesWrites(fd),
      write: (bytes, offset) => writeSync(fd, bytes, offset),
      stream: () => process[name],
      watch: (built) => watchBuilt(name, built),
    },
    onError,
  );
}

/**
 * Bytes written by write(2) before Node's stream takes over: half a Linux pipe's default 64 KiB, so the direct
 * writes of a short command (help, a listing) never wait on the reader.
 */
export const DIRECT_BUDGET = 32 * 1024;

export function createStandardStream(io: StreamIO, onError: (err: NodeJS.ErrnoException) => void): StandardStream {
  let stream: ProcessStream | undefined;
  let failed = false;
  let budget = DIRECT_BUDGET;
  const adopt = (built: ProcessStream) => {
    stream = built;
    built.on('error', onError);
  };
  if (io.direct) io.watch(adopt);
  // Not direct (a terminal): Node's stream, built on first use, as process.stdout itself would be.
  const current = () => {
    if (!stream && !io.direct) adopt(io.stream());
    return stream;
  };
  return {
    get isTTY() {
      return Boolean(current()?.isTTY);
    },
    get columns() {
      const s = current();
      return s?.isTTY ? s.columns : undefined;
    },
    write(text) {
      if (failed) return false;
      const s = current();
      if (s) return s.write(text);
      const bytes = Buffer.from(text);
      // Over the budget: the stream (built now, and adopted through io.watch) queues it without blocking.
      if (bytes.length > budget) return io.stream().write(bytes);
      budget -= bytes.length;
      let offset = 0;
      try {
        while (offset < bytes.length) offset += io.write(bytes, offset);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return io.stream().write(bytes.subarray(offset));
        failed = true;
        process.nextTick(onError, err);
        return false;
      }
    },
    flushed: () => (stream ? flushed(stream) : Promise.resolve()),
  };
}

/** A pipe, a socket, a file or /dev/null: Node's stream would write(2) to it too. Not on Windows. */
function takesWrites(fd: number): boolean {
  if (process.platform === 'win32') return false;
  try {
    const stat = fstatSync(fd);
    if (stat.isFIFO() || stat.isSocket() || stat.isFile()) return true;
    // Any other character device may be a terminal: Node's stream knows.
    return stat.isCharacterDevice() && stat.rdev === statSync('/dev/null').rdev;
  } catch {
    return false; // a closed descriptor: Node's stream decides what that means
  }
}

/** The streams this module saw built: Node's getter stays a getter after building, so that cannot tell. */
const seenBuilt = new Set<'stdout' | 'stderr'>();

/** Calls `built` with the stream when any code first reads process[name] (Node builds it then); puts Node's getter back. */
function watchBuilt(name: 'stdout' | 'stderr', built: (stream: ProcessStream) => void): void {
  const own = Object.getOwnPropertyDescriptor(process, name);
  if (seenBuilt.has(name) || !own?.get || !own.configurable) {
    built(process[name]);
    return;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: own.enumerable ?? true,
    get() {
      Object.defineProperty(process, name, own);
      seenBuilt.add(name);
      const stream = process[name];
      built(stream);
      return stream;
    },
  });
}
