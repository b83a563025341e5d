/**
 * Waits until what was written to a stream has been handed to the operating system. On POSIX, Node writes
 * stdout and stderr asynchronously when they are pipes: whatever the pipe's buffer (64 KB on Linux) has not
 * taken yet waits in the stream, and process.exit, with which the CLI ends, drops it. So a large
 * `list-nodes -o json` piped into another program arrived cut at 64 KB.
 *
 * Guarantees: resolves at once when nothing is queued (the usual case: a small output went out in one
 * write); otherwise once all of it is out, or once writing failed (a reader that closed the pipe: the
 * stream's own 'error' listener decides what that means). It waits as long as the reader does not read,
 * as kubectl's blocking write does.
 */
import type { Writable } from 'node:stream';

export function flushed(stream: Pick<Writable, 'write' | 'writableLength' | 'destroyed'>): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  // Writes complete in order: the callback of an empty write runs after everything written before it.
  return new Promise((resolve) => stream.write('', () => resolve()));
}
