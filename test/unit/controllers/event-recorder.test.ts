// The EventRecorder: core/v1 Events written in the background, repeats folded into a count, failures logged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventRecorder, type CoreEvent, type Logger } from '../../../src/controllers/event-recorder.ts';
import type { KubeObject } from '../../../src/machinery/cache/list-watch.ts';
import { FakeClient, statusError } from './fake-client.ts';
import { FakeClock } from '../../../src/machinery/clock.ts';

const foo: KubeObject = {
  apiVersion: 'samplecontroller.k8s.io/v1alpha1',
  kind: 'Foo',
  metadata: { name: 'example-foo', namespace: 'demo', uid: 'uid-1', resourceVersion: '42' },
};

function setup(opts: { responder?: ConstructorParameters<typeof FakeClient>[0]; maxCacheEntries?: number } = {}) {
  const client = new FakeClient(opts.responder);
  const errors: string[] = [];
  const logger: Logger = { info() {}, error: (m, f) => void errors.push(`${m} ${JSON.stringify(f)}`) };
  let t = Date.parse('2026-03-01T10:00:01.500Z');
  const recorder = new EventRecorder(client.asClient(), {
    component: 'sample-controller',
    host: 'node-a',
    logger,
    now: () => new Date(t),
    ...(opts.maxCacheEntries ? { maxCacheEntries: opts.maxCacheEntries } : {}),
  });
  const tick = (ms: number) => void (t += ms);
  return { client, recorder, errors, tick };
}

describe('EventRecorder', () => {
  it('creates a core/v1 Event about the object, naming its source', async () => {
    const { client, recorder } = setup();
    recorder.event(foo, 'Normal', 'Synced', 'Foo synced successfully');
    await recorder.flush();
    assert.equal(client.requests.length, 1);
    const req = client.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v1/namespaces/demo/events');
    const e = req.body as CoreEvent;
    assert.match(e.metadata.name, /^example-foo\.[0-9a-f]+$/);
    assert.equal(e.metadata.namespace, 'demo');
    assert.deepEqual(e.involvedObject, {
      apiVersion: 'samplecontroller.k8s.io/v1alpha1',
      kind: 'Foo',
      name: 'example-foo',
      namespace: 'demo',
      uid: 'uid-1',
      resourceVersion: '42',
    });
    assert.deepEqual([e.type, e.reason, e.message, e.count], ['Normal', 'Synced', 'Foo synced successfully', 1]);
    assert.deepEqual(e.source, { component: 'sample-controller', host: 'node-a' });
    assert.deepEqual([e.reportingComponent, e.reportingInstance], ['sample-controller', 'node-a']);
    assert.equal(e.firstTimestamp, '2026-03-01T10:00:01Z');
    assert.equal(e.lastTimestamp, e.firstTimestamp);
  });

  it('folds a repeat into the same Event: a strategic-merge PATCH of count, lastTimestamp and message, in order', async () => {
    const { client, recorder, tick } = setup();
    for (let i = 0; i < 3; i++, tick(1000))
      recorder.event({ ...foo, metadata: { ...foo.metadata, resourceVersion: String(42 + i) } }, 'Normal', 'Synced', 'Foo synced successfully');
    await recorder.flush();
    assert.deepEqual(
      client.requests.map((r) => r.method),
      ['POST', 'PATCH', 'PATCH'],
    );
    const name = (client.requests[0]!.body as CoreEvent).metadata.name;
    assert.equal(client.requests[1]!.path, `/api/v1/namespaces/demo/events/${name}`);
    assert.equal(client.requests[1]!.contentType, 'application/strategic-merge-patch+json');
    assert.deepEqual(client.requests[1]!.body, { count: 2, lastTimestamp: '2026-03-01T10:00:02Z', message: 'Foo synced successfully' });
    assert.deepEqual((client.requests[2]!.body as { count: number }).count, 3);
    assert.deepEqual(recorder.stats(), { recorded: 3, created: 1, patched: 2, skipped: 0, aggregated: 0, failed: 0 });
    assert.equal(recorder.requests(), 3);
  });

  it("leaves an empty message out of the PATCH, as client-go's two-way merge patch does", async () => {
    const { client, recorder } = setup();
    recorder.event(foo, 'Normal', 'Synced', '');
    recorder.event(foo, 'Normal', 'Synced', '');
    await recorder.flush();
    assert.deepEqual(client.requests[1]!.body, { count: 2, lastTimestamp: '2026-03-01T10:00:01Z' });
  });

  it('keeps events that differ in type, reason or message apart', async () => {
    const { client, recorder } = setup();
    recorder.event(foo, 'Normal', 'Synced', 'a');
    recorder.event(foo, 'Normal', 'Synced', 'b');
    recorder.event(foo, 'Warning', 'Synced', 'a');
    recorder.event(foo, 'Normal', 'Other', 'a');
    await recorder.flush();
    assert.deepEqual(
      client.requests.map((r) => r.method),
      ['POST', 'POST', 'POST', 'POST'],
    );
  });

  it('starts a new Event when the old one is gone (404 on the PATCH)', async () => {
    let patches = 0;
    const { client, recorder } = setup({
      responder: (req) => {
        if (req.method === 'PATCH' && patches++ === 0) throw statusError(404, 'NotFound');
        return req.body;
      },
    });
    recorder.event(foo, 'Normal', 'Synced', 'x');
    recorder.event(foo, 'Normal', 'Synced', 'x');
    await recorder.flush();
    assert.deepEqual(
      client.requests.map((r) => r.method),
      ['POST', 'PATCH', 'POST'],
    );
    assert.equal((client.requests[2]!.body as CoreEvent).count, 2, 'the count so far is kept');
  });

  it('re-creates a gone Event (PATCH 404) without the resourceVersion the server gave it', async () => {
    const { client, recorder } = setup({
      responder: (req) => {
        if (req.method === 'PATCH') throw statusError(404, 'NotFound');
        const e = req.body as CoreEvent;
        return { ...e, metadata: { ...e.metadata, resourceVersion: '7' } };
      },
    });
    recorder.event(foo, 'Normal', 'Synced', 'x');
    recorder.event(foo, 'Normal', 'Synced', 'x');
    await recorder.flush();
    const again = client.requests[2]!.body as CoreEvent;
    assert.equal(again.metadata.resourceVersion, undefined);
    assert.equal(again.metadata.name, (client.requests[0]!.body as CoreEvent).metadata.name);
  });

  it('retries a 2xx answer that is no JSON object, as client-go cannot decode it, and never turns such a PATCH into a CREATE', async () => {
    for (const answer of ['', 'ok']) {
      const clock = new FakeClock();
      const client = new FakeClient((req) => (req.method === 'POST' ? req.body : answer));
      const recorder = new EventRecorder(client.asClient(), { component: 'sample-controller', clock, now: () => new Date(0) });
      recorder.event(foo, 'Normal', 'Synced', 'x');
      recorder.event(foo, 'Normal', 'Synced', 'x');
      await clock.advance(200_000);
      await recorder.flush();
      assert.deepEqual(
        client.requests.map((r) => r.method),
        ['POST', ...Array<string>(12).fill('PATCH')],
        JSON.stringify(answer),
      );
    }
  });

  it('writes 1000 events that each fail 4 times: none dropped, each tried 5 times (client-go TestLotsOfEvents)', async () => {
    const tries = new Array<number>(1000).fill(0);
    const clock = new FakeClock();
    const client = new FakeClient((req) => {
      const n = Number((req.body as CoreEvent).message);
      if (++tries[n]! < 5) throw new Error('fake error');
      return req.body;
    });
    const recorder = new EventRecorder(client.asClient(), { component: 'eventTest', clock, now: () => new Date(0) });
    for (let i = 0; i < 1000; i++) recorder.event({ ...foo, metadata: { name: `foo-${i}`, namespace: 'demo' } }, 'Normal', `Reason-${i}`, String(i));
    let done = false;
    void recorder.flush().then(() => (done = true));
    while (!done) await clock.advance(10_000);
    assert.deepEqual(new Set(tries), new Set([5]));
    assert.equal(recorder.stats().failed, 0);
  });

  it('logs a failed write and never throws to the caller', async () => {
    const { recorder, errors } = setup({
      responder: () => {
        throw statusError(403, 'Forbidden', 'events is forbidden');
      },
    });
    assert.doesNotThrow(() => recorder.event(foo, 'Warning', 'ErrResourceExists', 'nope'));
    await recorder.flush();
    assert.equal(recorder.stats().failed, 1);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /could not record event.*events is forbidden/);
  });

  it('names the event by a random UUID when <object>.<hex> is no valid name, as client-go GenerateEventName', async () => {
    const { client, recorder } = setup();
    const named = (name: string): KubeObject => ({ ...foo, metadata: { ...foo.metadata, name } });
    recorder.event(named('x'.repeat(240)), 'Normal', 'Synced', 'ok');
    recorder.event(named('system:foo'), 'Normal', 'Synced', 'ok');
    recorder.event({ ...foo, metadata: { namespace: 'demo' } }, 'Normal', 'Synced', 'ok');
    await recorder.flush();
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const r of client.requests) assert.match((r.body as CoreEvent).metadata.name, uuid);
  });

  it('records nothing for an event type other than Normal or Warning, and logs it', async () => {
    const { client, recorder, errors } = setup();
    recorder.event(foo, 'Info' as 'Normal', 'Synced', 'ok');
    await recorder.flush();
    assert.equal(client.requests.length, 0);
    assert.equal(recorder.stats().recorded, 0);
    assert.match(errors.join('\n'), /unsupported event type.*"eventType":"Info"/);
  });

  it('keys repeats as client-go does, its fields joined with nothing between them', async () => {
    const { client, recorder } = setup();
    recorder.event(foo, 'Normal', 'Fail', 'edX');
    recorder.event(foo, 'Normal', 'Failed', 'X');
    await recorder.flush();
    assert.deepEqual(
      client.requests.map((r) => r.method),
      ['POST', 'PATCH'],
    );
  });

  it('forgets the least recently used events beyond its cache size', async () => {
    const { client, recorder } = setup({ maxCacheEntries: 2 });
    recorder.event(foo, 'Normal', 'A', 'a');
    recorder.event(foo, 'Normal', 'B', 'b');
    recorder.event(foo, 'Normal', 'A', 'a'); // A becomes the most recent
    recorder.event(foo, 'Normal', 'C', 'c'); // evicts B
    recorder.event(foo, 'Normal', 'B', 'b'); // new again; evicts A
    recorder.event(foo, 'Normal', 'C', 'c'); // still known
    await recorder.flush();
    const reasonByName = new Map<string, string>();
    const perReason: Record<string, string[]> = {};
    for (const r of client.requests) {
      let reason: string;
      if (r.method === 'POST') {
        const e = r.body as CoreEvent;
        reasonByName.set(e.metadata.name, e.reason);
        reason = e.reason;
      } else {
        reason = reasonByName.get(r.path.split('/').pop()!)!;
      }
      (perReason[reason] ??= []).push(r.method);
    }
    assert.deepEqual(perReason, { A: ['POST', 'PATCH'], B: ['POST', 'POST'], C: ['POST', 'PATCH'] });
  });
});
