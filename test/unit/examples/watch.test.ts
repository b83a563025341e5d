import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, maskSecretData } from '../../../src/examples/watch.ts';

describe('watch lesson helpers', () => {
  it('compares numeric resource versions, and only those', () => {
    assert.equal(compareVersions('1', '1234'), 'older');
    assert.equal(compareVersions('1234', '1234'), 'same');
    assert.equal(compareVersions('99999999999999999999', '1234'), 'newer');
    assert.equal(compareVersions('abc', '1234'), undefined);
    assert.equal(compareVersions('1', ''), undefined);
  });

  it('masks the data of Secrets in raw watch lines, and nothing else', () => {
    const secret = JSON.stringify({
      type: 'ADDED',
      object: { kind: 'Secret', metadata: { name: 's' }, data: { password: 'c2VjcmV0IQ==' }, stringData: { token: 'plain' } },
    });
    const masked = JSON.parse(maskSecretData(secret)) as { object: { data: unknown; stringData: unknown } };
    assert.deepEqual(masked.object.data, { password: '<redacted>' });
    assert.deepEqual(masked.object.stringData, { token: '<redacted>' });
    const cm = JSON.stringify({ type: 'ADDED', object: { kind: 'ConfigMap', data: { a: '1' } } });
    assert.equal(maskSecretData(cm), cm);
    assert.equal(maskSecretData('{"kind":"Secret", not json'), '{"kind":"Secret", not json');
  });
});
