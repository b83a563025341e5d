// The HTTP/1.1 answer parser: framing (Content-Length, chunked, to the connection's end, none), interim
// answers, connection reuse, malformed input; and, on generated answers split anywhere, the same result as
// whole, with a truncated answer never complete.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Http1ParseError, Http1ResponseParser, MAX_HEAD_BYTES, type ResponseHead } from '../../../src/core/http1-response-parser.ts';

interface Parsed {
  head: ResponseHead | undefined;
  body: string;
  ended: boolean;
  complete: boolean;
  reusable: boolean;
}

/** Feeds `parts` in order, then the connection's end when `eof`. */
function parse(parts: string[], { method = 'GET', eof = false } = {}): Parsed {
  const parser = new Http1ResponseParser(method);
  const result: Parsed = { head: undefined, body: '', ended: false, complete: false, reusable: false };
  const take = (events: ReturnType<Http1ResponseParser['push']>) => {
    for (const e of events) {
      if (e.type === 'head') {
        assert.equal(result.head, undefined, 'one head');
        result.head = e.head;
      } else if (e.type === 'body') {
        assert.ok(result.head && !result.ended, 'body bytes between the head and the end');
        result.body += e.chunk.toString('latin1');
      } else if (e.type === 'end') result.ended = true;
      else throw e.error;
    }
  };
  for (const p of parts) take(parser.push(Buffer.from(p, 'latin1')));
  if (eof) take(parser.eof());
  result.complete = parser.complete;
  result.reusable = parser.reusable;
  assert.equal(result.ended, result.complete, 'the end event comes exactly when complete');
  return result;
}

const throwsParse = (parts: string[], message: RegExp) =>
  assert.throws(
    () => parse(parts),
    (e: Error) => e instanceof Http1ParseError && message.test(e.message),
  );

describe('HTTP/1.1 answer parser', () => {
  it('reads the status, reason and headers, any case, repeated ones joined', () => {
    const r = parse(['HTTP/1.1 201 Created Now\r\nContent-Type: application/json\r\nX-A: 1\r\nx-a:  2 \r\nContent-Length: 2\r\n\r\n{}']);
    assert.equal(r.head?.status, 201);
    assert.equal(r.head?.reason, 'Created Now');
    assert.equal(r.head?.headers['content-type'], 'application/json');
    assert.equal(r.head?.headers['x-a'], '1, 2');
    assert.equal(r.body, '{}');
    assert.ok(r.complete && r.reusable);
  });

  it('takes a status line without a reason phrase, and bare LF line ends', () => {
    assert.equal(parse(['HTTP/1.1 404 \r\ncontent-length: 0\r\n\r\n']).head?.reason, '');
    const r = parse(['HTTP/1.1 200\ncontent-length: 1\n\nx']);
    assert.equal(r.head?.reason, '');
    assert.equal(r.body, 'x');
    assert.ok(r.complete);
  });

  it('reads a chunked body, ignoring chunk extensions and dropping trailers', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1 ; x\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n']);
    assert.equal(r.body, 'hello!');
    assert.equal(r.head?.headers['x-trailer'], undefined);
    assert.ok(r.complete && r.reusable);
  });

  it('reads a body without a length until the connection ends, and that connection is not reused', () => {
    const parts = ['HTTP/1.1 200 OK\r\n\r\n', 'all of ', 'it'];
    const open = parse(parts);
    assert.equal(open.body, 'all of it');
    assert.equal(open.complete, false);
    const ended = parse(parts, { eof: true });
    assert.ok(ended.complete && !ended.reusable);
  });

  it('gives a HEAD answer, 204 and 304 no body, whatever their Content-Length says', () => {
    const head = parse(['HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'], { method: 'HEAD' });
    assert.ok(head.complete && head.reusable);
    for (const status of ['204 No Content', '304 Not Modified']) {
      const r = parse([`HTTP/1.1 ${status}\r\nContent-Length: 5\r\n\r\n`]);
      assert.ok(r.complete && r.reusable && r.body === '', status);
    }
  });

  it('skips 100 Continue before the answer; 101 ends it, and the connection with it', () => {
    const r = parse(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']);
    assert.equal(r.head?.status, 200);
    assert.equal(r.head?.headers['x'], undefined);
    assert.equal(r.body, 'ok');
    const up = parse(['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n']);
    assert.ok(up.head?.status === 101 && up.complete && !up.reusable);
  });

  it('says whether the connection may carry another request', () => {
    const reusable = (head: string) => parse([`${head}Content-Length: 0\r\n\r\n`]).reusable;
    assert.equal(reusable('HTTP/1.1 200 OK\r\n'), true);
    assert.equal(reusable('HTTP/1.1 200 OK\r\nConnection: Close\r\n'), false);
    assert.equal(reusable('HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\n'), false);
    assert.equal(reusable('HTTP/1.0 200 OK\r\n'), false);
    assert.equal(reusable('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n'), true);
    // Bytes after the end of the answer: nothing asked for them.
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy']).reusable, false);
  });

  it('lets chunked framing win over Content-Length, and then the connection closes (RFC 9112 6.3)', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n']);
    assert.equal(r.body, 'ab');
    assert.ok(r.complete && !r.reusable);
  });

  it('refuses any transfer coding but chunked alone: nothing asked for one, and its bytes would pass for the body', () => {
    for (const coding of ['gzip, chunked', 'chunked, gzip', 'chunked, chunked', 'identity', ''])
      throwsParse([`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${coding}\r\n\r\n2\r\nab\r\n0\r\n\r\n`], /unsupported transfer coding/);
    assert.equal(parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n']).body, 'ab');
  });

  it('ignores a transfer coding on an HTTP/1.0 answer, as Go does, and never reuses that connection (RFC 9112 6.1)', () => {
    const r = parse(['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc']);
    assert.equal(r.body, 'abc');
    assert.ok(r.complete && !r.reusable);
    const untilClose = parse(['HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab'], { eof: true });
    assert.equal(untilClose.body, '2\r\nab');
    assert.ok(untilClose.complete && !untilClose.reusable);
  });

  it("skips up to five interim answers, as Go's transport long did, and refuses a sixth", () => {
    const interim = (n: number) => 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'.repeat(n);
    assert.equal(parse([`${interim(5)}HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`]).head?.status, 200);
    throwsParse([`${interim(6)}HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`], /more than 5 interim/);
  });

  it('accepts repeated Content-Lengths that agree', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok']);
    assert.ok(r.complete && r.body === 'ok');
  });

  it('refuses malformed answers with a message naming what is wrong', () => {
    throwsParse(['SSH-2.0-OpenSSH\r\n'], /bad status line "SSH-2.0-OpenSSH"/);
    throwsParse(['HTTP/2 200\r\n\r\n'], /bad status line/);
    throwsParse(['HTTP/1.1 20 OK\r\n\r\n'], /bad status line/);
    throwsParse(['HTTP/1.1 099 Low\r\n\r\n'], /bad status line "HTTP\/1.1 099 Low"/);
    throwsParse(['HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n'], /bad header line/);
    throwsParse(['HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n'], /bad header line/);
    // Only spaces and tabs surround a value: NBSP (latin1 0xA0) is part of it.
    throwsParse(['HTTP/1.1 200 OK\r\nContent-Length: 2\xa0\r\n\r\nok'], /is not a number/);
    throwsParse(['\r\n'], /bad status line ""/);
    throwsParse(['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'], /bad header line "no colon here"/);
    throwsParse(['HTTP/1.1 200 OK\r\nName : v\r\n\r\n'], /bad header line/);
    throwsParse(['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'], /conflicting Content-Lengths "1, 2"/);
    throwsParse(['HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n'], /Content-Length "ten" is not a number/);
    throwsParse(['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'], /is not a number/);
    throwsParse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'], /bad chunk size "zz"/);
    throwsParse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n'], /longer than its size says/);
    throwsParse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '1'.repeat(5000)], /chunk-size line exceeds/);
  });

  it('refuses a head over the limit as soon as it goes over, split or not', () => {
    const big = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    throwsParse([big], /status line and headers exceed 1048576 bytes/);
    throwsParse(big.match(/[^]{1,65536}/g)!, /exceed/);
    const trailers = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    throwsParse([trailers], /trailers exceed/);
  });

  it('refuses an answer it cannot frame before giving its head: it fails as a whole, not as a broken body', () => {
    for (const head of ['Transfer-Encoding: gzip', 'Content-Length: ten']) {
      const parser = new Http1ResponseParser('GET');
      assert.deepEqual(
        parser.push(Buffer.from(`HTTP/1.1 200 OK\r\n${head}\r\n\r\nxx`)).map((e) => e.type),
        ['error'],
        head,
      );
    }
  });

  it('gives the events before malformed input, then the error, and nothing after it', () => {
    const parser = new Http1ResponseParser('GET');
    const events = parser.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nzz\r\n'));
    assert.deepEqual(
      events.map((e) => e.type),
      ['head', 'body', 'error'],
    );
    assert.deepEqual(parser.push(Buffer.from('0\r\n\r\n')), []);
    assert.deepEqual(parser.eof(), []);
    assert.equal(parser.complete, false);
  });

  it('leaves a body cut short incomplete, even once the connection ended', () => {
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'], { eof: true }).complete, false);
    assert.equal(parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'], { eof: true }).complete, false);
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-'], { eof: true }).head, undefined);
  });
});

/** A generated answer, its bytes, and what parsing them must give. */
interface Case {
  bytes: string;
  method: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The connection's end is part of the framing. */
  untilClose: boolean;
  reusable: boolean;
}

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/).filter((n) => !/^(content-length|transfer-encoding|connection)$/i.test(n));
const value = fc.stringMatching(/^[!-~]([ -~]{0,20}[!-~])?$/);
const bodyText = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 });

const answers: fc.Arbitrary<Case> = fc
  .record({
    status: fc.constantFrom(200, 201, 204, 304, 404, 500),
    head: fc.boolean(),
    minor: fc.constantFrom(0, 1),
    connection: fc.constantFrom(undefined, 'close', 'keep-alive'),
    headers: fc.array(fc.tuple(token, value), { maxLength: 6 }),
    body: bodyText,
    framing: fc.constantFrom('length', 'chunked', 'close'),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
    extension: fc.constantFrom('', ';a=b', ' ;x'),
    trailers: fc.array(fc.tuple(token, value), { maxLength: 2 }),
    interim: fc.boolean(),
  })
  .map((g) => {
    // HTTP/1.0 has no chunked coding (its transfer codings are ignored): such an answer is framed by the connection's end.
    const framing = g.minor === 0 && g.framing === 'chunked' ? 'close' : g.framing;
    const headers: Record<string, string> = {};
    let head = `HTTP/1.${g.minor} ${g.status} Reason\r\n`;
    for (const [n, v] of g.headers) {
      const k = n.toLowerCase();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
      head += `${n}: ${v}\r\n`;
    }
    const add = (n: string, v: string) => {
      headers[n.toLowerCase()] = v;
      head += `${n}: ${v}\r\n`;
    };
    if (g.connection) add('Connection', g.connection);
    const hasBody = !g.head && g.status !== 204 && g.status !== 304;
    const body = hasBody ? g.body : '';
    let payload = '';
    if (framing === 'length') add('Content-Length', String(g.body.length));
    if (framing === 'chunked') add('Transfer-Encoding', 'chunked');
    if (hasBody && framing === 'length') payload = body;
    if (hasBody && framing === 'close') payload = body;
    if (hasBody && framing === 'chunked') {
      let at = 0;
      for (let i = 0; at < body.length; i++) {
        const n = Math.min(g.chunkSizes[i % Math.max(1, g.chunkSizes.length)] ?? body.length, body.length - at);
        payload += `${n.toString(16)}${g.extension}\r\n${body.slice(at, at + n)}\r\n`;
        at += n;
      }
      payload += `0\r\n${g.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
    }
    const interim = g.interim ? 'HTTP/1.1 100 Continue\r\n\r\n' : '';
    const untilClose = hasBody && framing === 'close';
    const keepAlive = g.minor === 1 ? g.connection !== 'close' : g.connection === 'keep-alive';
    return {
      bytes: `${interim}${head}\r\n${payload}`,
      method: g.head ? 'HEAD' : 'GET',
      status: g.status,
      headers,
      body,
      untilClose,
      reusable: keepAlive && !untilClose,
    };
  });

/** `bytes` cut at the sorted points. */
const split = (bytes: string, points: number[]) => {
  const at = [0, ...points.map((p) => p % (bytes.length + 1)).sort((a, b) => a - b), bytes.length];
  return at.slice(1).map((end, i) => bytes.slice(at[i], end));
};

describe('HTTP/1.1 answer parser on generated answers', () => {
  it('gives the same answer however its bytes are split', () => {
    fc.assert(
      fc.property(answers, fc.array(fc.nat(), { maxLength: 30 }), (c, points) => {
        const r = parse(split(c.bytes, points), { method: c.method, eof: c.untilClose });
        assert.equal(r.head?.status, c.status);
        assert.deepEqual({ ...r.head?.headers }, c.headers);
        assert.equal(r.body, c.body);
        assert.equal(r.complete, true);
        assert.equal(r.reusable, c.reusable);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same answer fed in chunks of any one size, down to a byte', () => {
    fc.assert(
      fc.property(answers, fc.integer({ min: 1, max: 64 }), (c, size) => {
        const parts = c.bytes.match(new RegExp(`[^]{1,${size}}`, 'g')) ?? [];
        const r = parse(parts, { method: c.method, eof: c.untilClose });
        assert.equal(r.body, c.body);
        assert.ok(r.complete);
      }),
      { numRuns: 300 },
    );
  });

  it('never calls an answer cut short complete, even after the connection ended', () => {
    fc.assert(
      fc.property(
        answers.filter((c) => !c.untilClose),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 10 }),
        (c, cut, points) => {
          const truncated = c.bytes.slice(0, cut % c.bytes.length);
          const r = parse(split(truncated, points), { method: c.method, eof: true });
          assert.equal(r.complete, false);
          assert.ok(c.body.startsWith(r.body), 'only bytes of the body, in order');
        },
      ),
      { numRuns: 500 },
    );
  });
});
