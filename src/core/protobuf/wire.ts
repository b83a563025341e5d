/**
 * The protobuf wire format, read only: varints, length-delimited fields and skipping. Values are read as
 * JavaScript numbers: a 64-bit integer becomes the double nearest to it, which is what JSON.parse gives for
 * the decimal the API server's JSON would hold. Negative integers arrive as 10-byte two's-complement varints
 * (int32 and int64 alike; Kubernetes uses no zigzag types). Every read checks the bounds: bytes that end
 * inside a value throw ProtobufDecodeError, never read past the message.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** The bytes are not a well-formed message of the expected type. */
export class ProtobufDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}

const TWO_32 = 2 ** 32;

/** A cursor over one message's bytes: `pos` moves forward, `end` bounds it. */
export class WireReader {
  readonly buf: Buffer;
  pos: number;
  end: number;
  private view: DataView | undefined;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  /** An unsigned varint up to 2^32 - 1 (tags and lengths), else throws. */
  uint32(): number {
    if (this.pos >= this.end) throw truncated();
    const first = this.buf[this.pos++]!;
    if (first < 0x80) return first;
    let result = first & 0x7f;
    for (let shift = 7; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw truncated();
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (result > 0xffffffff) break;
        return result;
      }
    }
    throw new ProtobufDecodeError('a tag or length does not fit in 32 bits');
  }

  /** A varint as a signed 64-bit integer, as the nearest double. */
  int64(): number {
    const buf = this.buf;
    let lo = 0;
    let hi: number;
    let b: number;
    // Bits 0..27 in the first four bytes.
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.pos >= this.end) throw truncated();
      b = buf[this.pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo;
    }
    if (this.pos >= this.end) throw truncated();
    b = buf[this.pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let shift = 3; shift < 32; shift += 7) {
        if (this.pos >= this.end) throw truncated();
        b = buf[this.pos++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        if (shift + 7 >= 32) throw new ProtobufDecodeError('varint longer than 10 bytes');
      }
    }
    lo >>>= 0;
    hi >>>= 0;
    if (hi & 0x80000000) {
      // Two's complement: -(2^64 - value), computed in 32-bit halves so the one rounding is the last step.
      const nlo = (~lo + 1) >>> 0;
      const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
      return -(nhi * TWO_32 + nlo);
    }
    return hi * TWO_32 + lo;
  }

  /** A varint as an exact signed 64-bit integer (for values that must not round, e.g. durations in ns). */
  bigInt64(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw truncated();
      const b = this.buf[this.pos++]!;
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, value);
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes');
  }

  /** A varint as an unsigned 64-bit integer, as the nearest double. */
  uint64(): number {
    const v = this.int64();
    return v < 0 ? v + 2 ** 64 : v;
  }

  bool(): boolean {
    return this.int64() !== 0;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw truncated();
    const v = this.dataView().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw truncated();
    const v = this.dataView().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field's bounds: returns its end and leaves `pos` at its start. */
  lengthEnd(): number {
    // Lengths below 128 (most strings and small messages) are one byte: read inline.
    const first = this.pos < this.end ? this.buf[this.pos]! : 0x80;
    const len = first < 0x80 ? (this.pos++, first) : this.uint32();
    const end = this.pos + len;
    if (end > this.end) throw truncated();
    return end;
  }

  bytes(): Uint8Array {
    const end = this.lengthEnd();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  /** A string field; short ASCII ones come from the intern table (see internAscii). */
  string(): string {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    return end - start <= INTERN_MAX_BYTES ? internAscii(this.buf, start, end) : decodeUtf8(this.buf, start, end);
  }

  /** Skips a field's value of the given wire type (groups included). */
  skip(wireType: number, fieldNumber = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.int64();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.pos = this.lengthEnd();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      case WIRE_START_GROUP:
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === WIRE_END_GROUP) {
            if (tag >>> 3 !== fieldNumber) throw new ProtobufDecodeError(`group ${fieldNumber} ended by ${tag >>> 3}`);
            return;
          }
          this.skip(tag & 7, tag >>> 3);
        }
      default:
        throw new ProtobufDecodeError(`unknown wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw truncated();
    this.pos += n;
  }

  private dataView(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }
}

function truncated(): ProtobufDecodeError {
  return new ProtobufDecodeError('message truncated: a value runs past the end of its bytes');
}

/**
 * A unit of `size` bytes split across chunks: its start in `parts` (views, in order) and the rest at the
 * start of `next`, copied into one buffer of its own.
 */
export function joinSplit(parts: readonly Buffer[], next: Buffer, size: number): Buffer {
  const joined = Buffer.allocUnsafe(size);
  let filled = 0;
  // TypedArray set, not Buffer's copy: the same bytes moved for a fraction of the calls' cost.
  for (const part of parts) {
    joined.set(part, filled);
    filled += part.length;
  }
  joined.set(next.subarray(0, size - filled), filled);
  return joined;
}

/**
 * A unit (an object's field, a watch frame) that began in an earlier chunk of a stream and ends in a later
 * one: its bytes so far, held as views, until the chunk with its last byte arrives and the whole unit is
 * copied once, into a buffer of its own size.
 */
export class SplitUnit {
  private parts: Buffer[] = [];
  /** Bytes held so far; 0 when no unit is split. */
  held = 0;
  /** The unit's size, 0 while even its header is cut (its size not known yet). */
  private size = 0;

  /** Holds the start of a unit of `size` bytes (0 when its header is cut). */
  hold(start: Buffer, size: number): void {
    this.parts = [start];
    this.held = start.length;
    this.size = size;
  }

  /**
   * Goes on with the next chunk: undefined when the unit still is not complete (the chunk is held too);
   * the complete unit and the offset in `chunk` just past it; or, when the header was cut, all the bytes
   * joined, to be read again from their start.
   */
  resume(chunk: Buffer): { unit: Buffer; rest: number } | { joined: Buffer } | undefined {
    if (this.size > 0 && this.held + chunk.length < this.size) {
      this.parts.push(chunk);
      this.held += chunk.length;
      return undefined;
    }
    const next =
      this.size === 0 ? { joined: Buffer.concat([...this.parts, chunk]) } : { unit: joinSplit(this.parts, chunk, this.size), rest: this.size - this.held };
    this.parts = [];
    this.held = 0;
    this.size = 0;
    return next;
  }

  /** The bytes held, joined (for the error of a stream that ended inside the unit). */
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

interface NativeSlices {
  utf8Slice(start: number, end: number): string;
}

/** UTF-8 bytes to a string, natively and without a view object per string (most of a message's strings). */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as NativeSlices).utf8Slice(start, end);
}

/** Strings up to this many bytes are interned; longer ones are rarely repeated. */
const INTERN_MAX_BYTES = 32;
const INTERN_SLOTS = 8192;
const internTable: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

/**
 * A short ASCII string, shared with earlier equal ones: most of an API object's values repeat across
 * objects ("Running", "True", image names, label values), and one copy in a cache of thousands of objects
 * is memory the cache does not hold (JSON.parse makes a copy per occurrence). A direct-mapped table keyed by
 * a hash of the length and of the bytes (of nine of them, first, last and spread between, beyond 8: hashing
 * every byte of every string cost 4% of a pod list's decoding, and the values that repeat differ in those
 * too): a collision evicts, never confuses (the bytes are compared). Only a string as long as
 * its bytes is kept, so every cached one is ASCII: a latin1 character (é, from C3 A9) would match the byte of
 * its code (E9) in other bytes of the same length, and decode them wrongly.
 */
function internAscii(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  let h = n;
  if (n <= 8) for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  else {
    h = Math.imul(h ^ (buf[start]! | (buf[start + 1]! << 8) | (buf[start + 2]! << 16)), 0x01000193);
    h = Math.imul(h ^ (buf[end - 1]! | (buf[end - 2]! << 8) | (buf[end - 3]! << 16)), 0x01000193);
    h = Math.imul(h ^ (buf[start + (n >> 1)]! | (buf[start + (n >> 2)]! << 8) | (buf[end - 1 - (n >> 2)]! << 16)), 0x01000193);
  }
  h ^= h >>> 15;
  const slot = (h >>> 0) & (INTERN_SLOTS - 1);
  const hit = internTable[slot];
  if (hit !== undefined && hit.length === end - start) {
    let i = 0;
    while (i < hit.length && hit.charCodeAt(i) === buf[start + i]) i++;
    if (i === hit.length) return hit;
  }
  const s = (buf as unknown as NativeSlices).utf8Slice(start, end);
  if (s.length === end - start) internTable[slot] = s;
  return s;
}
