import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chalk, type ChalkInstance } from 'chalk';
import fc from 'fast-check';
import { createColors, type Colors } from '../../../src/console/colors.ts';

// Chalk is the reference: the painter must print what chalk printed for every style and chain we use.
const STYLES = ['bold', 'dim', 'italic', 'underline', 'inverse', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'gray'] as const;

function styled<T extends Colors | ChalkInstance>(root: T, chain: readonly (typeof STYLES)[number][]): T {
  return chain.reduce<T>((p, s) => p[s] as T, root);
}

// Text with what makes painting hard: escape codes of other styles, line breaks (\n and \r\n), empty pieces.
const piece = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('\n', '\r\n', '\r', '\x1b[39m', '\x1b[22m', '\x1b[1m', '\x1b[31m', '', ' '));
const text = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
const chainOf = fc.array(fc.constantFrom(...STYLES), { maxLength: 3 });

describe('colors', () => {
  it('prints what chalk prints for any chain of styles, any text, nested painting and line breaks, at level 0 and 2', () => {
    fc.assert(
      fc.property(fc.constantFrom(0 as const, 2 as const), chainOf, chainOf, text, text, text, (level, outer, inner, before, middle, after) => {
        const ours = createColors(level);
        const theirs = new Chalk({ level });
        const oursNested = styled(ours, outer)(before + styled(ours, inner)(middle) + after);
        const theirsNested = styled(theirs, outer)(before + styled(theirs, inner)(middle) + after);
        assert.equal(JSON.stringify(oursNested), JSON.stringify(theirsNested));
      }),
      { numRuns: 2000 },
    );
  });

  it('joins several arguments with spaces, as chalk does', () => {
    const ours = createColors(2);
    const theirs = new Chalk({ level: 2 });
    for (const args of [['a', 'b'], ['a', 1, null], [undefined], [null, 'x'], [3], []] as unknown[][]) {
      assert.equal(ours.red(...args), theirs.red(...args), JSON.stringify(args));
      assert.equal(ours(...args), theirs(...args), JSON.stringify(args));
    }
  });

  it('paints with SGR codes at level 2 and not at all at level 0', () => {
    assert.equal(createColors(2).bold.cyan('x'), '\x1b[1m\x1b[36mx\x1b[39m\x1b[22m');
    assert.equal(createColors(0).bold.cyan('x'), 'x');
    assert.equal(createColors(2).level, 2);
    assert.equal(createColors(0).level, 0);
  });

  it('reopens a style closed inside the text, so the rest of the text keeps it', () => {
    const c = createColors(2);
    assert.equal(c.red(`a${c.green('b')}c`), '\x1b[31ma\x1b[32mb\x1b[39m\x1b[31mc\x1b[39m');
  });

  it('closes the styles before each line break and opens them after', () => {
    assert.equal(createColors(2).dim('a\nb\r\nc'), '\x1b[2ma\x1b[22m\n\x1b[2mb\x1b[22m\r\n\x1b[2mc\x1b[22m');
  });

  it('gives the same chained painter each time a style is read', () => {
    const c = createColors(2);
    assert.equal(c.bold.red, c.bold.red);
  });
});
