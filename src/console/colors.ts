/**
 * Terminal colour for what the commands and lessons print: the SGR styles they use, chained as chalk's are
 * (`c.bold.cyan(text)`), with chalk's output for them byte for byte (a test compares the two): a style
 * closed inside the text is opened again after it, and every line break closes the styles before it and
 * opens them after, so no colour bleeds into the next line. At level 0 nothing is painted. Several
 * arguments are joined by spaces, as console.log and chalk join them.
 *
 * Why not chalk: importing it loads node:tty and builds every one of its ~100 styles, on every command that
 * prints; on `list-nodes` that was ~110 page faults and one young-generation GC more (measured).
 */

/** A painter: call it to style text; each style is a property that chains (`c.bold.red`). */
export interface Colors {
  (...text: unknown[]): string;
  /** 0: no colour; above 0: colour (the styles here are the 16-colour ones, the same at every level). */
  readonly level: number;
  readonly bold: Colors;
  readonly dim: Colors;
  readonly italic: Colors;
  readonly underline: Colors;
  readonly inverse: Colors;
  readonly red: Colors;
  readonly green: Colors;
  readonly yellow: Colors;
  readonly blue: Colors;
  readonly magenta: Colors;
  readonly cyan: Colors;
  readonly white: Colors;
  readonly gray: Colors;
}

type StyleName = Exclude<keyof Colors, 'level'>;

/** SGR open and close parameters of each style. */
const SGR: Record<StyleName, readonly [open: number, close: number]> = {
  bold: [1, 22],
  dim: [2, 22],
  italic: [3, 23],
  underline: [4, 24],
  inverse: [7, 27],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  white: [37, 39],
  gray: [90, 39],
};

/** One style of a chain, innermost first through `outer`; `openAll` and `closeAll` cover the whole chain. */
interface Link {
  open: string;
  close: string;
  openAll: string;
  closeAll: string;
  outer: Link | undefined;
}

const LEVEL = Symbol('level');
const LINK = Symbol('link');

interface Painter {
  [LEVEL]: number;
  [LINK]: Link | undefined;
}

// The styles are getters on one shared prototype: a painter costs one function, and a chain is built (and
// kept on the painter it came from) only when first used.
const prototype = Object.create(Function.prototype, {
  level: {
    get(this: Painter) {
      return this[LEVEL];
    },
  },
  ...Object.fromEntries(
    (Object.keys(SGR) as StyleName[]).map((name) => [
      name,
      {
        get(this: Painter) {
          const [open, close] = SGR[name];
          const painter = makePainter(this[LEVEL], chain(`\x1b[${open}m`, `\x1b[${close}m`, this[LINK]));
          Object.defineProperty(this, name, { value: painter });
          return painter;
        },
      },
    ]),
  ),
}) as object;

function chain(open: string, close: string, outer: Link | undefined): Link {
  return { open, close, openAll: (outer?.openAll ?? '') + open, closeAll: close + (outer?.closeAll ?? ''), outer };
}

function makePainter(level: number, link: Link | undefined): Colors {
  const painter = ((...text: unknown[]) => {
    if (!link) return text.join(' ');
    return paint(level, link, text.length === 1 ? String(text[0]) : text.join(' '));
  }) as Colors & Painter;
  Object.setPrototypeOf(painter, prototype);
  painter[LEVEL] = level;
  painter[LINK] = link;
  return painter;
}

function paint(level: number, link: Link, text: string): string {
  if (level <= 0 || !text) return text;
  let out = text;
  // A style the text closes itself (an inner painted piece) is opened again right after, so the rest
  // of the text keeps this painter's styles.
  if (out.includes('\x1b')) for (let l: Link | undefined = link; l; l = l.outer) out = out.split(l.close).join(l.close + l.open);
  if (out.includes('\n')) out = out.replace(/\r?\n/g, (lineBreak) => link.closeAll + lineBreak + link.openAll);
  return link.openAll + out + link.closeAll;
}

/** A painter at `level` (0: plain text). */
export function createColors(level: number): Colors {
  return makePainter(level, undefined);
}
