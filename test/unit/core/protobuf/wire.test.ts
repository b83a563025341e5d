import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { joinSplit, ProtobufDecodeError, WireReader } from '../../../../src/core/protobuf/wire.ts';
import { bytes, double, int, len, str, tag, varint } from './encode.ts';

const reader = (...parts: (Uint8Array | number[])[]) => new WireReader(bytes(...parts));

describe('WireReader', () => {
  it('reads negative int64 and int32 as the 10-byte two’s complement Go writes', () => {
    for (const v of [-1n, -2n, -(2n ** 31n), -(2n ** 53n), -(2n ** 63n)]) {
      const encoded = varint(v);
      assert.equal(encoded.length, 10);
      assert.equal(reader(encoded).int64(), Number(v));
    }
  });

  it('reads any int64 as the double nearest to it, as JSON.parse reads its decimal', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        const r = reader(varint(v));
        assert.equal(r.int64(), JSON.parse(v.toString()));
        assert.equal(r.pos, r.end);
      }),
    );
  });

  it('reads exact 64-bit values for durations', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => assert.equal(reader(varint(v)).bigInt64(), v)));
  });

  it('reads uint64 above 2^63 as positive', () => {
    assert.equal(reader(varint(2n ** 64n - 1n)).uint64(), 2 ** 64);
  });

  it('reads strings as UTF-8, short and long', () => {
    const r = reader(str(1, 'pod-1'), str(2, 'ünïcødé ✓ and a string longer than a few bytes'));
    assert.equal(r.uint32(), (1 << 3) | 2);
    assert.equal(r.string(), 'pod-1');
    r.uint32();
    assert.equal(r.string(), 'ünïcødé ✓ and a string longer than a few bytes');
  });

  it('reads short strings (shared between equal ones) as Buffer does, whatever their bytes, read again or not', () => {
    // Short byte strings from a small alphabet with non-ASCII and invalid UTF-8 bytes: many repeat, many collide.
    const shortBytes = fc.array(fc.constantFrom(0x61, 0x62, 0x7f, 0x80, 0xc3, 0xa9, 0xe2, 0x9c, 0x93, 0xff), { maxLength: 32 });
    fc.assert(
      fc.property(fc.array(shortBytes, { minLength: 1, maxLength: 40 }), (values) => {
        const r = reader(...values.flatMap((v) => [len(1, v), len(1, v)]));
        for (const v of values)
          for (let twice = 0; twice < 2; twice++) {
            r.uint32();
            assert.equal(r.string(), Buffer.from(v).toString('utf8'));
          }
      }),
    );
  });

  it('never gives a shared string for other bytes that spell it in latin1 (é is C3 A9, its code E9)', () => {
    // Every four-letter prefix, read with é in UTF-8 and then with the invalid byte E9: among 20,000 pairs, many
    // share a slot of the table, where a latin1 match would have passed for the bytes.
    const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
    for (let n = 0; n < 20_000; n++) {
      let prefix = '';
      for (let k = n, i = 0; i < 4; i++, k = Math.floor(k / letters.length)) prefix += letters[k % letters.length];
      const ascii = [...Buffer.from(prefix)];
      const r = reader(len(1, [...ascii, 0xc3, 0xa9]), len(1, [...ascii, 0xe9]));
      r.uint32();
      assert.equal(r.string(), `${prefix}é`);
      r.uint32();
      assert.equal(r.string(), `${prefix}\ufffd`, prefix);
    }
  });

  it('reads doubles little-endian', () => {
    const r = reader(double(1, -1.5e300));
    r.uint32();
    assert.equal(r.double(), -1.5e300);
  });

  it('skips every wire type, groups included', () => {
    const r = reader(int(1, 300), double(2, 1), len(3, [1, 2, 3]), tag(4, 5), [0, 0, 0, 0], tag(5, 3), int(6, 1), tag(5, 4), str(7, 'end'));
    for (let i = 0; i < 5; i++) {
      const t = r.uint32();
      r.skip(t & 7, t >>> 3);
    }
    r.uint32();
    assert.equal(r.string(), 'end');
  });

  it('throws ProtobufDecodeError on bytes that end inside a value', () => {
    assert.throws(() => reader([0x80, 0x80]).int64(), ProtobufDecodeError);
    assert.throws(() => reader(tag(1, 2), [5, 1, 2]).skip(2), ProtobufDecodeError);
    const r = reader(str(1, 'abcdef').slice(0, 4));
    r.uint32();
    assert.throws(() => r.string(), /truncated/);
    assert.throws(() => reader([0xff, 0xff, 0xff, 0xff, 0x7f]).uint32(), /32 bits/);
    assert.throws(() => reader([]).skip(7), /wire type 7/);
  });
});

describe('joinSplit', () => {
  it('copies a unit begun in earlier chunks and ended in the next into a buffer of its own (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.uint8Array({ maxLength: 8 }),
        (unit, cuts, after) => {
          // The unit's last part comes at the start of `next`, followed by bytes of later units.
          const bounds = [...new Set(cuts.map((c) => c % unit.length))].sort((a, b) => a - b);
          const starts = [0, ...bounds.filter((b) => b > 0)];
          const parts = starts.slice(0, -1).map((s, i) => Buffer.from(unit.subarray(s, starts[i + 1])));
          const next = Buffer.concat([unit.subarray(starts.at(-1)), after]);
          const joined = joinSplit(parts, next, unit.length);
          for (const b of [...parts, next]) b.fill(0);
          assert.deepEqual([...joined], [...unit]);
        },
      ),
    );
  });
});
