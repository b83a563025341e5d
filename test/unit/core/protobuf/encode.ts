/**
 * A protobuf writer for the decoder's tests: builds wire bytes field by field, as gogo-protobuf writes them
 * (or deliberately otherwise: packed runs, unknown fields, truncation).
 */
export type Part = Uint8Array | number[];

export function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

export function bytes(...parts: Part[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

export const tag = (field: number, wire: number) => varint((field << 3) | wire);
export const int = (field: number, value: bigint | number) => [...tag(field, 0), ...varint(value)];
export const len = (field: number, ...body: Part[]) => {
  const b = bytes(...body);
  return [...tag(field, 2), ...varint(b.length), ...b];
};
export const str = (field: number, value: string) => len(field, Buffer.from(value, 'utf8'));
export const double = (field: number, value: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return [...tag(field, 1), ...b];
};

/** "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Part, contentType?: string): Uint8Array {
  return bytes([0x6b, 0x38, 0x73, 0x00], len(1, str(1, apiVersion), str(2, kind)), len(2, raw), contentType === undefined ? [] : str(4, contentType));
}

/** A length-delimited frame: 4-byte big-endian length, then the bytes. */
export function frame(body: Uint8Array): Uint8Array {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return bytes(head, body);
}
