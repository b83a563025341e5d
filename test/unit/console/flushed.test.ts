import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { flushed } from '../../../src/console/flushed.ts';

const helper = fileURLToPath(new URL('../../../src/console/flushed.ts', import.meta.url));
const SIZE = 1 << 20; // far more than a pipe's buffer (64 KB on Linux)

/** A child that writes SIZE bytes to its stdout (a pipe), waits for flushed() and exits with process.exit, as the CLI does. */
function writer(extra = '') {
  const script = `import { flushed } from ${JSON.stringify(helper)};
${extra}
process.stdout.write('x'.repeat(${SIZE}));
await flushed(process.stdout);
process.exit(0);`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('flushed', () => {
  it('lets a process that exits with process.exit hand all of a large output to a pipe', async () => {
    const child = writer();
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    const [code] = (await once(child, 'close')) as [number];
    assert.equal(code, 0);
    assert.equal(bytes, SIZE);
  });

  it('resolves when the reader closes the pipe instead of waiting forever', async () => {
    const child = writer("process.stdout.on('error', () => {});");
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'close')) as [number];
    assert.equal(code, 0);
  });

  it('resolves at once when nothing is queued, without writing', async () => {
    let writes = 0;
    const idle = { writableLength: 0, destroyed: false, write: () => (writes++, true) };
    await flushed(idle);
    await flushed({ ...idle, writableLength: 10, destroyed: true });
    assert.equal(writes, 0);
  });
});
