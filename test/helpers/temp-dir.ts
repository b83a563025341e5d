/**
 * Temporary folders for tests. Each is removed when the test file's process exits, whether its tests passed or
 * not, so test runs leave nothing behind in the system's temporary folder (they used to leave ~150 folders an
 * hour). Removal runs after the file's own `after` hooks, so a sandbox stopped there is stopped before its folder
 * goes. KUBE_LESSONS_KEEP_TEST_DIRS=1 keeps them, for looking into a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

function removeAll(): void {
  if (process.env.KUBE_LESSONS_KEEP_TEST_DIRS) return;
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a process the test started may still be writing in it; leaving one folder is no failure of the test
    }
  }
}

/** A new, empty folder named `<prefix>XXXXXX` in the system's temporary folder, removed at exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.push(dir) === 1) process.once('exit', removeAll);
  return dir;
}
