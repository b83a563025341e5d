import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { idleShare, parseCpuTimes } from '../../../bench/lib/quiet.ts';

const STAT = `cpu  100 5 50 800 20 3 2 0 0 0
cpu0 50 2 25 400 10 1 1 0 0 0
intr 12345
`;

describe('how quiet the machine is', () => {
  it('reads total and idle jiffies from the aggregate cpu line only, counting iowait as idle', () => {
    assert.deepEqual(parseCpuTimes(STAT), { total: 980, idle: 820 });
  });

  it('refuses a /proc/stat without an aggregate cpu line, or with an unreadable one', () => {
    assert.throws(() => parseCpuTimes('intr 1\n'), /no aggregate cpu line/);
    assert.throws(() => parseCpuTimes('cpu  1 2 x 4 5\n'), /unreadable/);
  });

  it('gives the idle share of the time between two readings', () => {
    assert.equal(idleShare({ total: 1000, idle: 800 }, { total: 1200, idle: 950 }), 0.75);
    assert.equal(idleShare({ total: 1000, idle: 800 }, { total: 1000, idle: 800 }), 1);
  });

  it('always lies between 0 and 1, whatever the readings', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), (total, idle, dt, di) => {
        const s = idleShare({ total, idle }, { total: total + dt, idle: idle + di });
        return s >= 0 && s <= 1;
      }),
    );
  });
});
