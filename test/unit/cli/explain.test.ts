import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderExplain } from '../../../src/cli/commands/create-pod.ts';
import { buildPod, explainPod } from '../../../src/examples/pod.ts';
import { capturedContext } from '../lessons/helpers.ts';

const view = explainPod(buildPod({ name: 'my-pod', namespace: 'default', container: 'my-ctr', image: 'httpd:alpine', labels: {} }));

test('--explain puts the two views side by side when the terminal is wide enough, or not a terminal', () => {
  const { ctx } = capturedContext();
  const lines = renderExplain(view, ctx);
  assert.ok(lines.filter((l) => l.includes('│')).length >= view.rows.length);
  const wide = renderExplain(view, { ...ctx, out: { ...ctx.out, columns: 300 } });
  assert.deepEqual(wide, lines);
});

test('--explain stacks the views when the terminal is narrower than both', () => {
  const { ctx } = capturedContext();
  const lines = renderExplain(view, { ...ctx, out: { ...ctx.out, columns: 60 } });
  assert.ok(!lines.some((l) => l.includes('│')));
  const yamlAt = lines.indexOf('YAML manifest');
  assert.ok(yamlAt > 0 && lines[0] === 'TypeScript (@kubernetes/client-node)');
  for (const [ts, yaml] of view.rows) {
    if (ts) assert.ok(lines.slice(0, yamlAt).includes(ts), ts);
    if (yaml) assert.ok(lines.slice(yamlAt).includes(yaml), yaml);
  }
});
