import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { exportLine } from '../../../src/console/text.ts';

/** What bash makes of `eval "<line>"`, printed back byte for byte; and whether the line ran anything else. */
function evalInBash(line: string): { value: string; stderr: string } {
  const r = spawnSync('bash', ['-c', 'eval "$1"; printf %s "$KUBECONFIG"', '_', line], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/nonexistent-home' },
  });
  assert.equal(r.status, 0, r.stderr);
  return { value: r.stdout, stderr: r.stderr };
}

test('paths with spaces, quotes, $ and command substitutions survive eval in bash unchanged', () => {
  for (const path of [
    '/tmp/state with spaces/kubeconfig',
    "/tmp/it's/kubeconfig",
    '/tmp/"quoted"/kubeconfig',
    '/tmp/$HOME/${USER}/kubeconfig',
    '/tmp/$(touch /tmp/kube-lessons-pwned)/`id`/kubeconfig',
    '/tmp/a\'b"c$d e\\f*?[g]/kubeconfig',
    '/tmp/new\nline',
  ]) {
    const { value, stderr } = evalInBash(exportLine('KUBECONFIG', path));
    assert.equal(value, path);
    assert.equal(stderr, '');
  }
});

test('property: any string survives eval in bash', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'ab /\'"$`\\()*?[]{};&|<>!#~\n\t'.split('')) }), (value) => {
      assert.equal(evalInBash(exportLine('KUBECONFIG', value)).value, value);
    }),
    { numRuns: 60 },
  );
});
