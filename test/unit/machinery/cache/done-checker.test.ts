import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DoneSignal, waitFor } from '../../../../src/machinery/cache/done-checker.ts';

test('waitFor resolves as soon as the last checker finishes, without any timer', async () => {
  const a = new DoneSignal('a');
  const b = new DoneSignal('b');
  let result: boolean | undefined;
  const waiting = waitFor(new AbortController().signal, a, b).then((r) => (result = r));
  a.finish();
  await Promise.resolve();
  assert.equal(result, undefined);
  b.finish();
  await waiting;
  assert.equal(result, true);
});

test('waitFor resolves false when the signal aborts first, true when everything was already done', async () => {
  const ctrl = new AbortController();
  const pending = new DoneSignal('pending');
  const waiting = waitFor(ctrl.signal, pending);
  ctrl.abort();
  assert.equal(await waiting, false);
  const done = new DoneSignal('done');
  done.finish();
  assert.equal(await waitFor(ctrl.signal, done), true, 'checked once more after the abort');
  assert.equal(await waitFor(ctrl.signal), true, 'nothing to wait for');
});

test('a DoneSignal finishes once and stays done', async () => {
  const s = new DoneSignal('x');
  assert.equal(s.isDone(), false);
  s.finish();
  s.finish();
  assert.equal(s.isDone(), true);
  await s.done();
  assert.equal(s.name, 'x');
});
