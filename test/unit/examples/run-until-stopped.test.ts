import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stopControl } from '../../../src/examples/run-until-stopped.ts';

/** The command's interrupt as main.ts aborts it for each signal. */
const signalled = (message: 'interrupted' | 'terminated') => {
  const interrupt = new AbortController();
  interrupt.abort(Object.assign(new Error(message), { name: 'AbortError' }));
  return interrupt.signal;
};

describe('stopControl', () => {
  it('says a Ctrl-C stop was interrupted and a SIGTERM stop was terminated', () => {
    for (const [message, reason] of [
      ['interrupted', 'interrupted'],
      ['terminated', 'terminated'],
    ] as const) {
      const stop = stopControl(signalled(message));
      try {
        assert.equal(stop.signal.aborted, true);
        assert.equal(stop.reason(), reason);
      } finally {
        stop.dispose(); // its keep-alive timer would hold the test process open
      }
    }
  });

  it('keeps the first reason: a signal after the example stopped itself does not rename it', () => {
    const interrupt = new AbortController();
    const stop = stopControl<'expired'>(interrupt.signal);
    try {
      stop.stopWith('expired');
      interrupt.abort(Object.assign(new Error('terminated'), { name: 'AbortError' }));
      assert.equal(stop.reason(), 'expired');
    } finally {
      stop.dispose();
    }
  });
});
