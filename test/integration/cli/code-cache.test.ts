// The CLI's code cache (bin/load-bundle.js) as users meet it, in a cache folder of the test's own: a command
// that finished, or was stopped with Ctrl-C, leaves a cache its next run uses; a mistyped command leaves none
// (a failed run's cache is kept apart: test/unit/cli/load-bundle.test.ts). A command's cache lists the files
// of dist/bundle it ran: `--help` runs main.cjs's alone, which holds none of a command's own chunks.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startCli } from '../../helpers/cli.ts';
import { kubeconfigPath } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

/** Runs the CLI with the command name first, as the cache is keyed by it, and the sandbox's kubeconfig after. */
const run = (args: string[], home: string) =>
  startCli([...args, '--kubeconfig', kubeconfigPath()], { env: { XDG_CACHE_HOME: home, KUBE_LESSONS_NO_AUTO_SANDBOX: '1' } });
const cacheHome = () => tempDir('code-cache-it-');
const cached = (home: string) => {
  try {
    return readdirSync(join(home, 'kube-lessons', 'code-cache')).map((f) => f.replace(/-[0-9a-f]{8}-[0-9a-f]{8}\.bin$/, ''));
  } catch {
    return [];
  }
};

/** The files a command's cache file holds a cache for (its header: a 4-byte length, a JSON list of [file, bytes]). */
const chunksRun = (home: string, command: string) => {
  const dir = join(home, 'kube-lessons', 'code-cache');
  const file = readdirSync(dir).find((f) => f.startsWith(`${command}-`));
  assert.ok(file, `no cache for ${command}`);
  const bytes = readFileSync(join(dir, file));
  return (JSON.parse(bytes.toString('latin1', 4, 4 + bytes.readUInt32LE(0))) as [string, number][]).map(([chunk]) => chunk);
};

/** The chunks a file of dist/bundle holds (scripts/bundle.js: an object of module functions by chunk name). */
const chunksIn = (file: string) =>
  [...readFileSync(new URL(`../../../dist/bundle/${file}`, import.meta.url), 'latin1').matchAll(/(?:^\(\{|\n)"([^"\n]+)":function\(/g)].map(
    ([, chunk]) => chunk!,
  );

describe('the code cache', () => {
  it('shows that --help runs the command table alone, and list-nodes its own chunks but no other command', async () => {
    const home = cacheHome();
    assert.equal((await run(['--help'], home).done).code, 0);
    assert.equal((await run(['list-nodes'], home).done).code, 0);
    assert.deepEqual(chunksRun(home, 'other'), ['main.cjs']);
    const inMain = chunksIn('main.cjs');
    assert.equal(inMain[0], 'main.cjs');
    const listNodes = chunksRun(home, 'list-nodes');
    assert.ok(
      listNodes.some((c) => /^chunk-list-nodes-/.test(c)),
      listNodes.join(),
    );
    // The code only a command runs (its example, the cluster context) is in files --help never loads.
    const commandsOwn = /^chunk-(list-nodes|context|kubeconfig|client|watch|informer|workqueue|store|sandbox|learn|session|prompter|trace|doctor)-/;
    for (const chunk of inMain) assert.doesNotMatch(chunk, commandsOwn);
    const ranByListNodes = listNodes.flatMap(chunksIn);
    for (const own of ['list-nodes', 'context', 'kubeconfig', 'client'])
      assert.ok(
        ranByListNodes.some((c) => c.startsWith(`chunk-${own}-`)),
        own,
      );
    for (const other of ranByListNodes) assert.doesNotMatch(other, /^chunk-(watch|informer|workqueue|store|sandbox|learn|session|prompter|trace|doctor)-/);
  });

  it('is written after list-nodes ran, then used as it is: the second run prints the same and rewrites nothing', async () => {
    const home = cacheHome();
    const first = await run(['list-nodes'], home).done;
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(cached(home), ['list-nodes']);
    const [file] = readdirSync(join(home, 'kube-lessons', 'code-cache'));
    const written = statSync(join(home, 'kube-lessons', 'code-cache', file!)).mtimeMs;
    const second = await run(['list-nodes'], home).done;
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(statSync(join(home, 'kube-lessons', 'code-cache', file!)).mtimeMs, written);
  });

  it('is written for a watch stopped with Ctrl-C, and not for a mistyped command', async () => {
    const home = cacheHome();
    const running = run(['watch', 'pods', '-n', 'default'], home);
    await running.line(/^BOOKMARK\s+initial-events-end/);
    running.interrupt();
    assert.equal((await running.done).code, 130);
    const typo = await run(['lsit-nodes'], home).done;
    assert.equal(typo.code, 2);
    assert.deepEqual(cached(home), ['watch']);
  });

  it("keeps Node's compile cache (which holds the loader) in a folder of the user's alone, and empties one others could reach", async () => {
    const home = cacheHome();
    assert.equal((await run(['--help'], home).done).code, 0);
    const folder = join(home, 'kube-lessons', 'compile-cache');
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    const [tag] = readdirSync(folder);
    assert.ok(tag && readdirSync(join(folder, tag)).length > 0, 'the loader was cached');

    // As an earlier release left them under umask 000: both folders open to everyone, a file planted inside.
    const shared = cacheHome();
    const top = join(shared, 'kube-lessons');
    const open = join(top, 'compile-cache');
    mkdirSync(join(open, 'planted'), { recursive: true });
    writeFileSync(join(open, 'planted', 'code.bin'), 'not ours');
    chmodSync(top, 0o777);
    chmodSync(open, 0o777);
    const help = await run(['--help'], shared).done;
    assert.equal(help.code, 0, help.stderr);
    assert.equal(statSync(top).mode & 0o022, 0, 'nobody else may write the cache folder');
    assert.equal(statSync(open).mode & 0o777, 0o700);
    assert.ok(!readdirSync(open).includes('planted'), 'what others could have written is gone');
    assert.ok(readdirSync(open).length > 0, 'the loader was cached again');
  });
});
