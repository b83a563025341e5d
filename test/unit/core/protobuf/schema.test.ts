import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinSchema, compileSchema, schemaPath, validateSchema, type SchemaFile } from '../../../../src/core/protobuf/schema.ts';

const GENERATOR = fileURLToPath(new URL('../../../../scripts/proto-schema/', import.meta.url));
const file = JSON.parse(readFileSync(schemaPath(), 'utf8')) as SchemaFile & { source: string };

describe('the built-in protobuf schema (src/core/protobuf/schema.json)', () => {
  it('was generated from the generator and pin on disk (else: npm run proto-schema)', () => {
    const hash = createHash('sha256');
    for (const name of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(GENERATOR + name));
    assert.equal(file.source, hash.digest('hex'));
    assert.match(readFileSync(GENERATOR + 'go.mod', 'utf8'), new RegExp(`k8s.io/client-go ${file.version}\\b`));
  });

  it('compiles whole: every message, field and kind well-formed', () => {
    validateSchema(file);
  });

  it('holds the field numbers k8s.io/api’s generated.proto gives', () => {
    const schema = builtinSchema();
    const numbers = (apiVersion: string, kind: string) => Object.fromEntries(schema.forKind(apiVersion, kind)!.fields.map((f) => [f.json, f.number]));
    assert.deepEqual(numbers('v1', 'Pod'), { metadata: 1, spec: 2, status: 3 });
    assert.deepEqual(numbers('v1', 'PodList'), { metadata: 1, items: 2 });
    const meta = Object.fromEntries(schema.message('meta/v1.ObjectMeta').fields.map((f) => [f.json, f]));
    assert.equal(meta.creationTimestamp!.number, 8);
    assert.equal(meta.creationTimestamp!.omitZero, true);
    assert.equal(meta.labels!.map, true);
    assert.equal(meta.managedFields!.number, 17);
    const lease = Object.fromEntries(schema.forKind('coordination.k8s.io/v1', 'Lease')!.fields.map((f) => [f.json, f]));
    assert.equal(lease.spec!.message!.fields.find((f) => f.json === 'renewTime')!.type, 'MicroTime');
    const volume = schema.message('core/v1.Volume').fields;
    assert.ok(volume.some((f) => f.inline && f.message?.id === 'core/v1.VolumeSource'));
    assert.equal(schema.forKind('samplecontroller.k8s.io/v1alpha1', 'Foo'), undefined);
  });

  it('rejects a malformed schema naming what is wrong', () => {
    const bad = (messages: SchemaFile['messages']) => () => validateSchema({ version: 'x', kinds: {}, messages });
    assert.throws(bad({ 'a.A': [[1, 'b', 'a.Missing', 0]] }), /no message a\.Missing/);
    assert.throws(bad({ 'a.A': [[0, 'b', 's', 0]] }), /field number 0/);
    assert.throws(
      bad({
        'a.A': [
          [1, 'b', 's', 0],
          [1, 'c', 's', 0],
        ],
      }),
      /field number 1 twice/,
    );
    assert.throws(bad({ 'a.A': [[1, '', 's', 16]] }), /inline but not a message/);
    assert.throws(bad({ 'a.A': [[1, 'm', 's', 32]] }), /map with key type/);
    assert.throws(() => compileSchema({ version: 'x', kinds: { 'v1/X': 'nope' }, messages: {} }).forKind('v1', 'X'), /no message nope/);
  });
});
