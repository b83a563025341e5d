import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { roundOrder } from '../../../bench/lib/context.ts';
import { ratio, ratioTable, summarize, type Figure } from '../../../bench/lib/stats.ts';

const fig = (impl: string, samples: number[]): Figure => ({ case: 'c', metric: 'm', impl, unit: 'ms', samples });

describe('benchmark summaries', () => {
  it('summarize gives n, min, max, and the median (mean of the middle two for an even n)', () => {
    assert.deepEqual(summarize([3, 1, 2]), { n: 3, min: 1, median: 2, max: 3 });
    assert.deepEqual(summarize([4, 1, 3, 2]), { n: 4, min: 1, median: 2.5, max: 4 });
  });

  it('the median lies between min and max, whatever the order of the samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1 }), (xs) => {
        const s = summarize(xs);
        assert.ok(s.min <= s.median && s.median <= s.max);
        assert.equal(s.n, xs.length);
        // Numerically the same (===: the sort is stable, so 0 and -0 may swap places, and that is no difference).
        const reversed = summarize([...xs].reverse());
        for (const k of ['n', 'min', 'median', 'max'] as const) assert.ok(reversed[k] === s[k], `${k}: ${reversed[k]} vs ${s[k]}`);
      }),
    );
  });

  it('ratio divides medians, and gives per-round ratios only when both sides ran the same rounds', () => {
    const r = ratio(fig('ours', [2, 4, 6]), fig('peer', [1, 2, 3]));
    assert.equal(r.ratio, 2);
    assert.deepEqual(r.paired, { n: 3, min: 2, median: 2, max: 2 });
    assert.equal(ratio(fig('ours', [2, 4]), fig('peer', [1, 2, 3])).paired, undefined);
  });

  it('the ratio table has a header, a rule and one row per ratio', () => {
    const text = ratioTable([ratio(fig('ours', [2]), fig('peer', [1]))]);
    const lines = text.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[2]!, /2\.00x/);
  });

  it('roundOrder rotates: every round is a permutation, and each impl takes each place once per cycle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(50), (n, start) => {
        const impls = Array.from({ length: n }, (_, i) => i);
        const firsts = new Set<number>();
        for (let r = start; r < start + n; r++) {
          const order = roundOrder(impls, r);
          assert.deepEqual(
            [...order].sort((a, b) => a - b),
            impls,
          );
          firsts.add(order[0]!);
        }
        assert.equal(firsts.size, n);
      }),
    );
  });
});
