import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatMicroTime, formatTime, GO_ZERO_TIME_SECONDS } from '../../../../src/core/protobuf/json-forms.ts';

describe('formatTime and formatMicroTime', () => {
  it('write RFC 3339 in UTC as metav1.Time does: whole seconds', () => {
    assert.equal(formatTime(1764647000), '2025-12-02T03:43:20Z');
    assert.equal(formatTime(0), '1970-01-01T00:00:00Z');
    assert.equal(formatTime(-1), '1969-12-31T23:59:59Z');
  });

  it('write six fraction digits for MicroTime, truncating nanoseconds', () => {
    assert.equal(formatMicroTime(1764647000, 123456789), '2025-12-02T03:43:20.123456Z');
    assert.equal(formatMicroTime(1764647000, 999), '2025-12-02T03:43:20.000000Z');
  });

  it('write null for Go’s zero time', () => {
    assert.equal(formatTime(GO_ZERO_TIME_SECONDS), null);
    assert.equal(formatMicroTime(GO_ZERO_TIME_SECONDS, 0), null);
    assert.equal(formatTime(GO_ZERO_TIME_SECONDS + 1), '0001-01-01T00:00:01Z');
  });
});

describe('formatDuration', () => {
  // Go's own table for time.Duration.String (time_test.go).
  const cases: [string, bigint][] = [
    ['0s', 0n],
    ['1ns', 1n],
    ['1.1µs', 1100n],
    ['2.2ms', 2_200_000n],
    ['3.3s', 3_300_000_000n],
    ['4m5s', 245_000_000_000n],
    ['4m5.001s', 245_001_000_000n],
    ['5h6m7.001s', 18_367_001_000_000n],
    ['8m0.000000001s', 480_000_000_001n],
    ['2562047h47m16.854775807s', 2n ** 63n - 1n],
    ['-2562047h47m16.854775808s', -(2n ** 63n)],
    ['-1h0m0s', -3_600_000_000_000n],
  ];
  for (const [text, ns] of cases) it(`writes ${ns} ns as ${text}`, () => assert.equal(formatDuration(ns), text));
});

describe('formatBytes', () => {
  it('writes standard padded base64 of exactly the view', () => {
    const buf = Uint8Array.from([0, 1, 2, 250, 251, 252, 9]);
    assert.equal(formatBytes(buf.subarray(1, 6)), Buffer.from([1, 2, 250, 251, 252]).toString('base64'));
    assert.equal(formatBytes(new Uint8Array()), '');
  });
});
