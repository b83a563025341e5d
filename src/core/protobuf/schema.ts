/**
 * The protobuf schema of Kubernetes' built-in types, as scripts/proto-schema generates it from the Go types
 * of k8s.io/api and k8s.io/apimachinery (client-go's scheme, v0.36.3): field numbers, JSON names, value
 * types and the Go json tag's omission rules. Read from schema.json on first use only (commands that never
 * decode protobuf never load it), then compiled once into tables indexed by field number.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Scalar codes of the schema file; any other type is a special type's name or a message id. */
export type ScalarType = 's' | 'b' | 'i' | 'u' | 'd' | 'f' | 'y';
/** Types whose JSON form is not their struct's (json-forms.ts writes them). */
export const SPECIAL_TYPES = ['Time', 'MicroTime', 'Duration', 'Quantity', 'IntOrString', 'FieldsV1', 'RawExtension'] as const;
export type SpecialType = (typeof SPECIAL_TYPES)[number];

/** A field's value type as a small integer, for the decoder's switch. */
export const ValueCode = {
  String: 0,
  Bool: 1,
  Int: 2,
  Uint: 3,
  Double: 4,
  Float: 5,
  Bytes: 6,
  Message: 7,
  Time: 8,
  MicroTime: 9,
  Duration: 10,
  Quantity: 11,
  IntOrString: 12,
  FieldsV1: 13,
  RawExtension: 14,
} as const;
export type ValueCode = (typeof ValueCode)[keyof typeof ValueCode];

const CODES: Record<string, ValueCode> = {
  s: ValueCode.String,
  b: ValueCode.Bool,
  i: ValueCode.Int,
  u: ValueCode.Uint,
  d: ValueCode.Double,
  f: ValueCode.Float,
  y: ValueCode.Bytes,
  Time: ValueCode.Time,
  MicroTime: ValueCode.MicroTime,
  Duration: ValueCode.Duration,
  Quantity: ValueCode.Quantity,
  IntOrString: ValueCode.IntOrString,
  FieldsV1: ValueCode.FieldsV1,
  RawExtension: ValueCode.RawExtension,
};

const FLAG_REPEATED = 1;
const FLAG_OMIT_EMPTY = 2;
const FLAG_POINTER = 4;
const FLAG_OMIT_ZERO = 8;
const FLAG_INLINE = 16;
const FLAG_MAP = 32;
const FLAG_WRAPPER = 64;

export interface FieldSpec {
  number: number;
  /** The JSON key; empty for an inline field, whose fields are the parent's. */
  json: string;
  /** The value's type (a map's value type): a scalar code, a special type, or a message id. */
  type: string;
  code: ValueCode;
  /** For a message type, its compiled spec. */
  message: MessageSpec | undefined;
  /** A map's key type (a scalar code). */
  keyType: ScalarType | undefined;
  repeated: boolean;
  map: boolean;
  /** A named slice sent as a message whose field 1 holds the items (authentication/v1.ExtraValue). */
  wrapper: boolean;
  /** Go pointer: absent means nil. */
  pointer: boolean;
  /** A single non-pointer value the json tag omits when empty: protobuf's "" and 0 are left out. */
  omitWhenEmpty: boolean;
  omitEmpty: boolean;
  omitZero: boolean;
  inline: boolean;
}

export interface MessageSpec {
  id: string;
  fields: FieldSpec[];
  /** Filled by the decoder on first use: the fields JSON writes when the wire lacks them (objects.ts). */
  absent?: { json: string; value: unknown; message: MessageSpec | undefined }[];
  byNumber: (FieldSpec | undefined)[];
}

export interface Schema {
  /** The k8s.io/api version the schema was generated from. */
  version: string;
  /** The message of an object kind, e.g. ('v1', 'Pod'); undefined when the schema does not know it. */
  forKind(apiVersion: string, kind: string): MessageSpec | undefined;
  message(id: string): MessageSpec;
}

/** The schema file as generated. */
export interface SchemaFile {
  version: string;
  kinds: Record<string, string>;
  messages: Record<string, [number, string, string, number, string?][]>;
}

export const SCHEMA_FILE_NAME = 'schema.json';

let loaded: Schema | undefined;

/** The built-in types' schema, read and compiled on first call. */
export function builtinSchema(): Schema {
  return (loaded ??= compileSchema(JSON.parse(readFileSync(schemaPath(), 'utf8')) as SchemaFile));
}

/**
 * Where schema.json is: beside this source file, found from the package root so the same code works from
 * src/, from dist/ and from the bundle (dist/bundle/main.cjs).
 */
export function schemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('kube-lessons: cannot find the package root for the protobuf schema');
    dir = parent;
  }
  return join(dir, 'src', 'core', 'protobuf', SCHEMA_FILE_NAME);
}

/**
 * Compiles a schema file. Messages are compiled when first reached from a kind (a pod's list needs about a
 * hundred of the thousand); one whose rows reference an unknown type throws then. validateSchema checks all.
 */
export function compileSchema(file: SchemaFile): Schema {
  const specs = new Map<string, MessageSpec>();
  const spec = (id: string): MessageSpec => {
    let s = specs.get(id);
    if (s) return s;
    const rows = file.messages[id];
    if (!rows) throw new Error(`protobuf schema: no message ${id}`);
    s = { id, fields: [], byNumber: [] };
    specs.set(id, s);
    for (const row of rows) addField(s, row, spec);
    return s;
  };
  return {
    version: file.version,
    forKind(apiVersion, kind) {
      const id = file.kinds[`${apiVersion}/${kind}`];
      return id === undefined ? undefined : spec(id);
    },
    message: spec,
  };
}

/** Compiles every message and kind of a schema file: throws on the first malformed one. */
export function validateSchema(file: SchemaFile): void {
  const schema = compileSchema(file);
  for (const id of Object.keys(file.messages)) schema.message(id);
  for (const gvk of Object.keys(file.kinds)) {
    const slash = gvk.lastIndexOf('/');
    schema.forKind(gvk.slice(0, slash), gvk.slice(slash + 1));
  }
}

const SCALARS = new Set<string>(['s', 'b', 'i', 'u', 'd', 'f', 'y']);
const SPECIALS = new Set<string>(SPECIAL_TYPES);

function addField(spec: MessageSpec, [number, json, type, flags, keyType]: SchemaFile['messages'][string][number], resolve: (id: string) => MessageSpec): void {
  const where = `protobuf schema: ${spec.id}.${json || number}`;
  const builtin = SCALARS.has(type) || SPECIALS.has(type);
  const message = builtin ? undefined : resolve(type);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${where} has field number ${number}`);
  if ((flags & FLAG_INLINE) !== 0 && !message) throw new Error(`${where} is inline but not a message`);
  if ((flags & FLAG_MAP) !== 0 && !SCALARS.has(keyType ?? '')) throw new Error(`${where} is a map with key type ${keyType}`);
  if (type === 'FieldsV1' && (flags & (FLAG_REPEATED | FLAG_MAP | FLAG_WRAPPER)) !== 0) throw new Error(`${where}: FieldsV1 only as a single field`);
  if (spec.byNumber[number]) throw new Error(`${where}: field number ${number} twice`);
  const field: FieldSpec = {
    number,
    json,
    type,
    code: message ? ValueCode.Message : CODES[type]!,
    message,
    keyType: keyType as ScalarType | undefined,
    repeated: (flags & FLAG_REPEATED) !== 0,
    map: (flags & FLAG_MAP) !== 0,
    wrapper: (flags & FLAG_WRAPPER) !== 0,
    pointer: (flags & FLAG_POINTER) !== 0,
    omitEmpty: (flags & FLAG_OMIT_EMPTY) !== 0,
    omitZero: (flags & FLAG_OMIT_ZERO) !== 0,
    inline: (flags & FLAG_INLINE) !== 0,
    omitWhenEmpty: (flags & (FLAG_OMIT_EMPTY | FLAG_POINTER)) === FLAG_OMIT_EMPTY,
  };
  spec.fields.push(field);
  spec.byNumber[number] = field;
}
