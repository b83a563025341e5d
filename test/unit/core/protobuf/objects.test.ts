import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeObject } from '../../../../src/core/protobuf/objects.ts';
import { ProtobufDecodeError } from '../../../../src/core/protobuf/wire.ts';
import { bytes, double, envelope, int, len, str, tag, varint } from './encode.ts';
import { EMPTY_THING, fixtureSchema } from './fixture-schema.ts';

const schema = fixtureSchema();
const thing = (...fields: (number[] | Uint8Array)[]) => decodeObject(envelope('test/v1', 'Thing', bytes(...fields)), schema);

describe('decodeObject', () => {
  it('gives a message without fields the JSON of Go’s zero value: omitempty and omitzero fields left out', () => {
    assert.deepStrictEqual(thing(), EMPTY_THING);
  });

  it('leaves out empty strings and zeros protobuf carries where the json tag says omitempty, keeps pointers’', () => {
    const t = thing(str(2, ''), str(3, ''), int(4, 0), int(5, 0), int(19, 0));
    assert.equal(t.name, '');
    assert.equal('note' in t, false);
    assert.equal('count' in t, false);
    assert.equal(t.replicas, 0);
    assert.equal(t.enabled, false);
  });

  it('decodes scalars, maps, special types, inline and wrapped fields as their JSON', () => {
    const t = thing(
      len(1, str(1, 'a'), len(2, int(1, 1764647000)), len(3)),
      str(3, 'note'),
      int(4, -5),
      str(6, 'x'),
      str(6, 'y'),
      len(8, str(1, 'app'), str(2, 'web')),
      len(8, str(1, 'tier'), str(2, '')),
      len(9, str(1, 'cpu'), len(2, str(1, '100m'))),
      len(9, str(1, 'memory'), len(2)),
      len(10, str(1, 'key'), len(2, Buffer.from('secret'))),
      len(11, int(1, 1), str(3, 'http')),
      len(12, int(1, 1764647000)),
      len(13, int(1, 1764647000), int(2, 123456789)),
      len(14, int(1, 90_500_000_000)),
      len(15, str(1, '/data'), int(2, 1)),
      len(16, len(1, Buffer.from('{"a":[1,2]}'))),
      len(17, str(1, 'groups'), len(2, str(1, 'a'), str(1, 'b'))),
      double(18, 0.25),
      int(19, 1),
      len(21, len(1, Buffer.from('{"f:spec":{}}'))),
      len(22, Buffer.from([0xff, 0])),
      len(23, str(1, 'get'), str(1, 'list')),
      len(24, str(1, 'n'), len(2, str(1, 'inner'))),
    );
    assert.deepStrictEqual(t, {
      kind: 'Thing',
      apiVersion: 'test/v1',
      metadata: { name: 'a', deletedAt: '2025-12-02T03:43:20Z', since: null },
      name: '',
      note: 'note',
      count: -5,
      tags: ['x', 'y'],
      ports: null,
      labels: { app: 'web', tier: '' },
      limits: { cpu: '100m', memory: '0' },
      data: { key: Buffer.from('secret').toString('base64') },
      port: 'http',
      created: '2025-12-02T03:43:20Z',
      renewed: '2025-12-02T03:43:20.123456Z',
      timeout: '1m30.5s',
      path: '/data',
      readOnly: true,
      raw: { a: [1, 2] },
      extra: { groups: ['a', 'b'] },
      ratio: 0.25,
      enabled: true,
      child: { since: null },
      fields: { 'f:spec': {} },
      blob: Buffer.from([0xff, 0]).toString('base64'),
      verbs: ['get', 'list'],
      byName: { n: { name: 'inner', since: null } },
    });
  });

  it('reads repeated scalars packed or not', () => {
    const unpacked = thing(int(7, 1), int(7, -2), int(7, 3));
    const packed = thing(len(7, varint(1), varint(-2)), int(7, 3));
    assert.deepStrictEqual(unpacked.ports, [1, -2, 3]);
    assert.deepStrictEqual(packed.ports, [1, -2, 3]);
  });

  it('skips fields the schema does not know, of every wire type', () => {
    const t = thing(int(99, 7), len(100, str(1, 'x')), double(101, 1), tag(102, 5), [1, 2, 3, 4], tag(103, 3), int(1, 1), tag(103, 4), str(2, 'kept'));
    assert.deepStrictEqual(t, { ...EMPTY_THING, name: 'kept' });
  });

  it('decodes an object nested in a RawExtension as protobuf, with its own kind', () => {
    const inner = envelope('test/v1', 'Thing', bytes(str(2, 'inner')));
    const t = thing(len(16, len(1, inner)));
    assert.deepStrictEqual(t.raw, { ...EMPTY_THING, name: 'inner' });
  });

  it('parses FieldsV1 on first read, and until then shows it to every reader as if parsed', () => {
    const make = () => thing(len(21, len(1, Buffer.from('{"f:metadata":{"f:labels":{".":{}}}}'))));
    const parsed = { 'f:metadata': { 'f:labels': { '.': {} } } };
    assert.deepStrictEqual(make(), { ...EMPTY_THING, fields: parsed });
    assert.deepStrictEqual(JSON.parse(JSON.stringify(make())), { ...EMPTY_THING, fields: parsed });
    assert.deepEqual(Object.keys(make()).sort(), Object.keys({ ...EMPTY_THING, fields: parsed }).sort());
    assert.deepStrictEqual({ ...make() }.fields, parsed);
    const t = make();
    t.fields = { replaced: true };
    assert.deepStrictEqual(t.fields, { replaced: true });
    const read = make();
    assert.equal(read.fields, read.fields, 'parsed once, then the same object');
    assert.throws(() => thing(len(21, len(1, Buffer.from('{not json')))).fields, /fields holds bytes that are not JSON/);
  });

  it('reads an unread FieldsV1 of a frozen or sealed object without throwing, and writes it as a data property would be', () => {
    const parsed = { 'f:spec': {} };
    for (const close of [Object.freeze, Object.seal, Object.preventExtensions] as (<T>(o: T) => T)[]) {
      const t = close(thing(len(21, len(1, Buffer.from(JSON.stringify(parsed))))));
      assert.deepStrictEqual(t.fields, parsed, close.name);
      assert.equal(t.fields, t.fields, `${close.name}: parsed once, then the same object`);
      assert.deepStrictEqual(structuredClone(t).fields, parsed, close.name);
    }
    const sealed = Object.seal(thing(len(21, len(1, Buffer.from(JSON.stringify(parsed))))));
    sealed.fields = { replaced: true };
    assert.deepStrictEqual(sealed.fields, { replaced: true }, 'a sealed object takes a write, as its data property would');
    const frozen = Object.freeze(thing(len(21, len(1, Buffer.from(JSON.stringify(parsed))))));
    assert.throws(() => {
      (frozen as { fields: unknown }).fields = {};
    }, TypeError);
    assert.deepStrictEqual(frozen.fields, parsed, 'a frozen object refuses a write, as its data property would');
  });

  it('keeps every unread FieldsV1 intact however many are decoded, small and large, until each is read (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const texts = sizes.map((size, i) => ({ [`f:${i}`]: 'x'.repeat(size) }));
        // Decoded from bytes that are overwritten afterwards: each object holds a copy of its own.
        const wires = texts.map((t) => envelope('test/v1', 'Thing', bytes(len(21, len(1, Buffer.from(JSON.stringify(t)))))));
        const decoded = wires.map((wire) => decodeObject(wire, schema));
        for (const wire of wires) wire.fill(0x20);
        decoded.forEach((t, i) => assert.deepStrictEqual(t.fields, texts[i]));
      }),
      { numRuns: 30 },
    );
  });

  it('gives an empty list’s items as [] (the API server’s JSON does)', () => {
    const list = decodeObject(envelope('test/v1', 'ThingList', bytes(len(1, str(2, '42')))), schema);
    assert.deepStrictEqual(list, { kind: 'ThingList', apiVersion: 'test/v1', metadata: { resourceVersion: '42' }, items: [] });
    const one = decodeObject(envelope('test/v1', 'ThingList', bytes(len(2, str(2, 'a')))), schema);
    // Items carry no kind or apiVersion, as in the API server's JSON.
    const { kind: _kind, apiVersion: _apiVersion, ...item } = EMPTY_THING;
    assert.deepStrictEqual(one.items, [{ ...item, name: 'a' }]);
  });

  it('decodes a Status (the body of errors and ERROR events)', () => {
    const status = decodeObject(envelope('v1', 'Status', bytes(str(2, 'Failure'), str(3, 'too old resource version'), str(4, 'Expired'), int(6, 410))), schema);
    assert.deepStrictEqual(status, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 });
  });

  it('parses an envelope whose content type says JSON', () => {
    assert.deepStrictEqual(decodeObject(envelope('x/v1', 'Y', Buffer.from('{"a":1}'), 'application/json'), schema), { a: 1 });
  });

  it('throws one ProtobufDecodeError for bytes that are not a whole object', () => {
    assert.throws(() => decodeObject(Buffer.from('{"kind":"Pod"}'), schema), /no "k8s\\0" prefix/);
    assert.throws(() => decodeObject(envelope('other/v1', 'Widget', []), schema), /no protobuf schema for other\/v1 Widget/);
    const body = bytes(str(2, 'a long enough name'));
    const whole = envelope('test/v1', 'Thing', body);
    // Cut anywhere from the object's length prefix on (a cut between two fields is a valid shorter message).
    for (let cut = whole.length - body.length - 1; cut < whole.length; cut++)
      assert.throws(() => decodeObject(whole.subarray(0, cut), schema), ProtobufDecodeError, `cut at ${cut}`);
    assert.throws(() => thing(tag(2, 0), varint(5)), /wire type 0/);
  });

  it('decodes random objects as encoding/json would write them (property)', () => {
    const word = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(
        word,
        word,
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: undefined }),
        fc.array(word, { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constant('__proto__')), word, { maxKeys: 4 }),
        fc.boolean(),
        (name, note, count, replicas, tags, labels, packed) => {
          const keys = Object.keys(labels).sort();
          const t = thing(
            str(2, name),
            str(3, note),
            int(4, count),
            replicas === undefined ? [] : int(5, replicas),
            ...tags.map((x) => str(6, x)),
            packed ? len(7, ...tags.map((_, i) => varint(i - 1))) : [],
            ...keys.map((k) => len(8, str(1, k), str(2, labels[k]!))),
          );
          const expected: Record<string, unknown> = { ...EMPTY_THING, name };
          if (note) expected.note = note;
          if (count) expected.count = count;
          if (replicas !== undefined) expected.replicas = replicas;
          if (tags.length) expected.tags = tags;
          if (packed && tags.length) expected.ports = tags.map((_, i) => i - 1);
          if (keys.length) expected.labels = JSON.parse(JSON.stringify(labels));
          assert.deepStrictEqual(t, expected);
        },
      ),
    );
  });
});
