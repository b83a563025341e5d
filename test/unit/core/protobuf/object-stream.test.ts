import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ObjectStreamDecoder } from '../../../../src/core/protobuf/object-stream.ts';
import { decodeObject } from '../../../../src/core/protobuf/objects.ts';
import { bytes, envelope, int, len, str } from './encode.ts';
import { fixtureSchema } from './fixture-schema.ts';

const schema = fixtureSchema();

/** A ThingList of the given items, its envelope ending with an empty contentType as the API server's does. */
const list = (names: string[]) =>
  envelope('test/v1', 'ThingList', bytes(len(1, str(2, '7')), ...names.map((n, i) => len(2, str(2, n), int(4, i - 1), len(8, str(1, 'k'), str(2, n))))), '');

function streamed(data: Uint8Array, cuts: number[]) {
  const d = new ObjectStreamDecoder(schema);
  let at = 0;
  for (const p of [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)) {
    d.push(data.subarray(at, p));
    at = p;
  }
  d.push(data.subarray(at));
  return d.finish();
}

describe('ObjectStreamDecoder', () => {
  it('gives decodeObject’s result however the body is chunked (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (names, cuts) => {
        const data = list(names);
        assert.deepStrictEqual(streamed(data, cuts), decodeObject(data, schema));
      }),
    );
  });

  it('decodes top-level varint fields (a Status) and single objects', () => {
    const status = envelope('v1', 'Status', bytes(str(2, 'Failure'), str(4, 'NotFound'), int(6, 404)));
    for (let cut = 0; cut <= status.length; cut++) assert.deepStrictEqual(streamed(status, [cut]), decodeObject(status, schema));
  });

  it('throws one ProtobufDecodeError when the body ends inside the object', () => {
    const data = list(['a', 'b']);
    // Up to the envelope's optional last field (its empty contentType: 2 bytes), which may be absent.
    for (let cut = 0; cut < data.length - 2; cut++) {
      const d = new ObjectStreamDecoder(schema);
      d.push(data.subarray(0, cut));
      assert.throws(() => d.finish(), /ended early/, `cut at ${cut}`);
    }
    assert.throws(() => new ObjectStreamDecoder(schema).push(Buffer.from('{"kind":')), /no "k8s\\0" prefix/);
  });
});
