/** The FNV-1a hash's usual 32-bit offset basis. */
const FNV1A_BASIS = 0x811c9dc5;

/**
 * FNV-1a (32 bits) over a string's UTF-16 code units: fast and stable across runs and machines, for spreading
 * keys and naming cache files; not for anything an attacker chooses to collide. Another `basis` gives a second,
 * different hash of the same text.
 */
export function fnv1a(text: string, basis = FNV1A_BASIS): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
