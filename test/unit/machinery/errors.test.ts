import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiStatusError, apiStatusError, isReasonExpired, isResourceExpired, isTooLargeResourceVersion } from '../../../src/machinery/errors.ts';
import { toApiStatusError } from '../../../src/core/errors.ts';

describe('apiStatusError: one reader of a Status body', () => {
  const gone = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 1 (20)', reason: 'Expired', code: 410 };

  it('reads an HTTP answer: the HTTP code wins, the message, reason and details come from the body', () => {
    const e = apiStatusError(JSON.stringify({ ...gone, code: 999, details: { name: 'p', kind: 'pods' } }), {
      httpStatus: 410,
      fallbackMessage: '410 Gone',
      method: 'GET',
      url: '/api/v1/pods',
    });
    assert.deepEqual(
      [e.code, e.message, e.reason, e.details, e.method, e.url],
      [410, gone.message, 'Expired', { name: 'p', kind: 'pods' }, 'GET', '/api/v1/pods'],
    );
    assert.ok(isResourceExpired(e));
  });

  it('reads a watch ERROR event object: its own code, and expiry by reason even without 410', () => {
    const e = apiStatusError({ ...gone, code: undefined }, { fallbackMessage: 'watch ERROR event' });
    assert.equal(e.code, 500);
    assert.equal(e.reason, 'Expired');
    assert.ok(isResourceExpired(e), 'reason Expired means relist whatever the code');
    assert.equal(apiStatusError(gone, { fallbackMessage: 'x' }).code, 410);
  });

  it('keeps Retry-After 0 ("retry now"), from the header or from details.retryAfterSeconds', () => {
    assert.equal(apiStatusError('', { httpStatus: 429, fallbackMessage: 'x', retryAfterHeader: '0' }).retryAfterSeconds, 0);
    assert.equal(apiStatusError({ details: { retryAfterSeconds: 0 } }, { httpStatus: 429, fallbackMessage: 'x' }).retryAfterSeconds, 0);
    assert.equal(apiStatusError({ details: { retryAfterSeconds: 3 } }, { httpStatus: 429, fallbackMessage: 'x', retryAfterHeader: '7' }).retryAfterSeconds, 7);
    assert.equal(apiStatusError('{}', { httpStatus: 429, fallbackMessage: 'x', retryAfterHeader: 'soon' }).retryAfterSeconds, undefined);
    assert.equal(apiStatusError('{}', { httpStatus: 429, fallbackMessage: 'x', retryAfterHeader: '-1' }).retryAfterSeconds, undefined);
  });

  it('falls back to the given message for a body that is not a Status', () => {
    for (const body of ['<html>bad gateway</html>', '', null, 42, ['a'], { message: '' }]) {
      const e = apiStatusError(body, { httpStatus: 502, fallbackMessage: '502 Bad Gateway' });
      assert.deepEqual([e.code, e.message, e.reason, e.details], [502, '502 Bad Gateway', undefined, undefined], JSON.stringify(body));
    }
  });

  it("reads client-node's ApiException the same way, Retry-After 0 included", () => {
    class ApiException extends Error {
      code = 429;
      body = JSON.stringify({ message: 'slow down', reason: 'TooManyRequests' });
      headers = { 'retry-after': '0' };
    }
    const e = toApiStatusError(new ApiException('HTTP-Code: 429'));
    assert.deepEqual([e?.code, e?.message, e?.reason, e?.retryAfterSeconds], [429, 'slow down', 'TooManyRequests', 0]);
  });
});

describe('status checks, as apimachinery decides them', () => {
  const status = (code: number, reason?: string, message = 'm', details?: Record<string, unknown>) => new ApiStatusError({ code, reason, message, details });

  it("expired (the reflector's isExpiredError): reason Expired or Gone, or 410 with a reason apimachinery does not know", () => {
    assert.ok(isResourceExpired(status(410, 'Expired')));
    assert.ok(isResourceExpired(status(500, 'Expired')));
    assert.ok(isResourceExpired(status(410, 'Gone')));
    assert.ok(isResourceExpired(status(410)));
    assert.ok(isResourceExpired(status(410, 'SomethingNew')));
    assert.ok(!isResourceExpired(status(410, 'NotFound')), 'a known reason wins over the code');
    assert.ok(!isResourceExpired(new Error('410')));
  });

  it("reason Expired alone (apierrors.IsResourceExpired, the pager's check): 410 Gone is not", () => {
    assert.ok(isReasonExpired(status(410, 'Expired')));
    assert.ok(!isReasonExpired(status(410, 'Gone')));
    assert.ok(!isReasonExpired(status(410)));
  });

  it('too large resource version, as isTooLargeResourceVersionError', () => {
    const tooLarge = 'Too large resource version';
    assert.ok(isTooLargeResourceVersion(status(504, 'Timeout', 'x', { causes: [{ reason: 'ResourceVersionTooLarge' }] })));
    assert.ok(isTooLargeResourceVersion(status(500, 'InternalError', 'x', { causes: [{ reason: 'ResourceVersionTooLarge' }] })), 'the cause alone');
    assert.ok(isTooLargeResourceVersion(status(504, 'Timeout', 'x', { causes: [{ message: tooLarge }] })));
    assert.ok(isTooLargeResourceVersion(status(504, undefined, 'x', { causes: [{ message: tooLarge }] })), '504 with no reason is a timeout');
    assert.ok(isTooLargeResourceVersion(status(504, 'Timeout', `${tooLarge}: 9, current: 3`, {})), 'the message, once there are details');
    assert.ok(!isTooLargeResourceVersion(status(504, 'Timeout', tooLarge)), 'no details: never');
    assert.ok(!isTooLargeResourceVersion(status(504, 'InternalError', 'x', { causes: [{ message: tooLarge }] })), 'a known reason that is not Timeout');
    assert.ok(!isTooLargeResourceVersion(status(500, undefined, 'x', { causes: [{ message: tooLarge }] })), 'not a timeout');
  });
});
