// The lister-watcher's side of the wire, checked on the bytes a server sends (what client-go v0.36.3's watch
// decoder and rest client make of the same bytes is in each test's name): how the query is written, where a
// watch stream ends, which events are refused, and what an error answer that is not a Status becomes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import net from 'node:net';
import { listerWatcherFor } from '../../../src/core/list-watch-client.ts';
import { BUILTIN_RESOURCES, type ResourceRef } from '../../../src/core/resources.ts';
import { PING_TIMEOUT_MS, READ_IDLE_MS } from '../../../src/core/transport.ts';
import { WatchDecodeError, type WatchEvent } from '../../../src/machinery/cache/list-watch.ts';
import { FakeClock } from '../../../src/machinery/clock.ts';
import { ApiStatusError, isResourceExpired } from '../../../src/machinery/errors.ts';
import { clientFor, closers, h2Server, listen } from './tls-servers.ts';

const PROTOBUF_WATCH = 'application/vnd.kubernetes.protobuf;stream=watch';
const pod = (name: string) => ({ kind: 'Pod', apiVersion: 'v1', metadata: { name, resourceVersion: '5' } });
const line = (event: unknown) => `${JSON.stringify(event)}\n`;
/** An ADDED event of Pod "a" in one length-delimited frame, as client-go's protobuf serializer writes it. */
const PROTOBUF_FRAME = Buffer.from(
  '000000660a054144444544125d0a5b6b3873000a090a0276311203506f6412460a110a016112001a0022002a00320038004200121c1a00320042004a0052005800600068008201008a01009a0100c201001a130a001a0022002a0032004a005a0072008801001a002200',
  'hex',
);
const CUSTOM: ResourceRef = { group: 'example.com', version: 'v1', resource: 'widgets', kind: 'Widget', namespaced: false };

/** A server answering every request with `status`, `contentType` and `body`; `seen` gets each request's headers. */
async function serving(status: number, contentType: string, body: string | Buffer, seen: http2.IncomingHttpHeaders[] = []) {
  const { server, url } = await h2Server((stream, headers) => {
    seen.push(headers);
    stream.respond({ ':status': status, 'content-type': contentType });
    stream.end(body);
  });
  closers.push(() => server.close());
  const { client } = await clientFor(url);
  closers.push(() => void client.close());
  return client;
}

async function watchAll(body: string | Buffer, contentType = 'application/json', ref: ResourceRef = BUILTIN_RESOURCES.pods): Promise<WatchEvent[]> {
  const client = await serving(200, contentType, body);
  const events: WatchEvent[] = [];
  for await (const event of await listerWatcherFor(client, ref).watch({})) events.push(event);
  return events;
}

async function watchFails(body: string | Buffer, contentType?: string): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  await assert.rejects(async () => {
    const client = await serving(200, contentType ?? 'application/json', body);
    for await (const event of await listerWatcherFor(client, BUILTIN_RESOURCES.pods).watch({})) events.push(event);
  }, WatchDecodeError);
  return events;
}

describe('listerWatcherFor: requests', () => {
  it('writes the watch query as client-go does: sorted, watch=true, the typed client’s timeout, false bookmarks left out', async () => {
    const seen: http2.IncomingHttpHeaders[] = [];
    const client = await serving(200, 'application/json', '', seen);
    (
      await listerWatcherFor(client, BUILTIN_RESOURCES.pods).watch({
        resourceVersion: '7',
        allowWatchBookmarks: true,
        timeoutSeconds: 400,
        labelSelector: 'a in (b,c)',
      })
    ).close();
    (await listerWatcherFor(client, BUILTIN_RESOURCES.pods).watch({ allowWatchBookmarks: false, sendInitialEvents: false, timeoutSeconds: 0 })).close();
    (await listerWatcherFor(client, CUSTOM).watch({ timeoutSeconds: 59 })).close();
    assert.deepEqual(
      seen.map((h) => h[':path']),
      [
        '/api/v1/pods?allowWatchBookmarks=true&labelSelector=a+in+%28b%2Cc%29&resourceVersion=7&timeout=6m40s&timeoutSeconds=400&watch=true',
        '/api/v1/pods?sendInitialEvents=false&timeoutSeconds=0&watch=true',
        // The dynamic client's Watch sets no request timeout.
        '/apis/example.com/v1/widgets?timeoutSeconds=59&watch=true',
      ],
    );
    assert.equal(seen[0]!.accept, 'application/vnd.kubernetes.protobuf,application/json');
  });

  it('writes the list query as client-go does: sorted, Go’s escaping, limit 0 left out', async () => {
    const seen: http2.IncomingHttpHeaders[] = [];
    const client = await serving(200, 'application/json', JSON.stringify({ items: [], metadata: {} }), seen);
    const lw = listerWatcherFor(client, BUILTIN_RESOURCES.pods);
    await lw.list({ resourceVersion: '0', limit: 500, fieldSelector: 'metadata.name!=x y', labelSelector: 'e=f~g*h' });
    await lw.list({ limit: 0 });
    assert.deepEqual(
      seen.map((h) => h[':path']),
      ['/api/v1/pods?fieldSelector=metadata.name%21%3Dx+y&labelSelector=e%3Df~g%2Ah&limit=500&resourceVersion=0', '/api/v1/pods'],
    );
  });
});

describe('listerWatcherFor: where a watch stream ends', () => {
  it('a JSON watch whose body ends inside an event ends cleanly after the whole ones (client-go: unexpected EOF, closed)', async () => {
    const events = await watchAll(line({ type: 'ADDED', object: pod('a') }) + '{"type":"MODIFIED","object":{"kind":"Po');
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED'],
    );
  });

  it('a whole JSON event after the last newline is still delivered (client-go decodes it)', async () => {
    const events = await watchAll(line({ type: 'ADDED', object: pod('a') }) + JSON.stringify({ type: 'MODIFIED', object: pod('a') }));
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'MODIFIED'],
    );
  });

  it('a protobuf watch whose body ends inside a frame ends cleanly after the whole ones (client-go: unexpected EOF, closed)', async () => {
    for (const cut of [PROTOBUF_FRAME.length - 3, 2]) {
      const events = await watchAll(Buffer.concat([PROTOBUF_FRAME, PROTOBUF_FRAME.subarray(0, cut)]), PROTOBUF_WATCH);
      assert.deepEqual(
        events.map((e) => [e.type, e.object.kind, e.object.metadata?.name]),
        [['ADDED', 'Pod', 'a']],
      );
    }
  });

  it('an ERROR event is passed on as it came', async () => {
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old', reason: 'Expired', code: 410 };
    const events = await watchAll(line({ type: 'ERROR', object: status }));
    assert.deepEqual(events, [{ type: 'ERROR', object: status }]);
  });
});

describe('listerWatcherFor: a watch whose connection stopped answering', () => {
  /** A TCP relay to `target` that can stop passing the server's bytes on while keeping the connection open. */
  async function silencingRelay(target: URL) {
    let silent = false;
    const sockets: net.Socket[] = [];
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      sockets.push(client, upstream);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => silent || client.write(d));
      for (const s of [client, upstream]) s.on('error', () => undefined);
    });
    const url = await listen(server as unknown as Parameters<typeof listen>[0]);
    closers.push(() => sockets.forEach((s) => s.destroy()));
    return { url, silence: () => (silent = true) };
  }

  it('ends with WatchDecodeError once its ping goes unanswered (client-go: ERROR "http2: client connection lost")', async () => {
    const { server, url: target } = await h2Server((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.write(line({ type: 'ADDED', object: pod('a') }));
    });
    closers.push(() => server.close());
    const relay = await silencingRelay(target);
    const clock = Object.assign(new FakeClock(), { slept: [] as number[] });
    const { client } = await clientFor(relay.url, clock);
    closers.push(() => void client.close());
    const events = (await listerWatcherFor(client, BUILTIN_RESOURCES.pods).watch({}))[Symbol.asyncIterator]();
    const first = await events.next();
    assert.equal(first.done ? undefined : first.value.type, 'ADDED');
    relay.silence();
    const next = events.next();
    next.catch(() => undefined);
    // The health check pings a connection silent for a whole check period; its deadline is one more timer.
    const timers = clock.pendingTimers();
    while (clock.pendingTimers() === timers) await clock.advance(READ_IDLE_MS);
    await clock.advance(PING_TIMEOUT_MS);
    await assert.rejects(next, (err: Error) => err instanceof WatchDecodeError && /stopped answering/.test(err.message));
  });
});

describe('listerWatcherFor: events client-go’s decoder refuses end the watch with WatchDecodeError', () => {
  const after = line({ type: 'ADDED', object: pod('b') });
  const cases: Record<string, string> = {
    'a JSON event of an unknown type': line({ type: 'WHAT', object: pod('a') }),
    'a JSON event without an object': line({ type: 'ADDED' }),
    'a JSON event whose object names no kind': line({ type: 'ADDED', object: { apiVersion: 'v1', metadata: { name: 'a' } } }),
    'a JSON null line': 'null\n',
    'malformed JSON': '{nope\n',
  };
  for (const [name, first] of Object.entries(cases)) {
    it(name, async () => {
      assert.deepEqual(await watchFails(first + after), []);
    });
  }

  it('keeps the text of a malformed line out of the error, as it may hold a Secret’s data', async () => {
    const client = await serving(200, 'application/json', '{"type":"ADDED","object":{"kind":"Secret","data":{"password":"c2VjcmV0"\n');
    await assert.rejects(
      async () => {
        for await (const _ of await listerWatcherFor(client, BUILTIN_RESOURCES.secrets).watch({})) void _;
      },
      (err: Error) => err instanceof WatchDecodeError && !err.message.includes('c2VjcmV0') && /not JSON/.test(err.message),
    );
  });

  it('a protobuf event of an unknown type', async () => {
    const unknown = Buffer.from(PROTOBUF_FRAME);
    unknown.write('WHATS', PROTOBUF_FRAME.indexOf('ADDED'));
    assert.deepEqual(await watchFails(Buffer.concat([unknown, PROTOBUF_FRAME]), PROTOBUF_WATCH), []);
  });
});

describe('listerWatcherFor: an error answer that is not a Status', () => {
  async function listError(status: number, contentType: string, body: string, ref: ResourceRef = CUSTOM): Promise<ApiStatusError> {
    const client = await serving(status, contentType, body);
    const err: unknown = await listerWatcherFor(client, ref)
      .list({})
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApiStatusError, String(err));
    return err;
  }

  it('gets the reason client-go gives its code, with the body’s text as the cause (a text 404 of an unknown group)', async () => {
    const err = await listError(404, 'text/plain; charset=utf-8', '404 page not found\n');
    assert.equal(err.code, 404);
    assert.equal(err.reason, 'NotFound');
    assert.deepEqual(err.details, { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });
  });

  it('a 5xx page is an InternalError, a 503 ServiceUnavailable, a 504 Timeout; a non-text body’s cause is "unknown"', async () => {
    assert.equal((await listError(502, 'text/html', '<html>bad gateway</html>')).reason, 'InternalError');
    assert.equal((await listError(503, 'text/plain', 'down')).reason, 'ServiceUnavailable');
    const timeout = await listError(504, 'application/octet-stream', 'x');
    assert.equal(timeout.reason, 'Timeout');
    assert.deepEqual(timeout.details, { causes: [{ reason: 'UnexpectedServerResponse', message: 'unknown' }] });
  });

  it('a 410 without a Status has no reason and still counts as expired (client-go: reason Unknown, IsGone by its code)', async () => {
    const err = await listError(410, 'text/plain', 'gone');
    assert.equal(err.reason, undefined);
    assert.ok(isResourceExpired(err));
  });

  it('a JSON body that is not a Status of status Failure is not taken for one', async () => {
    const notStatus = await listError(404, 'application/json', JSON.stringify({ message: 'mine', reason: 'Conflict' }));
    assert.equal(notStatus.reason, 'NotFound');
    const success = await listError(
      500,
      'application/json',
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Success', reason: 'Conflict', code: 500 }),
    );
    assert.equal(success.reason, 'InternalError');
    const failure = await listError(
      409,
      'application/json',
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'taken', reason: 'AlreadyExists', code: 409 }),
    );
    assert.equal(failure.reason, 'AlreadyExists');
    assert.equal(failure.message, 'taken');
  });
});
