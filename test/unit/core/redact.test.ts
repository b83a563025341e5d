import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, redactHeaders, redactObject, registerSecret } from '../../../src/core/redact.ts';

describe('redact', () => {
  it('masks a registered secret wherever it appears, every time', () => {
    const secret = 'sEcReT-' + Math.random().toString(36).slice(2);
    registerSecret(secret);
    const out = redact(`a ${secret} b ${secret}`);
    assert.equal(out, 'a <redacted> b <redacted>');
    assert.ok(!out.includes(secret));
  });

  it('ignores short or non-string values when registering (too noisy to mask)', () => {
    registerSecret('abc');
    registerSecret(undefined);
    registerSecret(12345678);
    assert.equal(redact('abc 12345678'), 'abc 12345678');
  });

  it('masks bearer and basic credentials it never saw, keeping the scheme', () => {
    assert.equal(redact('Authorization: Bearer eyJhbGciOi.J9.abc-_'), 'Authorization: Bearer <redacted>');
    assert.equal(redact('authorization: basic dXNlcjpwYXNz'), 'authorization: basic <redacted>');
  });

  it('masks passwords in URLs, private keys, and credential-named fields', () => {
    assert.equal(redact('https://admin:hunter2@example.com/api'), 'https://admin:<redacted>@example.com/api');
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAKC\n-----END RSA PRIVATE KEY-----';
    const out = redact(`key: ${key} end`);
    assert.ok(!out.includes('MIIEow'));
    assert.match(out, /-----BEGIN RSA PRIVATE KEY----- <redacted> -----END RSA PRIVATE KEY-----/);
    const json = redact('{"token":"abc.def","name":"x"}');
    assert.ok(!json.includes('abc.def') && json.includes('<redacted>') && json.includes('"name":"x"'));
    assert.equal(redact('password=swordfish user=bob'), 'password=<redacted> user=bob');
    assert.equal(redact('client-key-data: LS0tLS1CRUdJTg=='), 'client-key-data: <redacted>');
  });

  it('leaves ordinary text alone', () => {
    const text = 'GET https://127.0.0.1:6443/api/v1/nodes?labelSelector=app%3Dweb 200 OK';
    assert.equal(redact(text), text);
  });
});

describe('redactHeaders', () => {
  it('masks credential headers whatever their case, keeping the auth scheme', () => {
    const out = redactHeaders({ Authorization: 'Bearer abc.def.ghi', 'X-Api-Key': 'k-123456', Cookie: 'session=1', Accept: 'application/json' });
    assert.deepEqual(out, { Authorization: 'Bearer <redacted>', 'X-Api-Key': '<redacted>', Cookie: '<redacted>', Accept: 'application/json' });
  });

  it('joins multi-valued headers and drops undefined ones', () => {
    assert.deepEqual(redactHeaders({ accept: ['a', 'b'], gone: undefined }), { accept: 'a, b' });
  });
});

describe('redactObject', () => {
  it('masks kubeconfig user credentials, auth-provider config and exec env, without touching the input', () => {
    const user = {
      name: 'u',
      user: {
        token: 'tok-123456',
        'client-key-data': 'a2V5',
        'client-certificate-data': 'Y2VydA==',
        'auth-provider': { name: 'oidc', config: { 'id-token': 'x', 'idp-issuer-url': 'https://issuer' } },
        exec: { command: 'aws', env: [{ name: 'AWS_PROFILE', value: 'prod' }] },
      },
    };
    const copy = structuredClone(user);
    const out = redactObject(user);
    assert.deepEqual(user, copy, 'input unchanged');
    assert.equal(out.user.token, '<redacted>');
    assert.equal(out.user['client-key-data'], '<redacted>');
    assert.equal(out.user['client-certificate-data'], 'Y2VydA==', 'certificates are public');
    assert.deepEqual(out.user['auth-provider'].config, { 'id-token': '<redacted>', 'idp-issuer-url': '<redacted>' });
    assert.deepEqual(out.user.exec.env, [{ name: 'AWS_PROFILE', value: '<redacted>' }]);
    assert.equal(out.user.exec.command, 'aws');
  });

  it('keeps null credential fields null and redacts strings found deeper', () => {
    const out = redactObject({ password: null, note: 'Bearer abc123def', list: ['ok', { secret: 's' }] });
    assert.deepEqual(out, { password: null, note: 'Bearer <redacted>', list: ['ok', { secret: '<redacted>' }] });
  });
});

describe('redact keeps prose readable', () => {
  it('leaves the words "bearer token" and "basic authentication" alone but masks real values after them', () => {
    assert.equal(redact('credential: bearer token'), 'credential: bearer token');
    assert.equal(redact('uses basic authentication'), 'uses basic authentication');
    assert.equal(redact('Basic dXNlcjpwYXNz'), 'Basic <redacted>');
    assert.equal(redact('{"token":"s3cr3tvalue","f:password":{}}'), '{"token":"<redacted>","f:password":{}}');
  });
});
