/**
 * Reads one HTTP/1.1 answer (RFC 9112) from the bytes of its connection, fed in chunks split anywhere: the
 * status line and headers, then the body as it arrives, framed by Content-Length, by chunked transfer coding,
 * or by the connection's end when neither is given. Pure: no socket, no timer, no copy of body bytes.
 *
 * Guarantees:
 * - Interim answers (1xx but 101) are skipped, up to MAX_INTERIM_ANSWERS of them; a HEAD's answer,
 *   and 1xx, 204 and 304 answers, have no body.
 * - Header names are case-insensitive; a repeated header's values are joined with ", " (as headersOf does), every
 *   header alike: Node kept only the first Content-Type, Location or ETag, Go keeps every value (and Get gives the
 *   first). Values lose the spaces and tabs around them, nothing else.
 * - The answer is complete only when its framing says so; eof() on an answer whose length is the
 *   connection's completes it, and on any other leaves it incomplete (`complete` stays false): a cut-off
 *   body is never mistaken for a whole one.
 * - Malformed input ends the events with an Http1ParseError naming what was wrong, after the events of the
 *   bytes before it, at the byte that shows it (never a wait for more, nor a short body):
 *   a bad status line (a status below 100 too) or header line (a bare CR or NUL in it too), a head over
 *   MAX_HEAD_BYTES, more than MAX_INTERIM_ANSWERS interim answers, Content-Length that is not a number or
 *   disagrees with itself, a transfer coding other than chunked alone, a bad chunk size or chunk end.
 * - `reusable` says whether the connection may carry another request after this answer: HTTP/1.1 unless
 *   `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`; never when the body ran to the
 *   connection's end, when Content-Length came with chunked coding (RFC 9112 6.3: chunked wins, and the
 *   connection must close), when an HTTP/1.0 answer names a transfer coding (RFC 9112 6.1: its framing is
 *   faulty; the coding is ignored, as Go does), or when bytes follow the end of the answer.
 *
 * Deliberate differences from Go's net/http reader: a header line folded onto the next (obs-fold) is
 * joined with a space, as Go's textproto does, but a header name with whitespace before its colon is an
 * error (RFC 9112 5.1), where Go's textproto keeps such a key as it is; a head may take 1 MB (MAX_HEAD_BYTES),
 * where Go's transport allows 10 MB by default (MaxResponseHeaderBytes): the API server's heads take a few
 * hundred bytes; a chunk size may have 12 hex digits (256 TB), where Go takes 16.
 */

/** What the parser found, in order: the head once, body bytes as they arrive, then the end. */
export type ResponseEvent =
  | { type: 'head'; head: ResponseHead }
  | { type: 'body'; chunk: Buffer }
  | { type: 'end' }
  /** Malformed input: the last event; the parser takes nothing more. */
  | { type: 'error'; error: Http1ParseError };

export interface ResponseHead {
  status: number;
  /** The reason phrase as the server sent it; '' when it sent none. */
  reason: string;
  /** 1.0 or 1.1. */
  minorVersion: number;
  /** By lower-case name; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
}

export class Http1ParseError extends Error {
  /** The error funnel's (errors.ts) key for a server that does not speak HTTP/1.1. */
  readonly code = 'ERR_KUBE_LESSONS_MALFORMED_ANSWER';
  constructor(message: string) {
    super(`malformed HTTP/1.1 answer: ${message}`);
    this.name = 'Http1ParseError';
  }
}

/** The status line and headers together, and a chunked body's trailers, may take this much. */
export const MAX_HEAD_BYTES = 1 << 20;
/** A chunk-size line, extensions included. */
const MAX_CHUNK_LINE_BYTES = 4096;
/**
 * Interim (1xx) answers before the final one. Go's transport stopped at 5 too (max1xxResponses); its recent
 * releases bound their total size by MaxResponseHeaderBytes instead. The API server sends none.
 */
export const MAX_INTERIM_ANSWERS = 5;

type State =
  | 'head'
  | 'length' // Content-Length bytes remain
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-end' // the CRLF after a chunk's data
  | 'trailers'
  | 'until-close'
  | 'done'
  | 'failed';

const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: (.*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A method or header name as RFC 9110 5.6.2 spells one (a token). */
export function isHttpToken(text: string): boolean {
  return TOKEN.test(text);
}
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/;

export class Http1ResponseParser {
  private state: State = 'head';
  /** The start of a line not complete yet, in the pieces it came in (joined once, at its end). */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** A chunk's data ended and its CR came, not yet its LF. */
  private chunkCr = false;
  private interimAnswers = 0;
  /** The status line of the answer being read, parsed once it is whole. */
  private status: { minorVersion: number; status: number; reason: string } | undefined;
  /** The lines of the head (or trailers) read so far, and their size. */
  private lines: string[] = [];
  private blockBytes = 0;
  /** Bytes of the current body part (Content-Length or chunk) still to come. */
  private remaining = 0;
  private keepAlive = false;
  private extraBytes = false;
  private readonly noBody: boolean;

  /** `method`: the request's, since a HEAD's answer has headers but no body. */
  constructor(method: string) {
    this.noBody = method === 'HEAD';
  }

  /** The answer ended as its framing says (eof() included, for one read until the connection's end). */
  get complete(): boolean {
    return this.state === 'done';
  }

  /** The connection may carry the next request: the answer is complete and nothing forbids it. */
  get reusable(): boolean {
    return this.complete && this.keepAlive && !this.extraBytes;
  }

  /** Takes the next bytes of the connection; returns what they complete. */
  push(chunk: Buffer): ResponseEvent[] {
    const events: ResponseEvent[] = [];
    try {
      this.read(chunk, events);
    } catch (err) {
      if (!(err instanceof Http1ParseError)) throw err;
      this.state = 'failed';
      events.push({ type: 'error', error: err });
    }
    return events;
  }

  private read(chunk: Buffer, events: ResponseEvent[]): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'head':
        case 'trailers': {
          const nl = chunk.indexOf(0x0a, at);
          const what = this.state === 'head' ? 'the status line and headers' : 'the trailers';
          this.blockBytes += (nl < 0 ? chunk.length : nl + 1) - at;
          if (this.blockBytes > MAX_HEAD_BYTES) throw new Http1ParseError(`${what} exceed ${MAX_HEAD_BYTES} bytes`);
          if (nl < 0) {
            this.keep(chunk, at);
            return;
          }
          const line = this.line(chunk, at, nl);
          at = nl + 1;
          if (line !== '' || (this.state === 'head' && this.lines.length === 0)) {
            this.lines.push(line);
            if (this.state === 'head' && this.lines.length === 1) this.statusLine(line);
            break;
          }
          const lines = this.lines;
          this.lines = [];
          this.blockBytes = 0;
          // Trailers are read for the framing only: nothing here uses them.
          if (this.state === 'head') this.onHead(lines, events);
          else this.finish(events);
          break;
        }
        case 'chunk-size': {
          const nl = chunk.indexOf(0x0a, at);
          if (this.partialBytes + (nl < 0 ? chunk.length : nl) - at > MAX_CHUNK_LINE_BYTES)
            throw new Http1ParseError(`a chunk-size line exceeds ${MAX_CHUNK_LINE_BYTES} bytes`);
          if (nl < 0) {
            this.keep(chunk, at);
            return;
          }
          const line = this.line(chunk, at, nl);
          at = nl + 1;
          const m = CHUNK_SIZE.exec(line);
          if (!m) throw new Http1ParseError(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
          this.remaining = parseInt(m[1]!, 16);
          this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'length':
        case 'chunk-data':
        case 'until-close': {
          const n = this.state === 'until-close' ? chunk.length - at : Math.min(this.remaining, chunk.length - at);
          events.push({ type: 'body', chunk: chunk.subarray(at, at + n) });
          at += n;
          if (this.state === 'until-close') break;
          this.remaining -= n;
          if (this.remaining > 0) break;
          if (this.state === 'length') this.finish(events);
          else this.state = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          // CRLF, or a bare LF; the CR may end one push and the LF start the next.
          const byte = chunk[at++];
          if (byte === 0x0d && !this.chunkCr) this.chunkCr = true;
          else if (byte === 0x0a) {
            this.chunkCr = false;
            this.state = 'chunk-size';
          } else throw new Http1ParseError('a chunk is longer than its size says');
          break;
        }
        case 'done':
          // One request at a time: bytes nobody asked for mean the connection cannot be trusted with another.
          this.extraBytes = true;
          return;
        case 'failed':
          return;
      }
    }
  }

  /** The connection ended: completes an answer read until then; any other is left incomplete. */
  eof(): ResponseEvent[] {
    if (this.state !== 'until-close') return [];
    this.state = 'done';
    return [{ type: 'end' }];
  }

  /** Keeps the rest of `chunk`, the start of a line, for the next push (a copy: the caller may reuse its buffer). */
  private keep(chunk: Buffer, from: number): void {
    this.partial.push(Buffer.from(chunk.subarray(from)));
    this.partialBytes += chunk.length - from;
  }

  /** The line ending at chunk[nl] (an LF), with what was kept of its start, without its CR. */
  private line(chunk: Buffer, from: number, nl: number): string {
    let text = chunk.toString('latin1', from, nl);
    if (this.partialBytes) {
      text = Buffer.concat(this.partial).toString('latin1') + text;
      this.partial = [];
      this.partialBytes = 0;
    }
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  /** Checked as soon as it is whole, so a server that speaks something else fails fast, not after 1 MB. */
  private statusLine(line: string): void {
    const m = STATUS_LINE.exec(line);
    const status = Number(m?.[2]);
    if (!m || status < 100) throw new Http1ParseError(`bad status line ${JSON.stringify(line.slice(0, 80))}`);
    this.status = { minorVersion: Number(m[1]), status, reason: m[3] ?? '' };
  }

  private onHead(lines: string[], events: ResponseEvent[]): void {
    const { minorVersion, status, reason } = this.status!;
    const headers = parseHeaders(lines.slice(1));
    // 100 Continue and other interim answers come before the real one (101 switches protocols: it is final).
    if (status < 200 && status !== 101) {
      if (++this.interimAnswers > MAX_INTERIM_ANSWERS) throw new Http1ParseError(`more than ${MAX_INTERIM_ANSWERS} interim (1xx) answers`);
      return;
    }
    // Framing is checked before the head is given: an answer that cannot be framed fails as a whole.
    const length = contentLength(headers['content-length']);
    const bodyless = this.noBody || status < 200 || status === 204 || status === 304;
    const coding = headers['transfer-encoding'];
    // Nothing asks for another coding (no TE header is sent), so chunked alone is the only one understood, as in
    // Go. HTTP/1.0 has no transfer codings: there the header is ignored (below), as Go does.
    if (!bodyless && coding !== undefined && minorVersion === 1 && coding.toLowerCase() !== 'chunked')
      throw new Http1ParseError(`unsupported transfer coding ${JSON.stringify(coding.slice(0, 40))}`);
    events.push({ type: 'head', head: { status, reason, minorVersion, headers } });
    const connection = (headers['connection'] ?? '')
      .toLowerCase()
      .split(',')
      .map((t) => t.trim());
    this.keepAlive = status !== 101 && (minorVersion === 1 ? !connection.includes('close') : connection.includes('keep-alive'));
    if (bodyless) return this.finish(events);
    // An HTTP/1.0 answer naming a coding: its framing cannot be trusted, nor the connection after it.
    if (coding !== undefined && minorVersion === 0) this.keepAlive = false;
    else if (coding !== undefined) {
      // Content-Length beside chunked may be a smuggling attempt: chunked frames the body and the connection
      // goes (RFC 9112 6.3).
      if (length !== undefined) this.keepAlive = false;
      this.state = 'chunk-size';
      return;
    }
    if (length === undefined) {
      this.keepAlive = false;
      this.state = 'until-close';
      return;
    }
    this.remaining = length;
    if (length === 0) this.finish(events);
    else this.state = 'length';
  }

  private finish(events: ResponseEvent[]): void {
    this.state = 'done';
    events.push({ type: 'end' });
  }
}

function parseHeaders(lines: string[]): Record<string, string> {
  // No prototype: a header named __proto__ is a header like any other.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  let last: string | undefined;
  for (const line of lines) {
    // A bare CR or NUL in a field: a peer that parses it otherwise would read other headers (llhttp refuses it too).
    if (/[\r\0]/.test(line)) throw new Http1ParseError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined) throw new Http1ParseError('a folded header line with no header before it');
      headers[last] = `${headers[last]} ${trimSpaces(line)}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new Http1ParseError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    const key = name.toLowerCase();
    const value = trimSpaces(line.slice(colon + 1));
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    last = key;
  }
  return headers;
}

/** Without the spaces and tabs around it (RFC 9110 5.5), not String.trim's wider whitespace (NBSP is a byte of the value). */
function trimSpaces(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The body's length, or undefined when none is given; repeated values must agree (RFC 9110 8.6). */
function contentLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const values = new Set(value.split(',').map(trimSpaces));
  for (const v of values) if (!/^[0-9]{1,15}$/.test(v)) throw new Http1ParseError(`Content-Length ${JSON.stringify(v.slice(0, 40))} is not a number`);
  if (values.size > 1) throw new Http1ParseError(`conflicting Content-Lengths ${JSON.stringify(value.slice(0, 80))}`);
  return Number([...values][0]);
}
