import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { canListen, ephemeralPortRange, freePort, listeningPortRange } from '../../../src/sandbox/processes.ts';

test("the ephemeral range is read from the kernel's setting, with IANA's range when it cannot be read", () => {
  assert.deepEqual(
    ephemeralPortRange(() => '32768\t60999\n'),
    [32768, 60999],
  );
  assert.deepEqual(
    ephemeralPortRange(() => {
      throw new Error('no /proc');
    }),
    [49152, 65535],
  );
  assert.deepEqual(
    ephemeralPortRange(() => 'garbage'),
    [49152, 65535],
  );
});

test('listening ports come from below the ephemeral range; none when it leaves no room', () => {
  assert.deepEqual(listeningPortRange([32768, 60999]), [20_000, 32767]);
  assert.equal(listeningPortRange([1024, 65535]), undefined);
});

test('a picked port is free, and outside the range outgoing connections take their ports from', async () => {
  const [low, high] = ephemeralPortRange();
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    assert.ok(port < low || port > high, `${port} is outside ${low}-${high}`);
    assert.ok(await canListen(port));
  }
});

test('a port something listens on is not free, and is never picked', async () => {
  const held = createServer().listen(0, '127.0.0.1');
  await once(held, 'listening');
  const port = (held.address() as AddressInfo).port;
  try {
    assert.equal(await canListen(port), false);
    assert.notEqual(await freePort([port, port]), port, 'falls back to a port the kernel picks');
  } finally {
    held.close();
  }
});
