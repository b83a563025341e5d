import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeProgress, estimateSeconds, etaText, progressBar, progressReporter, type BuildProgress } from '../../../src/sandbox/build-progress.ts';
import { textWidth } from '../../../src/console/text-width.ts';

const base: BuildProgress = {
  phase: 'compiling',
  pid: 1,
  compiled: 812,
  total: 1290,
  components: {},
  startedAt: '',
  updatedAt: '',
  component: 'kube-apiserver',
  etaSeconds: 170,
};

test('the menu line says what is built, how far, and about how long is left', () => {
  assert.equal(describeProgress(base), 'building kube-apiserver 62%, about 3 min left');
  assert.equal(describeProgress({ ...base, etaSeconds: undefined }), 'building kube-apiserver 62%');
  assert.equal(describeProgress({ ...base, phase: 'downloading' }), 'downloading the Go modules');
  assert.equal(describeProgress({ ...base, phase: 'failed', error: { message: 'Go 1.22 is too old', hint: '' } }), 'build failed: Go 1.22 is too old');
  assert.equal(etaText(42), 'about 40 s left');
  assert.equal(etaText(2), 'about 5 s left');
});

test('the estimate follows the rate so far, and waits for enough packages to say', () => {
  assert.equal(estimateSeconds(10, 100, 60_000), undefined);
  assert.equal(estimateSeconds(100, 400, 60_000), 180);
  assert.equal(estimateSeconds(400, 400, 60_000), 0);
});

test('the bar never exceeds the width it is given and shows the counts', () => {
  assert.match(progressBar(base, 100), /^\[█+░+\] {2}62% kube-apiserver 812\/1290 packages, about 3 min left$/);
  fc.assert(
    fc.property(fc.integer({ min: 20, max: 200 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 5000 }), (width, compiled, total) => {
      assert.ok(textWidth(progressBar({ ...base, compiled: Math.min(compiled, total), total }, width)) <= width);
    }),
  );
});

test('on a terminal the bar is redrawn in place, and log lines go above it', () => {
  let clock = 0;
  const writes: string[] = [];
  const r = progressReporter({ isTTY: true, columns: 80, write: (s) => (writes.push(s), true) }, () => clock);
  r.update(base);
  r.update({ ...base, compiled: 813 }); // within 200 ms: skipped
  clock = 300;
  r.update({ ...base, compiled: 900 });
  r.log('  go build');
  r.done();
  const text = writes.join('');
  assert.equal(text.split('812/1290').length - 1, 1);
  const CLEAR = '\r\u001b[K';
  assert.ok(text.includes(`${CLEAR}  go build\n[`), text);
  assert.ok(text.slice(text.indexOf('go build')).includes('900/1290'));
  assert.ok(text.endsWith('\r\x1b[K'));
});

test('without a terminal, a line per phase, per component and per tenth', () => {
  const lines: string[] = [];
  const r = progressReporter({ write: (s) => (lines.push(s), true) });
  r.update({ ...base, phase: 'downloading' });
  r.update({ ...base, phase: 'downloading' });
  for (const compiled of [0, 50, 129, 130, 500, 1290]) r.update({ ...base, compiled, etaSeconds: undefined });
  r.update({ ...base, component: 'etcd', compiled: 1290, etaSeconds: undefined });
  assert.deepEqual(lines, [
    'sandbox build: downloading the Go modules\n',
    'sandbox build: building kube-apiserver 0% (0/1290 packages)\n',
    'sandbox build: building kube-apiserver 10% (129/1290 packages)\n',
    'sandbox build: building kube-apiserver 38% (500/1290 packages)\n',
    'sandbox build: building kube-apiserver 100% (1290/1290 packages)\n',
    'sandbox build: building etcd 100% (1290/1290 packages)\n',
  ]);
});
