// The launcher step: a long-running command (informer) replaces its process once with the same Node under
// the memory flags, keeping the pid, the output and the exit codes a run without the relaunch gives; a
// one-shot command (list-nodes) starts Node once. Starts are counted by a preload that NODE_OPTIONS loads
// into every Node image of the process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../../src/core/client.ts';
import { MEMORY_FLAGS, RELAUNCHED_MARKER } from '../../../src/cli/relaunch.ts';
import { createTestNamespace, deleteNamespace, testClient } from '../../helpers/cluster.ts';
import { startCliOnSandbox } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

let client: KubeClient;
let ns = '';
let dir = '';

/** Runs the CLI with a preload that appends "pid execArgv marker" to a file each time a Node image starts; returns those lines too. */
function counted(args: string[], env: NodeJS.ProcessEnv = {}) {
  const log = join(dir, `starts-${Math.random().toString(36).slice(2)}.log`);
  const preload = join(dir, 'count-starts.cjs');
  const running = startCliOnSandbox(args, {
    // The preload's path quoted: the temporary folder's path may hold a space.
    env: { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(preload)}`.trim(), STARTS_LOG: log },
    timeoutMs: 90_000,
  });
  const starts = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pid: number; execArgv: string[]; marker: string | null });
  return { running, starts };
}

before(async () => {
  client = await testClient();
  ns = await createTestNamespace(client, 'relaunch');
  dir = tempDir('kube-lessons-relaunch-');
  writeFileSync(
    join(dir, 'count-starts.cjs'),
    `require('node:fs').appendFileSync(process.env.STARTS_LOG, JSON.stringify({ pid: process.pid, execArgv: process.execArgv, marker: process.env.${RELAUNCHED_MARKER} ?? null }) + '\\n');\n`,
  );
});

after(async () => {
  await deleteNamespace(client, ns);
  rmSync(dir, { recursive: true, force: true });
});

describe('the launcher step', () => {
  it('runs informer under the memory flags in the same process, says so with --debug, and ends with exit 130 on Ctrl-C', async () => {
    const { running, starts } = counted(['informer', '-n', ns, '--debug']);
    await running.line(/^cache synced: /);
    const cmdline = readFileSync(`/proc/${running.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of MEMORY_FLAGS) assert.ok(cmdline.includes(flag), `the process runs under ${flag}: ${cmdline.join(' ')}`);
    running.interrupt();
    const r = await running.done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, new RegExp(`^debug: relaunched under ${MEMORY_FLAGS.join(' ')} \\(same pid ${running.pid}\\)$`, 'm'));
    const s = starts();
    assert.equal(s.length, 2, 'Node started twice: the first image replaced itself once');
    assert.ok(
      s.every((x) => x.pid === running.pid),
      'both images are the process the caller started',
    );
    assert.deepEqual(s[0]!.execArgv, []);
    assert.deepEqual(s[1]!.execArgv, [...MEMORY_FLAGS]);
    assert.equal(s[1]!.marker, MEMORY_FLAGS.join(' '), 'the new image is told which flags it got');
  });

  it('ends a relaunched command with the exit code and error a run without the relaunch gives', async () => {
    const args = ['informer', 'no-such-things', '-n', ns, '--timeout', '30s'];
    const relaunched = counted(args);
    const own = counted(args, { NODE_OPTIONS: '--max-semi-space-size=4' });
    const [a, b] = await Promise.all([relaunched.running.done, own.running.done]);
    assert.equal(relaunched.starts().length, 2);
    assert.equal(own.starts().length, 1, "the user's own heap flag: no relaunch");
    assert.notEqual(a.code, 0);
    assert.equal(a.code, b.code);
    assert.equal(a.stderr, b.stderr);
    assert.match(a.stderr, /^error: /);
  });

  it('leaves one-shot commands in their first process, and says nothing of it with --debug', async () => {
    for (const args of [
      ['list-nodes', '--debug'],
      ['informer', '--help'],
    ]) {
      const { running, starts } = counted(args);
      const r = await running.done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(starts().length, 1, `${args.join(' ')} started Node once`);
      assert.doesNotMatch(r.stderr, /relaunch/);
    }
  });
});
