/**
 * decodeObject for a body still arriving: each top-level field of the object's message is decoded as soon
 * as all its bytes are there, so a list's items are decoded while the rest of the list downloads (the API
 * server writes a list's items as it encodes them) instead of after the last byte. The result is exactly
 * decodeObject's for the same bytes. Fields are decoded where they lie in the chunk; only a field split
 * across chunks is copied, once its last byte is here, into a buffer of its own size (the API server's
 * HTTP/2 writes come in 4 KB frames, so most chunks end inside an item: joining whole chunks instead cost
 * a fresh buffer and a copy of every byte per chunk).
 *
 * The envelope must come in the order apimachinery writes it (field numbers ascending: typeMeta before raw);
 * an envelope saying the object is not protobuf (contentType after raw), or one whose kind comes after its
 * raw bytes, is refused with ProtobufDecodeError (the API server writes neither).
 */
import { PROTOBUF_MEDIA_TYPE } from './media-type.ts';
import { decodeFields, finishObject, hasProtobufMagic, PROTOBUF_MAGIC, readTypeMeta, specForKind, type JsonObject, type TypeMeta } from './objects.ts';
import { builtinSchema, type MessageSpec, type Schema } from './schema.ts';
import { ProtobufDecodeError, SplitUnit, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, WireReader } from './wire.ts';

type Stage = 'magic' | 'envelope' | 'raw';

export class ObjectStreamDecoder {
  private readonly schema: Schema;
  /** A unit (see step) that began in an earlier chunk and is not complete yet. */
  private readonly split = new SplitUnit();
  private stage: Stage = 'magic';
  /** While in raw: its bytes not yet decoded. */
  private rawLeft = 0;
  private readonly typeMeta: TypeMeta = { apiVersion: '', kind: '' };
  private spec: MessageSpec | undefined;
  private obj: JsonObject | undefined;

  constructor(schema: Schema = builtinSchema()) {
    this.schema = schema;
  }

  /** Takes the next bytes of the body and decodes every field they complete. */
  push(chunk: Uint8Array): void {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    if (this.split.held > 0) {
      const resumed = this.split.resume(buf);
      if (resumed === undefined) return;
      if ('joined' in resumed) buf = resumed.joined;
      else {
        this.step(resumed.unit, 0);
        at = resumed.rest;
      }
    }
    for (;;) {
      const used = this.step(buf, at);
      if (used === 0) break;
      at += used;
    }
    // A unit begins here and ends in a later chunk: held as a view until then.
    if (at < buf.length) this.split.hold(buf.subarray(at), this.unitSize(buf, at));
  }

  /** The object, once the body has ended. Throws if the bytes ended inside it. */
  finish(): JsonObject {
    if (this.stage === 'magic' || this.stage === 'raw' || this.split.held > 0 || !this.obj || !this.spec)
      throw new ProtobufDecodeError('the protobuf object ended early: its bytes stop inside a field');
    return finishObject(this.spec, this.obj);
  }

  /**
   * Decodes one unit at `at`: the magic, an envelope field (of raw, only its header), or one field of the
   * object. Returns the bytes it took, 0 if the unit is not all in `buf`.
   */
  private step(buf: Buffer, at: number): number {
    if (this.stage === 'magic') {
      if (buf.length - at < PROTOBUF_MAGIC.length) return 0;
      if (!hasProtobufMagic(buf.subarray(at))) throw new ProtobufDecodeError('not a Kubernetes protobuf object (no "k8s\\0" prefix)');
      this.stage = 'envelope';
      return PROTOBUF_MAGIC.length;
    }
    const head = fieldAt(buf, at);
    if (!head) return 0;
    const { tag, bodyStart, end } = head;
    if (this.stage === 'raw') {
      if (end > buf.length) return 0;
      const used = end - at;
      if (used > this.rawLeft) throw new ProtobufDecodeError(`a field of ${this.typeMeta.kind} overruns the object's length`);
      decodeFields(new WireReader(buf, at, end), end, this.spec!, this.obj!, this.schema);
      this.rawLeft -= used;
      if (this.rawLeft === 0) this.stage = 'envelope';
      return used;
    }
    // Envelope (runtime.Unknown): typeMeta, raw, contentEncoding, contentType.
    if ((tag & 7) !== WIRE_BYTES) throw new ProtobufDecodeError(`unexpected wire type ${tag & 7} in the protobuf envelope`);
    const field = tag >>> 3;
    if (field === 2) {
      const { apiVersion, kind } = this.typeMeta;
      this.spec = specForKind(this.schema, apiVersion, kind);
      this.obj = { kind, apiVersion };
      this.rawLeft = end - bodyStart;
      if (this.rawLeft > 0) this.stage = 'raw';
      return bodyStart - at;
    }
    if (end > buf.length) return 0;
    if (field === 1) readTypeMeta(new WireReader(buf, bodyStart, end), end, this.typeMeta);
    else if (field === 4) {
      const contentType = buf.toString('utf8', bodyStart, end);
      if (contentType && !contentType.startsWith(PROTOBUF_MEDIA_TYPE)) throw new ProtobufDecodeError(`the envelope holds ${contentType}, not protobuf`);
    }
    return end - at;
  }

  /** How many bytes the unit at `at` takes (what step needs to decode it), or 0 while its header is cut. */
  private unitSize(buf: Buffer, at: number): number {
    if (this.stage === 'magic') return PROTOBUF_MAGIC.length;
    const head = fieldAt(buf, at);
    if (!head) return 0;
    return (this.stage === 'envelope' && head.tag >>> 3 === 2 ? head.bodyStart : head.end) - at;
  }
}

/**
 * A field's tag, where its value starts and where it ends (possibly beyond the bytes here, for a
 * length-delimited one), or undefined when its header, or a varint value, is not all here.
 */
function fieldAt(buf: Buffer, at: number): { tag: number; bodyStart: number; end: number } | undefined {
  const tag = varintAt(buf, at);
  if (!tag) return undefined;
  switch (tag.value & 7) {
    case WIRE_BYTES: {
      const length = varintAt(buf, tag.next);
      return length && { tag: tag.value, bodyStart: length.next, end: length.next + length.value };
    }
    case WIRE_VARINT: {
      for (let i = tag.next; i < buf.length && i < tag.next + 10; i++) if (buf[i]! < 0x80) return { tag: tag.value, bodyStart: tag.next, end: i + 1 };
      if (buf.length - tag.next >= 10) throw new ProtobufDecodeError('varint longer than 10 bytes');
      return undefined;
    }
    case WIRE_FIXED64:
      return { tag: tag.value, bodyStart: tag.next, end: tag.next + 8 };
    case WIRE_FIXED32:
      return { tag: tag.value, bodyStart: tag.next, end: tag.next + 4 };
    default:
      throw new ProtobufDecodeError(`wire type ${tag.value & 7} at the top of an object`);
  }
}

/** A varint of up to 32 bits at `at`, or undefined when its bytes are not all here. */
function varintAt(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= buf.length) return undefined;
    const b = buf[at + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return { value, next: at + i + 1 };
  }
  throw new ProtobufDecodeError('a tag or length does not fit in 32 bits');
}
