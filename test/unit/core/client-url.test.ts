/**
 * KubeClient.url: the query written as client-go's rest client writes it (url.Values.Encode).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KubeClient } from '../../../src/core/client.ts';

const client = new KubeClient({ server: 'https://127.0.0.1:6443/', cluster: { server: 'https://127.0.0.1:6443/' }, user: {} } as never);

describe('KubeClient.url', () => {
  it('sorts parameters and escapes them as Go’s url.QueryEscape', () => {
    const url = client.url('/api/v1/pods', { watch: true, labelSelector: 'app in (a,b),!x', fieldSelector: 'x~y*z é', limit: undefined, continue: '' });
    assert.equal(url.search, '?fieldSelector=x~y%2Az+%C3%A9&labelSelector=app+in+%28a%2Cb%29%2C%21x&watch=true');
  });

  it('keeps every value of a parameter the path repeats, in order, as url.Values does', () => {
    assert.equal(client.url('/api/v1/pods?labelSelector=b&labelSelector=a&dryRun=All', {}).search, '?dryRun=All&labelSelector=b&labelSelector=a');
  });

  it('lets a query value replace all of a path parameter’s values', () => {
    assert.equal(client.url('/api/v1/pods?limit=1&limit=2', { limit: 5 }).search, '?limit=5');
  });

  it('writes a query the same whether or not the path carries one of its own', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(undefined));
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), value), (query) => {
        const kept = Object.values(query).some((v) => v !== undefined && v !== '');
        fc.pre(kept);
        // A bare '?' leaves the path without parameters, but takes the URLSearchParams route.
        assert.equal(client.url('/api/v1/pods', query).href, client.url('/api/v1/pods?', query).href);
      }),
    );
  });
});
