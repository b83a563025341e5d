import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters as strip } from 'node:util';
import { createColors } from '../../../src/console/colors.ts';
import fc from 'fast-check';
import { renderTable } from '../../../src/console/output.ts';

const plain = createColors(0);
const coloured = createColors(2);

describe('renderTable', () => {
  it('pads each column to its widest cell plus three spaces, with no trailing spaces', () => {
    assert.equal(
      renderTable(
        ['NAME', 'ARCH', 'OS'],
        [
          ['kwok-node-1', 'amd64', 'Ubuntu 24.04.3 LTS'],
          ['n2', 'arm64', ''],
        ],
        plain,
      ),
      ['NAME          ARCH    OS', 'kwok-node-1   amd64   Ubuntu 24.04.3 LTS', 'n2            arm64'].join('\n'),
    );
  });

  it('leaves the header row out with headers off, and an empty table empty', () => {
    assert.equal(renderTable(['NAME'], [['a'], ['bb']], plain, false), 'a\nbb');
    assert.equal(renderTable(['NAME'], [], plain, false), '');
  });

  it('counts colour codes as no width and wide characters as two', () => {
    const t = renderTable(
      ['A', 'B'],
      [
        [coloured.red('x'), '1'],
        ['日本', '2'],
      ],
      coloured,
    );
    assert.deepEqual(strip(t).split('\n'), ['A      B', 'x      1', '日本   2']);
  });

  it('spreads a cell with line breaks over as many lines, the rest of its row on the first', () => {
    assert.equal(
      renderTable(
        ['K', 'V'],
        [
          ['a', 'one\ntwo'],
          ['b', 'three'],
        ],
        plain,
      ),
      ['K   V', 'a   one', '    two', 'b   three'].join('\n'),
    );
  });

  it('lines up every column: each cell starts where its header does', () => {
    const word = fc.stringMatching(/^[a-z]{1,6}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(word, word, word), { minLength: 1, maxLength: 6 }), (rows) => {
        const lines = renderTable(['AA', 'BB', 'CC'], rows, plain).split('\n');
        const starts = (line: string) => [...line.matchAll(/\S+/g)].map((m) => m.index);
        for (const line of lines) assert.deepEqual(starts(line), starts(lines[0]!));
      }),
    );
  });
});
