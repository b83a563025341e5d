/** Puts the fake `go` (fake-go-command.ts) first on a PATH, in a folder of its own. */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.ts';

const SCRIPT = fileURLToPath(new URL('./fake-go-command.ts', import.meta.url));

/** A folder holding an executable `go` that runs the fake; prepend it to PATH. */
export function fakeGoDir(): string {
  const dir = tempDir('kube-lessons-fake-go-');
  writeFileSync(join(dir, 'go'), `#!/bin/sh\nexec '${process.execPath}' '${SCRIPT}' "$@"\n`);
  chmodSync(join(dir, 'go'), 0o755);
  return dir;
}
