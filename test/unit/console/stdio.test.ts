import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createStandardStream, DIRECT_BUDGET, type ProcessStream, type StreamIO } from '../../../src/console/stdio.ts';

const helper = fileURLToPath(new URL('../../../src/console/stdio.ts', import.meta.url));

/** A child whose stdout and stderr are pipes, running `body` with `out` = standardStream(1) and exiting with process.exit, as the CLI does. */
function child(body: string) {
  const script = `import { standardStream } from ${JSON.stringify(helper)};
const errors = [];
const out = standardStream(1, (err) => errors.push(err.code));
${body}
await out.flushed();
process.exit(0);`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function collect(proc: ReturnType<typeof child>, delayMs = 0): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  // A reader that starts late: the writer meets a full pipe first.
  if (delayMs) {
    proc.stdout.pause();
    setTimeout(() => proc.stdout.resume(), delayMs);
  }
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(proc, 'close')) as [number];
  return { code, out, err };
}

/** A fake descriptor: takes at most `room` bytes, then EAGAIN (or `fail`); the stream records what it got. */
function fakeIO(opts: { room?: number; fail?: string } = {}) {
  let room = opts.room ?? Infinity;
  const direct: string[] = [];
  const streamed: string[] = [];
  let watcher: ((s: ProcessStream) => void) | undefined;
  const stream = {
    write: (chunk: string | Uint8Array) => (streamed.push(Buffer.from(chunk).toString()), true),
    on: () => stream,
    writableLength: 0,
    destroyed: false,
    isTTY: false,
  } as unknown as ProcessStream;
  let built = false;
  const build = () => {
    if (!built) {
      built = true;
      watcher?.(stream);
    }
    return stream;
  };
  const io: StreamIO = {
    direct: true,
    write: (bytes, offset) => {
      if (opts.fail) throw Object.assign(new Error(opts.fail), { code: opts.fail });
      if (room <= 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      const n = Math.min(room, bytes.length - offset, 2); // write(2) may take less than asked
      room -= n;
      direct.push(Buffer.from(bytes.subarray(offset, offset + n)).toString());
      return n;
    },
    stream: build,
    watch: (w) => (watcher = w),
  };
  return { io, direct, streamed, build };
}

describe('standardStream', () => {
  it('writes a short output to a pipe without building Node’s stream (which loads node:net for a pipe)', async () => {
    const proc = child(`for (let i = 0; i < 1000; i++) out.write(i + '\\n');
if (process.moduleLoadList.includes('NativeModule net')) out.write('net loaded\\n');`);
    const { code, out, err } = await collect(proc);
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.equal(out, Array.from({ length: 1000 }, (_, i) => `${i}\n`).join(''));
  });

  it('writes a large output to a pipe whole and in order, past the direct budget', async () => {
    const lines = 50_000; // ~0.6 MB: far more than a pipe holds
    const { code, out, err } = await collect(child(`for (let i = 0; i < ${lines}; i++) out.write(i + '\\n');`), 200);
    assert.equal(err, '');
    assert.equal(code, 0);
    const expected = Array.from({ length: lines }, (_, i) => `${i}\n`).join('');
    assert.equal(out.length, expected.length);
    assert.ok(out === expected, 'every line, in order');
  });

  it('still answers SIGTERM while the reader has stopped reading (writes never block the event loop)', { timeout: 30_000 }, async () => {
    // Writes until the stream holds text back, however much the pipe or socket takes (machines differ); the
    // interval stands in for the watch connection that keeps the real CLI running.
    const proc = child(`process.on('SIGTERM', () => { process.stderr.write('stopping\\n'); process.exit(143); });
setInterval(() => {}, 1 << 30);
let sent = 0;
while (out.write('z'.repeat(4096)) && (sent += 4096) < 256 << 20);
process.stderr.write(sent < 256 << 20 ? 'written\\n' : 'never held back\\n');
await new Promise(() => {});`);
    proc.stdout.pause(); // a reader that never reads: the pipe fills
    let err = '';
    let killed = false;
    proc.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      // Once: a second SIGTERM landing while the child exits would end it by the signal itself.
      if (!killed && err.includes('\n')) killed = proc.kill('SIGTERM');
    });
    const [code] = (await once(proc, 'close')) as [number];
    assert.equal(code, 143);
    assert.equal(err, 'written\nstopping\n');
  });

  it('goes through process.stdout once other code built it, so the order holds', async () => {
    const { out, code } = await collect(child(`out.write('1\\n'); process.stdout.write('2\\n'); out.write('3\\n');`));
    assert.equal(code, 0);
    assert.equal(out, '1\n2\n3\n');
  });

  it('reports a reader that left once, as EPIPE, and drops what follows', async () => {
    // The child writes on once told the reader has closed its end, however long a busy machine takes to get there
    // (a signal handler alone does not keep a process alive: the interval does until then).
    const proc = child(`const alive = setInterval(() => {}, 1 << 30);
const readerGone = new Promise((resolve) => process.once('SIGUSR2', resolve));
out.write('x'.repeat(1 << 14));
await readerGone;
clearInterval(alive);
for (let i = 0; i < 100; i++) out.write('y'.repeat(1 << 12));
await new Promise((resolve) => setImmediate(resolve));
process.stderr.write(JSON.stringify(errors));`);
    proc.stdout.once('data', () => {
      proc.stdout.once('close', () => proc.kill('SIGUSR2'));
      proc.stdout.destroy();
    });
    const { code, err } = await collect(proc);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(err), ['EPIPE']);
  });

  it('hands the rest to the stream when the descriptor would block, and keeps writing there', () => {
    const { io, direct, streamed } = fakeIO({ room: 5 });
    const s = createStandardStream(io, () => assert.fail('no error'));
    s.write('abc');
    s.write('defgh');
    s.write('ij');
    assert.equal(direct.join(''), 'abcde');
    assert.deepEqual(streamed, ['fgh', 'ij']);
  });

  it('writes through the stream from the moment anything builds it', () => {
    const { io, direct, streamed, build } = fakeIO();
    const s = createStandardStream(io, () => assert.fail('no error'));
    s.write('a');
    build();
    s.write('b');
    assert.deepEqual([direct.join(''), streamed.join('')], ['a', 'b']);
  });

  it('reports a failed write once, on a later tick, and takes nothing more', async () => {
    const { io } = fakeIO({ fail: 'EIO' });
    const codes: (string | undefined)[] = [];
    const s = createStandardStream(io, (err) => codes.push(err.code));
    assert.equal(s.write('a'), false);
    assert.equal(s.write('b'), false);
    assert.deepEqual(codes, []);
    await new Promise((resolve) => process.nextTick(resolve));
    assert.deepEqual(codes, ['EIO']);
    await s.flushed();
  });

  it('uses only the stream where write(2) is not for it (a terminal), building it on first use', () => {
    const { io, direct, streamed } = fakeIO();
    let builds = 0;
    const s = createStandardStream({ ...io, direct: false, stream: () => (builds++, io.stream()) }, () => {});
    assert.equal(builds, 0);
    s.write('a');
    assert.deepEqual([direct, streamed], [[], ['a']]);
    assert.equal(s.isTTY, false);
    assert.equal(builds, 1);
  });

  it('writes directly only up to the budget, then through the stream', () => {
    const { io, direct, streamed } = fakeIO();
    const s = createStandardStream(io, () => assert.fail('no error'));
    s.write('a'.repeat(DIRECT_BUDGET - 1));
    s.write('bc');
    s.write('d');
    assert.equal(direct.join('').length, DIRECT_BUDGET - 1);
    assert.deepEqual(streamed, ['bc', 'd']);
  });
});
