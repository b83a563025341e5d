/**
 * A protobuf watch stream (application/vnd.kubernetes.protobuf;stream=watch): frames of a 4-byte big-endian
 * length and that many bytes (apimachinery's length-delimited framer), each a metav1.WatchEvent without
 * envelope: its type (field 1) and a RawExtension (field 2) holding the object with its magic and envelope.
 * Guarantees: frames come out whole and in order whatever the chunking; a stream that ends inside a frame
 * throws one TruncatedFrameError (a ProtobufDecodeError) saying how much was missing. A frame longer than
 * MAX_FRAME_BYTES is refused before it is buffered (client-go's decoder refuses frames beyond its buffer
 * likewise).
 */
import { decodeObject } from './objects.ts';
import type { Schema } from './schema.ts';
import { ProtobufDecodeError, SplitUnit, WIRE_BYTES, WireReader } from './wire.ts';

/**
 * client-go's streaming decoder's limit (its buffer doubles up to 16 MiB): larger than any object the API
 * server stores (etcd's limit is 1.5 MiB; lists do not come as frames).
 */
export const MAX_FRAME_BYTES = 16 << 20;

/** The body ended inside a frame: a ProtobufDecodeError the watch takes for its end (see list-watch-client.ts). */
export class TruncatedFrameError extends ProtobufDecodeError {}

/**
 * Cuts a byte stream into length-delimited frames. A frame that lies whole in one chunk is handed out as a
 * view of it; only a frame split across chunks is copied, once, into a buffer of its own when its last byte
 * arrives (the API server writes in 4 KB HTTP/2 frames, so most chunks end inside a watch frame).
 */
export async function* lengthDelimitedFrames(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // The frame (length prefix included) begun in an earlier chunk.
  const split = new SplitUnit();
  for await (const chunk of chunks) {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    if (split.held > 0) {
      const resumed = split.resume(buf);
      if (resumed === undefined) continue;
      if ('joined' in resumed) buf = resumed.joined;
      else {
        yield resumed.unit.subarray(4);
        at = resumed.rest;
      }
    }
    while (buf.length - at >= 4) {
      const size = frameSize(buf, at);
      if (buf.length - at - 4 < size) break;
      yield buf.subarray(at + 4, at + 4 + size);
      at += 4 + size;
    }
    // A cut length prefix leaves the size unknown (0) until the next chunk.
    if (at < buf.length) split.hold(buf.subarray(at), buf.length - at >= 4 ? 4 + frameSize(buf, at) : 0);
  }
  if (split.held > 0) {
    const pending = split.bytes();
    const expected = pending.length >= 4 ? pending.readUInt32BE(0) + 4 : 4;
    throw new TruncatedFrameError(`the watch stream ended inside a frame (${pending.length} of ${expected} bytes)`);
  }
}

/** The length prefix at `at`, refused before any of the frame is buffered when it is beyond the limit. */
function frameSize(buf: Buffer, at: number): number {
  const size = buf.readUInt32BE(at);
  if (size > MAX_FRAME_BYTES) throw new ProtobufDecodeError(`watch frame of ${size} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
  return size;
}

export interface DecodedWatchEvent {
  type: string;
  object: Record<string, unknown>;
}

/** One frame's metav1.WatchEvent, its object decoded as decodeObject does. */
export function decodeWatchEvent(frame: Uint8Array, schema?: Schema): DecodedWatchEvent {
  const r = new WireReader(frame);
  let type = '';
  let raw: Uint8Array | undefined;
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_BYTES)) type = r.string();
    else if (tag === ((2 << 3) | WIRE_BYTES)) {
      const end = r.lengthEnd();
      while (r.pos < end) {
        const t = r.uint32();
        if (t === ((1 << 3) | WIRE_BYTES)) raw = r.bytes();
        else r.skip(t & 7, t >>> 3);
      }
    } else r.skip(tag & 7, tag >>> 3);
  }
  if (!type) throw new ProtobufDecodeError('watch event without a type');
  if (!raw) throw new ProtobufDecodeError(`${type} watch event without an object`);
  return { type, object: decodeObject(raw, schema) };
}
