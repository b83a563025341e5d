import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kubectlForms } from '../../../src/console/argv.ts';

test("kubectl's -X=value forms become -X value", () => {
  assert.deepEqual(kubectlForms(['list-nodes', '-o=json', '-n=kube-system', '-l=kubernetes.io/arch=arm64']), [
    'list-nodes',
    '-o',
    'json',
    '-n',
    'kube-system',
    '-l',
    'kubernetes.io/arch=arm64',
  ]);
  assert.deepEqual(kubectlForms(['-n=']), ['-n', ''], 'an empty value stays an (empty) value');
});

test('long options, plain values and everything after -- are left alone', () => {
  assert.deepEqual(kubectlForms(['--namespace=a', '-n', 'b', '-ojson', 'x=y']), ['--namespace=a', '-n', 'b', '-ojson', 'x=y']);
  assert.deepEqual(kubectlForms(['watch', '--', '-n=x']), ['watch', '--', '-n=x']);
});

test('property: without -X= tokens the arguments are unchanged; with them, joining back gives the input', () => {
  fc.assert(
    fc.property(fc.array(fc.string()), (args) => {
      const out = kubectlForms(args);
      if (!args.some((a) => /^-[A-Za-z]=/s.test(a))) assert.deepEqual(out, args);
      const rejoined: string[] = [];
      for (let i = 0; i < out.length; i++) {
        const a = out[i]!;
        const original = args[rejoined.length];
        if (original !== undefined && original !== a && /^-[A-Za-z]$/.test(a)) rejoined.push(`${a}=${out[++i]}`);
        else rejoined.push(a);
      }
      assert.deepEqual(rejoined, args);
    }),
  );
});
