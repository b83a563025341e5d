// `kube-lessons workqueue`: every scenario's output, line for line (they are deterministic), from the built
// CLI. The command needs no cluster, so it runs with none configured and must not even load client-node.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.ts';

// No kubeconfig anywhere and no auto-sandbox: a command that touched the cluster would fail.
const NO_CLUSTER = {
  KUBECONFIG: '/nonexistent/kubeconfig',
  HOME: '/nonexistent',
  KUBE_LESSONS_NO_AUTO_SANDBOX: '1',
  KUBE_LESSONS_SANDBOX_DIR: '/nonexistent/sandbox',
};

// Fails the process if anything resolves @kubernetes/client-node.
const HOOK = `import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, n) { if (s.startsWith('@kubernetes/client-node')) { process.stderr.write('client-node was loaded\\n'); process.exit(99); } return n(s, c); } });`;
const GUARD = { ...NO_CLUSTER, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(HOOK)}` };

function workqueue(args: string[]) {
  return runCli(['workqueue', ...args], { env: GUARD, timeoutMs: 60_000 });
}

const EXPECTED: Record<string, string> = {
  basic: `
scenario basic: the article's demo: a filler adds five words and shuts the queue down; a reader starts later and reads until get() reports shutdown
items: informers feed the work queue; workers: 1, reader delay 0s
[main]      starts the filler and the reader; it sleeps 0s first
[filler]    add(informers)                           queue [informers]  dirty {informers}  processing {}
[filler]    add(feed)                                queue [informers feed]  dirty {informers feed}  processing {}
[filler]    add(the)                                 queue [informers feed the]  dirty {informers feed the}  processing {}
[filler]    add(work)                                queue [informers feed the work]  dirty {informers feed the work}  processing {}
[filler]    add(queue)                               queue [informers feed the work queue]  dirty {informers feed the work queue}  processing {}
[filler]    shutDown()                               queue [informers feed the work queue]  dirty {informers feed the work queue}  processing {}
[filler]    added 5 items and shut the queue down: queued items are still handed out
[reader]    woke up: reading until get() reports shutdown
[reader]    get() -> informers                       queue [feed the work queue]  dirty {feed the work queue}  processing {informers}
[reader]    got informers, shutdown=false
[reader]    done(informers)                          queue [feed the work queue]  dirty {feed the work queue}  processing {}
[reader]    get() -> feed                            queue [the work queue]  dirty {the work queue}  processing {feed}
[reader]    got feed, shutdown=false
[reader]    done(feed)                               queue [the work queue]  dirty {the work queue}  processing {}
[reader]    get() -> the                             queue [work queue]  dirty {work queue}  processing {the}
[reader]    got the, shutdown=false
[reader]    done(the)                                queue [work queue]  dirty {work queue}  processing {}
[reader]    get() -> work                            queue [queue]  dirty {queue}  processing {work}
[reader]    got work, shutdown=false
[reader]    done(work)                               queue [queue]  dirty {queue}  processing {}
[reader]    get() -> queue                           queue []  dirty {}  processing {queue}
[reader]    got queue, shutdown=false
[reader]    done(queue)                              queue []  dirty {}  processing {}
[reader]    got nothing, shutdown=true: the queue is shut down and empty, stopping
summary: basic: 5 adds, 0 ignored as already queued, 5 items processed (informers feed the work queue); every reader stopped on shutdown
`,
  dedup: `
scenario dedup: stingy: an item added again while it waits in the queue is ignored, so it is processed once
items: pod-a pod-b pod-a pod-c pod-b; workers: 1, reader delay 0s
[main]      starts the filler and the reader; it sleeps 0s first
[filler]    add(pod-a)                               queue [pod-a]  dirty {pod-a}  processing {}
[filler]    add(pod-b)                               queue [pod-a pod-b]  dirty {pod-a pod-b}  processing {}
[filler]    add(pod-a): ignored, already queued      queue [pod-a pod-b]  dirty {pod-a pod-b}  processing {}
[filler]    add(pod-c)                               queue [pod-a pod-b pod-c]  dirty {pod-a pod-b pod-c}  processing {}
[filler]    add(pod-b): ignored, already queued      queue [pod-a pod-b pod-c]  dirty {pod-a pod-b pod-c}  processing {}
[filler]    shutDown()                               queue [pod-a pod-b pod-c]  dirty {pod-a pod-b pod-c}  processing {}
[filler]    added 5 items and shut the queue down: queued items are still handed out
[reader]    woke up: reading until get() reports shutdown
[reader]    get() -> pod-a                           queue [pod-b pod-c]  dirty {pod-b pod-c}  processing {pod-a}
[reader]    got pod-a, shutdown=false
[reader]    done(pod-a)                              queue [pod-b pod-c]  dirty {pod-b pod-c}  processing {}
[reader]    get() -> pod-b                           queue [pod-c]  dirty {pod-c}  processing {pod-b}
[reader]    got pod-b, shutdown=false
[reader]    done(pod-b)                              queue [pod-c]  dirty {pod-c}  processing {}
[reader]    get() -> pod-c                           queue []  dirty {}  processing {pod-c}
[reader]    got pod-c, shutdown=false
[reader]    done(pod-c)                              queue []  dirty {}  processing {}
[reader]    got nothing, shutdown=true: the queue is shut down and empty, stopping
summary: dedup: 5 adds, 2 ignored as already queued, 3 items processed (pod-a pod-b pod-c); every reader stopped on shutdown
`,
  reprocess: `
scenario reprocess: exclusive: an item added while a worker holds it is marked dirty and handed out again only after done()
items: pod-a; workers: 2
[producer]  add(pod-a)                               queue [pod-a]  dirty {pod-a}  processing {}
[worker-1]  get() -> pod-a                           queue []  dirty {}  processing {pod-a}
[worker-1]  got pod-a, processing it
[worker-2]  waits in get(): the queue is empty, pod-a is held by worker-1
[producer]  add(pod-a): dirty, held by a worker      queue []  dirty {pod-a}  processing {pod-a}
[producer]  pod-a changed again while worker-1 holds it: marked dirty, not queued, so no second worker can take it
[worker-1]  done(pod-a)                              queue []  dirty {pod-a}  processing {}
[worker-1]  pod-a was dirty: queued again            queue [pod-a]  dirty {pod-a}  processing {}
[worker-2]  get() -> pod-a                           queue []  dirty {}  processing {pod-a}
[worker-2]  got pod-a, shutdown=false: the change made while it was held is processed now
[worker-2]  done(pod-a)                              queue []  dirty {}  processing {}
[main]      shutDown()                               queue []  dirty {}  processing {}
[worker-1]  got nothing, shutdown=true: stopping
[worker-2]  got nothing, shutdown=true: stopping
summary: reprocess: pod-a handed out twice, never to two workers at once: the add made while it was held went out only after done()
`,
  shutdown: `
scenario shutdown: shutDown() releases every worker waiting in get() with shutdown=true, and later adds are ignored
items: pod-a; workers: 3
[main]      3 workers wait in get() on an empty queue
[main]      shutDown()                               queue []  dirty {}  processing {}
[worker-1]  released: got nothing, shutdown=true: stopping
[worker-2]  released: got nothing, shutdown=true: stopping
[worker-3]  released: got nothing, shutdown=true: stopping
[main]      add(pod-a): ignored, shutting down       queue []  dirty {}  processing {}
[main]      len() = 0: an add after shutDown() is dropped
summary: shutdown: 3 of 3 waiting workers released by shutDown(); 1 add after it ignored
`,
  drain: `
scenario drain: shutDownWithDrain() returns only once every item handed to a worker is done
items: pod-a pod-b pod-c; workers: 2
[producer]  add(pod-a)                               queue [pod-a]  dirty {pod-a}  processing {}
[producer]  add(pod-b)                               queue [pod-a pod-b]  dirty {pod-a pod-b}  processing {}
[producer]  add(pod-c)                               queue [pod-a pod-b pod-c]  dirty {pod-a pod-b pod-c}  processing {}
[worker-1]  get() -> pod-a                           queue [pod-b pod-c]  dirty {pod-b pod-c}  processing {pod-a}
[worker-1]  got pod-a, processing it
[worker-2]  get() -> pod-b                           queue [pod-c]  dirty {pod-c}  processing {pod-a pod-b}
[worker-2]  got pod-b, processing it
[main]      calls shutDownWithDrain(): it returns once no item is held by a worker
[main]      shutDownWithDrain()                      queue [pod-c]  dirty {pod-c}  processing {pod-a pod-b}
[main]      pod-c is queued but not held: drain does not wait for it
[main]      still draining: pod-a, pod-b held
[worker-1]  done(pod-a)                              queue [pod-c]  dirty {pod-c}  processing {pod-b}
[main]      still draining: pod-b held
[worker-2]  done(pod-b)                              queue [pod-c]  dirty {pod-c}  processing {}
[main]      shutDownWithDrain() returned: every held item is done
[worker-1]  get() -> pod-c                           queue []  dirty {}  processing {pod-c}
[worker-1]  got pod-c, shutdown=false: queued items are still handed out after a shutdown
[worker-1]  done(pod-c)                              queue []  dirty {}  processing {}
[worker-1]  got nothing, shutdown=true: stopping
[worker-2]  got nothing, shutdown=true: stopping
summary: drain: drain waited for 2 held items (pod-a, pod-b); 1 queued item handed out after it
`,
  'rate-limit': `
scenario rate-limit: a failing item retried with addRateLimited(): the default controller limiter's delays grow 5, 10, 20, 40, 80 ms; after 5 retries it is forgotten
items: flaky; workers: 1
[producer]  add(flaky)                               queue [flaky]  dirty {flaky}  processing {}  waiting {}
[main]      worker-1 syncs flaky and every sync fails; handleErr retries with addRateLimited() while numRequeues < 5, then forgets it
[worker-1]  get() -> flaky                           queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  sync flaky: attempt 1 failed; numRequeues=0 < 5: retry later
[worker-1]  addRateLimited(flaky): 5ms, requeues=1   queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  addAfter(flaky, 5ms)                     queue []  dirty {}  processing {flaky}  waiting {flaky}
[worker-1]  done(flaky)                              queue []  dirty {}  processing {}  waiting {flaky}
[timer]     flaky: its delay is over                 queue []  dirty {}  processing {}  waiting {}
[timer]     add(flaky)                               queue [flaky]  dirty {flaky}  processing {}  waiting {}
[worker-1]  get() -> flaky                           queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  sync flaky: attempt 2 failed; numRequeues=1 < 5: retry later
[worker-1]  addRateLimited(flaky): 10ms, requeues=2  queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  addAfter(flaky, 10ms)                    queue []  dirty {}  processing {flaky}  waiting {flaky}
[worker-1]  done(flaky)                              queue []  dirty {}  processing {}  waiting {flaky}
[timer]     flaky: its delay is over                 queue []  dirty {}  processing {}  waiting {}
[timer]     add(flaky)                               queue [flaky]  dirty {flaky}  processing {}  waiting {}
[worker-1]  get() -> flaky                           queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  sync flaky: attempt 3 failed; numRequeues=2 < 5: retry later
[worker-1]  addRateLimited(flaky): 20ms, requeues=3  queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  addAfter(flaky, 20ms)                    queue []  dirty {}  processing {flaky}  waiting {flaky}
[worker-1]  done(flaky)                              queue []  dirty {}  processing {}  waiting {flaky}
[timer]     flaky: its delay is over                 queue []  dirty {}  processing {}  waiting {}
[timer]     add(flaky)                               queue [flaky]  dirty {flaky}  processing {}  waiting {}
[worker-1]  get() -> flaky                           queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  sync flaky: attempt 4 failed; numRequeues=3 < 5: retry later
[worker-1]  addRateLimited(flaky): 40ms, requeues=4  queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  addAfter(flaky, 40ms)                    queue []  dirty {}  processing {flaky}  waiting {flaky}
[worker-1]  done(flaky)                              queue []  dirty {}  processing {}  waiting {flaky}
[timer]     flaky: its delay is over                 queue []  dirty {}  processing {}  waiting {}
[timer]     add(flaky)                               queue [flaky]  dirty {flaky}  processing {}  waiting {}
[worker-1]  get() -> flaky                           queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  sync flaky: attempt 5 failed; numRequeues=4 < 5: retry later
[worker-1]  addRateLimited(flaky): 80ms, requeues=5  queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  addAfter(flaky, 80ms)                    queue []  dirty {}  processing {flaky}  waiting {flaky}
[worker-1]  done(flaky)                              queue []  dirty {}  processing {}  waiting {flaky}
[timer]     flaky: its delay is over                 queue []  dirty {}  processing {}  waiting {}
[timer]     add(flaky)                               queue [flaky]  dirty {flaky}  processing {}  waiting {}
[worker-1]  get() -> flaky                           queue []  dirty {}  processing {flaky}  waiting {}
[worker-1]  sync flaky: attempt 6 failed; numRequeues=5: giving up
[worker-1]  forget(flaky): its failures are cleared, numRequeues=0
[worker-1]  done(flaky)                              queue []  dirty {}  processing {}  waiting {}
[main]      shutDown()                               queue []  dirty {}  processing {}  waiting {}
[worker-1]  got nothing, shutdown=true: stopping
summary: rate-limit: flaky retried 5 times, after 5, 10, 20, 40, 80 ms, then forgotten after 6 failed attempts
`,
};

const lines = (text: string) => text.trim().split('\n');

describe('kube-lessons workqueue', () => {
  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    it(`prints the ${scenario} scenario exactly, ending with its summary`, async () => {
      const args = ['--scenario', scenario];
      if (scenario === 'basic' || scenario === 'dedup') args.push('--reader-delay', '0');
      const r = await workqueue(args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.deepEqual(lines(r.stdout), lines(expected));
      assert.match(lines(r.stdout).at(-1)!, /^summary: /);
    });
  }

  it("runs the article's demo by default: the reader sleeps 3s first", async () => {
    const started = Date.now();
    const r = await workqueue([]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - started >= 3000, 'the reader waited its 3 s');
    const out = lines(r.stdout);
    assert.equal(out[1], 'items: informers feed the work queue; workers: 1, reader delay 3s');
    assert.deepEqual(out.slice(3), lines(EXPECTED.basic!).slice(3));
  });

  it('takes --items, --workers and --reader-delay', async () => {
    const r = await workqueue(['--items', 'a,b,c,d', '--workers', '2', '--reader-delay', '50ms']);
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out[1], 'items: a b c d; workers: 2, reader delay 50ms');
    const got = out.filter((l) => / got /.test(l));
    assert.deepEqual(
      got
        .filter((l) => l.includes('shutdown=false'))
        .map((l) => l.split(' got ')[1]!.split(',')[0])
        .sort(),
      ['a', 'b', 'c', 'd'],
    );
    assert.equal(got.filter((l) => l.includes('shutdown=true')).length, 2);
    assert.ok(out.some((l) => l.startsWith('[reader-1]')) && out.some((l) => l.startsWith('[reader-2]')));
    assert.equal(out.at(-1), 'summary: basic: 4 adds, 0 ignored as already queued, 4 items processed (a b c d); every reader stopped on shutdown');
  });

  it('lists the scenarios', async () => {
    const r = await workqueue(['--list-scenarios']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      lines(r.stdout).map((l) => l.split(/\s+/)[0]),
      ['basic', 'dedup', 'reprocess', 'shutdown', 'drain', 'rate-limit'],
    );
  });

  it('prints one JSON event per line with -o json', async () => {
    const r = await workqueue(['--scenario', 'dedup', '--reader-delay', '0', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const events = lines(r.stdout).map((l) => JSON.parse(l) as { type: string; action?: string; state?: unknown; counts?: { ignoredDirty: number } });
    assert.equal(events[0]!.type, 'start');
    assert.ok(events.filter((e) => e.type === 'queue').every((e) => e.state));
    assert.equal(events.at(-1)!.counts!.ignoredDirty, 2);
  });

  it('rejects an unknown scenario and bad numbers as usage errors', async () => {
    const bad = await workqueue(['--scenario', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: unknown scenario "nope" \(hint: use one of: basic, dedup, reprocess, shutdown, drain, rate-limit/);
    assert.equal(bad.stdout, '');
    const workers = await workqueue(['--workers', '0']);
    assert.equal(workers.code, 2);
    assert.match(workers.stderr, /--workers must be a whole number from 1 to 16/);
    const delay = await workqueue(['--reader-delay', 'soon']);
    assert.equal(delay.code, 2);
    assert.match(delay.stderr, /invalid duration "soon"/);
  });

  it('shows an example in --help', async () => {
    const r = await runCli(['workqueue', '--help'], { env: NO_CLUSTER });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples:\n\s+\$ kube-lessons workqueue/);
    for (const flag of ['--items', '--reader-delay', '--workers', '--scenario', '--list-scenarios']) assert.ok(r.stdout.includes(flag), flag);
  });
});
