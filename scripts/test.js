#!/usr/bin/env node
// `npm test`: unit and integration tests in one node --test run. Integration tests need a cluster: this
// brings up a private sandbox for the run (or reuses the one named by KUBE_LESSONS_TEST_SANDBOX_DIR) and
// always tears down what it started, even when tests fail or the run is interrupted.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxDown, sandboxUp } from '../src/sandbox/sandbox.ts';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const patterns = args.filter((a) => !a.startsWith('--'));
const files = patterns.length ? patterns : unitOnly ? ['test/unit/**/*.test.ts'] : ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'];

/** @type {string | undefined} */
let ownDir;
const env = { ...process.env };
async function setup() {
  if (unitOnly || env.KUBE_LESSONS_TEST_SANDBOX_DIR) return;
  ownDir = mkdtempSync(join(tmpdir(), 'kube-lessons-test-'));
  const t0 = Date.now();
  await sandboxUp({ dir: ownDir, log: (l) => console.error(`[sandbox] ${l}`) });
  console.error(`[sandbox] up in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${ownDir}`);
  env.KUBE_LESSONS_TEST_SANDBOX_DIR = ownDir;
}

async function teardown() {
  if (ownDir) await sandboxDown(ownDir, () => {});
  ownDir = undefined;
}

/** @type {import('node:child_process').ChildProcess | undefined} */
let child;
/** @param {NodeJS.Signals} sig */
const forward = (sig) => {
  child?.kill(sig);
};
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

let code = 1;
try {
  await setup();
  code = await new Promise((resolve) => {
    child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=600000', ...files], { stdio: 'inherit', env });
    child.on('close', (c, signal) => resolve(c ?? (signal ? 130 : 1)));
  });
} catch (err) {
  console.error(`error: could not start the test sandbox: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await teardown();
}
process.exit(code);
