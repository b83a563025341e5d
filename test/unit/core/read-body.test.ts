// A response body read as text (readBody, shared by both transports): whatever the chunks, the text is the
// body's; read ahead past the limit while nobody reads, the stream pauses and text() resumes it; a stream
// that closes before its end throws ConnectionLostError; a body is read once.
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConnectionLostError, readBody } from '../../../src/core/transport.ts';

const bodyOf = (stream: PassThrough, cutShort = () => false) => readBody(stream, new AbortController().signal, 'example.test', cutShort);

/** Cuts `bytes` at the given offsets (sorted, any may fall inside a multi-byte character). */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [0, ...[...new Set(offsets)].sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

describe('a response body read as text', () => {
  it('is the whole body however it is cut into chunks, UTF-8 characters split across them included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        async (text, rawCuts, readFirst) => {
          const bytes = Buffer.from(text);
          const stream = new PassThrough();
          const body = bodyOf(stream);
          // Asked for before the bytes arrive, or after all of them did.
          const read = readFirst ? body.text() : undefined;
          const pieces = cut(
            bytes,
            rawCuts.map((c) => c % (bytes.length + 1)),
          );
          for (const piece of pieces) stream.write(piece);
          stream.end();
          if (!readFirst) await once(stream, 'end');
          assert.equal(await (read ?? body.text()), text);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('resumes a stream that paused with more than the read-ahead limit waiting', async () => {
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    const body = bodyOf(stream);
    const piece = Buffer.alloc(600_000, 'é');
    const paused = once(stream, 'pause');
    for (let i = 0; i < 4; i++) stream.write(piece);
    stream.end();
    await paused;
    assert.equal(await body.text(), piece.toString().repeat(4));
  });

  it('throws ConnectionLostError when the stream closes before its end, or ends cut short', async () => {
    const closed = new PassThrough();
    const reading = bodyOf(closed).text();
    closed.write('{"items":[');
    closed.destroy();
    await assert.rejects(reading, ConnectionLostError);
    const short = new PassThrough();
    const text = bodyOf(short, () => true).text();
    short.end('{"items":[');
    await assert.rejects(text, ConnectionLostError);
  });

  it('is read once: text() or the chunks, not both', async () => {
    const stream = new PassThrough();
    const body = bodyOf(stream);
    stream.end('{}');
    assert.equal(await body.text(), '{}');
    await assert.rejects(body.text(), /already read/);
    await assert.rejects(body.chunks[Symbol.asyncIterator]().next(), /already read/);
  });
});
