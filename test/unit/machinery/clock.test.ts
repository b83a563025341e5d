// The real clock's timers: what Node's setTimeout cannot do alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { RealClock } from '../../../src/machinery/clock.ts';

test('a real timer longer than Node allows (2^31-1 ms) is not cut short: no overflow, so it does not fire at once', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    let fired = false;
    const handle = new RealClock().setTimer(() => (fired = true), 2 ** 31 + 5);
    await turn();
    await turn();
    handle.cancel();
    assert.equal(fired, false);
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});
