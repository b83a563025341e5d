import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { mock } from 'node:test';

/**
 * Runs `fn` while fs's `method` fails with `code` for `path` (as for a non-root user without the right, which
 * chmod cannot make for root): named imports of node:fs see the fake once the builtin's exports are synced.
 */
export async function withFsError(method: 'readFileSync' | 'statSync' | 'accessSync', path: string, code: string, fn: () => unknown): Promise<void> {
  const real = fs[method] as (...args: unknown[]) => unknown;
  const fake = mock.method(fs, method, (...args: unknown[]) => {
    if (args[0] === path) throw Object.assign(new Error(`${code}: fake, ${method} '${path}'`), { code });
    return real(...args);
  });
  syncBuiltinESMExports();
  try {
    await fn();
  } finally {
    fake.mock.restore();
    syncBuiltinESMExports();
  }
}
