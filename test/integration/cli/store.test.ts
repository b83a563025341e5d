// `kube-lessons store`: the article's store of books, step by step, from the built CLI. Needs no cluster.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.ts';

const NO_CLUSTER = {
  KUBECONFIG: '/nonexistent/kubeconfig',
  HOME: '/nonexistent',
  KUBE_LESSONS_NO_AUTO_SANDBOX: '1',
  KUBE_LESSONS_SANDBOX_DIR: '/nonexistent/sandbox',
};
const lines = (text: string) => text.trim().split('\n');

describe('kube-lessons store', () => {
  it('adds two books, gets one back by object and by key, lists keys, then queries the author index', async () => {
    const r = await runCli(['store'], { env: NO_CLUSTER });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = lines(r.stdout);
    const calls = out.filter((l) => /^\[\d+\]/.test(l)).map((l) => l.replace(/^\[\d+\]\s+/, ''));
    assert.deepEqual(calls, [
      'store.newStore(bookKey)',
      'store.add("Kubernetes: Up and Running" (Brendan Burns, 2017))',
      'store.add("Programming Kubernetes" (Michael Hausenblas, 2019))',
      'store.get({ author: "Brendan Burns", title: "Kubernetes: Up and Running" })',
      'store.getByKey("Michael Hausenblas/Programming Kubernetes")',
      'store.getByKey("Nobody/Nothing")',
      'store.listKeys()',
      'indexer.newIndexer(bookKey, { byAuthor: book => [book.author] })',
      'indexer.add() x3',
      'indexer.byIndex("byAuthor", "Brendan Burns")',
      'indexer.listIndexFuncValues("byAuthor")',
      'indexer.delete("Designing Distributed Systems" (Brendan Burns, 2018))',
      'indexer.byIndex("byAuthor", "Brendan Burns")',
    ]);
    // What each call returned, in order.
    const results = out.filter((l) => l.startsWith('     -> ')).map((l) => l.slice('     -> '.length));
    assert.deepEqual(results, [
      'key "Brendan Burns/Kubernetes: Up and Running"',
      'key "Michael Hausenblas/Programming Kubernetes"',
      '"Kubernetes: Up and Running" (Brendan Burns, 2017)',
      '"Programming Kubernetes" (Michael Hausenblas, 2019)',
      'not found',
      '"Brendan Burns/Kubernetes: Up and Running", "Michael Hausenblas/Programming Kubernetes"',
      '"Brendan Burns/Kubernetes: Up and Running", "Michael Hausenblas/Programming Kubernetes", "Brendan Burns/Designing Distributed Systems"',
      '"Kubernetes: Up and Running" (Brendan Burns, 2017)',
      '"Designing Distributed Systems" (Brendan Burns, 2018)',
      '"Brendan Burns", "Michael Hausenblas"',
      '"Brendan Burns/Kubernetes: Up and Running"',
      '"Kubernetes: Up and Running" (Brendan Burns, 2017)',
    ]);
    assert.equal(out.at(-1), 'summary: 13 steps; the store holds 2 books, the indexer 2 under 2 authors');
  });

  it('prints one JSON step per line with -o json', async () => {
    const r = await runCli(['store', '-o', 'json'], { env: NO_CLUSTER });
    assert.equal(r.code, 0, r.stderr);
    const steps = lines(r.stdout).map((l) => JSON.parse(l) as { n?: number; call?: string; result?: { kind: string; key?: string }; summary?: unknown });
    assert.deepEqual(steps[1]!.result, { kind: 'key', key: 'Brendan Burns/Kubernetes: Up and Running' });
    assert.ok(steps.at(-1)!.summary);
  });

  it('shows an example in --help', async () => {
    const r = await runCli(['store', '--help'], { env: NO_CLUSTER });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples:\n\s+\$ kube-lessons store/);
  });
});
