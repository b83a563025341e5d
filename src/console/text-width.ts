/**
 * How many terminal columns a line of text takes: colour codes none, wide characters two, combining marks none,
 * as fast-string-width counts (a property test holds the two equal).
 *
 * Why not call fast-string-width for every cell: loading it builds its Unicode property regexes (Han, Emoji,
 * marks) from ICU's tables, ~5M instructions (2.5% of `list-nodes`, measured), though what tables
 * mostly hold is printable ASCII, maybe painted by colors.ts. Such text is measured here; anything else
 * loads fast-string-width on first use (at run time, outside the bundle, as output.ts loads yaml).
 */
import { createRequire } from 'node:module';

/** Printable ASCII and SGR colour codes only, codes written as fast-string-width recognises them whole. */
// eslint-disable-next-line no-control-regex -- colour codes start with ESC
const PLAIN = /^(?:[\x20-\x7e]|\x1b\[(?:[0-9]{1,4}(?:;[0-9]{0,4})*)?m)*$/;
// eslint-disable-next-line no-control-regex -- colour codes start with ESC
const SGR = /\x1b\[[0-9;]*m/g;

let fullWidth: ((text: string) => number) | undefined;

/** The text without its colour codes. */
export function stripColors(text: string): string {
  return text.replace(SGR, '');
}

export function textWidth(text: string): number {
  if (PLAIN.test(text)) return text.includes('\x1b') ? stripColors(text).length : text.length;
  fullWidth ??= (createRequire(import.meta.url)('fast-string-width') as typeof import('fast-string-width')).default;
  return fullWidth(text);
}
