import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeError, ExitCode } from '../../../src/core/errors.ts';
import { Http1ParseError } from '../../../src/core/http1-response-parser.ts';
import { http1Transport } from '../../../src/core/http1-transport.ts';
import { ApiStatusError } from '../../../src/machinery/errors.ts';

/** What the funnel makes of a 403 whose Status says `message`, while doing `action`. */
const forbidden = (message: string, action: string) => describeError(new ApiStatusError({ code: 403, reason: 'Forbidden', message }), { action });

describe('describeError', () => {
  it('names the verb, resource and namespace RBAC denied', () => {
    const e = forbidden('pods is forbidden: User "kube-lessons-nobody" cannot list resource "pods" in API group "" in the namespace "default"', 'list pods');
    assert.equal(e.exitCode, ExitCode.forbidden);
    assert.equal(e.message, 'list pods: forbidden (403): user "kube-lessons-nobody" may not list pods in namespace "default"');
    assert.match(e.hint!, /granting "list" on "pods"/);
  });

  // The Status NamespaceLifecycle sends (as the sandbox's API server does): the cause is what says it.
  const terminating = (message: string, url?: string) =>
    new ApiStatusError({
      code: 403,
      reason: 'Forbidden',
      message,
      details: {
        name: 'my-pod',
        kind: 'pods',
        causes: [{ reason: 'NamespaceTerminating', message: 'namespace demo is being terminated', field: 'metadata.namespace' }],
      },
      url,
    });

  it('says a 403 with a NamespaceTerminating cause is the namespace being deleted, not RBAC, whatever its message says', () => {
    const e = describeError(terminating('pods "my-pod" is forbidden: namespace demo is terminating', 'https://127.0.0.1:6443/api/v1/namespaces/demo/pods'), {
      action: 'create pod my-pod',
    });
    assert.equal(e.exitCode, ExitCode.forbidden);
    assert.equal(e.message, 'create pod my-pod: forbidden (403): namespace "demo" is being deleted, and takes no new objects');
    assert.equal(e.hint, 'wait until it is gone and create it again, or use another -n');
  });

  it('says "the namespace" for a NamespaceTerminating 403 whose request path is unknown', () => {
    const e = describeError(terminating('pods "my-pod" is forbidden: unable to create new content in namespace demo because it is being terminated'));
    assert.equal(e.message, 'forbidden (403): the namespace is being deleted, and takes no new objects');
  });

  it('leaves a 403 that only quotes the terminating wording, without the cause, to RBAC or admission', () => {
    const e = forbidden(
      'admission webhook "policy.example.com" denied the request: unable to create new content in namespace demo because it is being terminated',
      'create pod my-pod',
    );
    assert.equal(e.exitCode, ExitCode.forbidden);
    assert.equal(e.hint, 'RBAC or an admission policy denied the request');
  });

  it('qualifies grouped resources and says when a denial is cluster-wide', () => {
    const e = describeError(
      new ApiStatusError({
        code: 403,
        message: 'deployments.apps is forbidden: User "u" cannot create resource "deployments" in API group "apps" at the cluster scope',
      }),
    );
    assert.match(e.message, /may not create deployments\.apps \(cluster-wide\)/);
  });

  it('lists every field error of a 422 on one line', () => {
    const e = describeError(
      new ApiStatusError({
        code: 422,
        reason: 'Invalid',
        message: 'Pod "Bad_Name" is invalid: ...',
        details: {
          kind: 'Pod',
          name: 'Bad_Name',
          causes: [
            { field: 'metadata.name', message: 'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of...' },
            { field: 'spec.containers[0].image', message: 'Required value' },
          ],
        },
      }),
      { action: 'create pod' },
    );
    assert.equal(e.exitCode, ExitCode.invalid);
    assert.ok(!e.message.includes('\n'));
    assert.match(e.message, /metadata\.name: Invalid value.*; spec\.containers\[0\]\.image: Required value/);
  });

  it('reports an existing object as a conflict with the exit code for it', () => {
    const e = describeError(
      new ApiStatusError({ code: 409, reason: 'AlreadyExists', message: 'pods "my-pod" already exists', details: { kind: 'pods', name: 'my-pod' } }),
    );
    assert.equal(e.exitCode, ExitCode.conflict);
    assert.match(e.message, /pods "my-pod" already exists \(409\)/);
  });

  it('turns connection refused into an unreachable-server line with a hint', () => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    const e = describeError(err, { server: 'https://127.0.0.1:1' });
    assert.equal(e.exitCode, ExitCode.unreachable);
    assert.equal(e.message, 'cannot reach https://127.0.0.1:1 (ECONNREFUSED)');
    assert.ok(e.hint);
  });

  it('calls an answer that is not HTTP an unreachable API server, and names the server', () => {
    const e = describeError(new Http1ParseError('bad status line "SSH-2.0-OpenSSH_9"'), { action: 'list nodes', server: 'https://127.0.0.1:22' });
    assert.equal(e.exitCode, ExitCode.unreachable);
    assert.equal(e.message, 'list nodes: https://127.0.0.1:22 sent a malformed HTTP/1.1 answer: bad status line "SSH-2.0-OpenSSH_9"');
    assert.match(e.hint!, /kube-lessons doctor/);
  });

  it('sends a credential no header can carry back to the kubeconfig, without showing it', async () => {
    const t = http1Transport(new URL('https://127.0.0.1:1'), { rejectUnauthorized: true });
    const refused = await t
      .send({ method: 'GET', url: new URL('https://127.0.0.1:1/api'), headers: { authorization: 'Bearer s3cret\u010d' }, signal: new AbortController().signal })
      .then(
        () => assert.fail('sent'),
        (err: unknown) => err,
      );
    const e = describeError(refused, { action: 'list nodes' });
    assert.equal(e.exitCode, ExitCode.config);
    assert.match(e.message, /^list nodes: the request header "authorization" holds a character a header may not$/);
    assert.match(e.hint!, /kubeconfig/);
    assert.ok(!`${e.message} ${e.hint}`.includes('s3cret'));
  });

  it('recognises TLS failures and timeouts', () => {
    const tls = describeError(new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }) }));
    assert.equal(tls.exitCode, ExitCode.tls);
    const timeout = describeError(new DOMException('no answer within 10 ms', 'TimeoutError'));
    assert.equal(timeout.exitCode, ExitCode.timeout);
  });

  it('maps @kubernetes/client-node ApiException bodies to the same lines', () => {
    class ApiException extends Error {
      code = 404;
      body = JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'pods "x" not found', details: { kind: 'pods', name: 'x' } });
      headers = {};
    }
    const e = describeError(new ApiException('HTTP-Code: 404'));
    assert.equal(e.exitCode, ExitCode.notFound);
    assert.match(e.message, /pods "x" not found \(404\)/);
  });
});

describe('fetch failures', () => {
  it('a port fetch refuses is unreachable, with the cause chain and a hint about the port', () => {
    const e = describeError(new TypeError('fetch failed', { cause: new Error('bad port') }), { action: 'list nodes', server: 'https://127.0.0.1:6000' });
    assert.equal(e.exitCode, ExitCode.unreachable);
    assert.equal(e.message, 'list nodes: cannot reach https://127.0.0.1:6000: fetch failed: bad port');
    assert.match(e.hint!, /blocks this port/);
  });

  it('any other fetch failure prints every cause once, on one line', () => {
    const inner = new Error('inner\nsecond line');
    const e = describeError(new TypeError('fetch failed', { cause: new Error('middle', { cause: inner }) }));
    assert.equal(e.exitCode, ExitCode.unreachable);
    assert.equal(e.message, 'cannot reach the API server: fetch failed: middle: inner');
  });
});
