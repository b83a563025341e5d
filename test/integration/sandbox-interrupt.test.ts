// A `sandbox up` stopped by the user (Ctrl-C) mid-start: its processes stop, and its state folder (keys, tokens,
// etcd's data) goes with them; the cached binaries stay.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { missingBinaries, processAlive } from '../../src/sandbox/build.ts';
import { sandboxDown, sandboxUp } from '../../src/sandbox/sandbox.ts';
import { loadVersions } from '../../src/sandbox/versions.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('an interrupted sandbox up', () => {
  it('stops what it started and removes its state folder, keeping the cached binaries', async () => {
    const dir = join(tempDir('kube-lessons-sandbox-interrupt-'), 'state');
    const interrupt = new AbortController();
    let etcdPid = 0;
    try {
      await assert.rejects(
        sandboxUp({
          dir,
          signal: interrupt.signal,
          // Ctrl-C once etcd runs: a start-up with a process, keys and data of its own to clean.
          log: (line) => {
            const m = /^etcd healthy \(pid (\d+),/.exec(line);
            if (!m) return;
            etcdPid = Number(m[1]);
            interrupt.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
          },
        }),
        (err: Error) => err.name === 'AbortError',
      );
      assert.ok(etcdPid > 0, 'etcd started before the interrupt');
      assert.equal(processAlive(etcdPid), false, 'etcd is stopped');
      assert.equal(existsSync(dir), false, 'the state folder is removed');
      assert.deepEqual(missingBinaries(loadVersions()), [], 'the cached binaries stay');
    } finally {
      await sandboxDown(dir);
    }
  });
});
