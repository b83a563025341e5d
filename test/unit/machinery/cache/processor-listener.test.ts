import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/machinery/clock.ts';
import { ProcessorListener } from '../../../../src/machinery/cache/processor-listener.ts';

describe('ProcessorListener resync timing', () => {
  const listener = (clock: FakeClock, periodMs: number) => new ProcessorListener({}, periodMs, periodMs, { clock, id: 1, upstreamHasSynced: () => true });

  it('counts a check that comes a moment before the deadline as due, so an early timer skips no period', () => {
    const clock = new FakeClock(0);
    const l = listener(clock, 5000);
    assert.equal(l.shouldResync(4999.6), true, 'a timer firing 0.4 ms early still resyncs');
    assert.equal(l.shouldResync(4000), false, 'a check a fifth of a period early does not');
  });

  it('caps the tolerance at one second for long periods, and never resyncs with a period of 0', () => {
    const clock = new FakeClock(0);
    assert.equal(listener(clock, 60_000).shouldResync(58_500), false);
    assert.equal(listener(clock, 60_000).shouldResync(59_000), true);
    assert.equal(listener(clock, 0).shouldResync(1e9), false);
  });
});
