import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeWatchEvent, lengthDelimitedFrames, MAX_FRAME_BYTES } from '../../../../src/core/protobuf/watch-frames.ts';
import { bytes, envelope, frame, int, len, str } from './encode.ts';
import { EMPTY_THING, fixtureSchema } from './fixture-schema.ts';

async function collect(chunks: Uint8Array[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of lengthDelimitedFrames(
    (async function* () {
      yield* chunks;
    })(),
  ))
    out.push(Uint8Array.from(f));
  return out;
}

/** `data` cut at the given offsets. */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, data.length]) {
    out.push(data.subarray(at, p));
    at = p;
  }
  return out;
}

describe('lengthDelimitedFrames', () => {
  it('gives the same whole frames in order however the stream is chunked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), async (bodies, cuts) => {
        const stream = bytes(...bodies.map(frame));
        assert.deepStrictEqual(await collect(split(stream, cuts)), bodies);
      }),
    );
  });

  it('throws one clear error when the stream ends inside a frame', async () => {
    const whole = bytes(frame(Uint8Array.of(1, 2, 3)), frame(Uint8Array.of(4, 5, 6, 7)));
    await assert.rejects(collect([whole.subarray(0, whole.length - 2)]), /ended inside a frame \(6 of 8 bytes\)/);
    await assert.rejects(collect([whole.subarray(0, 9)]), /ended inside a frame \(2 of 4 bytes\)/);
  });

  it('refuses a frame longer than the limit before buffering it', async () => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1);
    await assert.rejects(collect([head]), /exceeds/);
  });
});

describe('decodeWatchEvent', () => {
  const schema = fixtureSchema();
  it('decodes the type and the object inside the event’s RawExtension', () => {
    const event = bytes(str(1, 'ADDED'), len(2, len(1, envelope('test/v1', 'Thing', str(2, 'a')))));
    assert.deepStrictEqual(decodeWatchEvent(event, schema), { type: 'ADDED', object: { ...EMPTY_THING, name: 'a' } });
  });

  it('decodes an ERROR event’s Status', () => {
    const status = envelope('v1', 'Status', bytes(str(2, 'Failure'), str(4, 'Expired'), int(6, 410)));
    assert.deepStrictEqual(decodeWatchEvent(bytes(str(1, 'ERROR'), len(2, len(1, status))), schema), {
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 },
    });
  });

  it('refuses an event without a type or an object', () => {
    assert.throws(() => decodeWatchEvent(bytes(str(1, 'ADDED')), schema), /without an object/);
    assert.throws(() => decodeWatchEvent(bytes(len(2, len(1, envelope('v1', 'Status', [])))), schema), /without a type/);
  });
});
