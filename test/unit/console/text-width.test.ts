import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import stringWidth from 'fast-string-width';
import { createColors } from '../../../src/console/colors.ts';
import { textWidth } from '../../../src/console/text-width.ts';

const painter = createColors(2);
const STYLES = ['bold', 'dim', 'red', 'green', 'yellow', 'cyan', 'gray'] as const;

describe('textWidth', () => {
  it('counts printable ASCII one column a character, colour codes none', () => {
    assert.equal(textWidth(''), 0);
    assert.equal(textWidth('kwok-node-1'), 11);
    assert.equal(textWidth(painter.green('Ready')), 5);
    assert.equal(textWidth(painter.bold.red('Not') + ' ' + painter.dim('ready')), 9);
  });

  it('counts wide characters two, combining marks and control characters none, as fast-string-width does', () => {
    for (const text of ['日本', 'caf\u0065\u0301', '👍 ok', 'a\u0007b', '\uff21\uff22', '\x1b[12345m', '\x1b[;1mx', 'tab\there']) {
      assert.equal(textWidth(text), stringWidth(text), JSON.stringify(text));
    }
  });

  it('agrees with fast-string-width on painted ASCII and on any text', () => {
    const painted = fc
      .array(fc.tuple(fc.stringMatching(/^[\x20-\x7e]{0,8}$/), fc.constantFrom(...STYLES, undefined)), { maxLength: 6 })
      .map((parts) => parts.map(([text, style]) => (style ? painter[style](text) : text)).join(''));
    const escapes = fc.array(fc.constantFrom('\x1b[', 'm', ';', '0', '12', '99999', 'x', ' ', '\x1b', '\x9b'), { maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(painted, escapes, fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), (text) => {
        assert.equal(textWidth(text), stringWidth(text));
      }),
    );
  });
});
