import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExitCode } from '../../../src/core/errors.ts';
import { goFailure, goTooOld, MIN_GO, NEEDED_BYTES, notEnoughRoom } from '../../../src/sandbox/build-failures.ts';

const GB = 1024 ** 3;

test('a disk with less room than a build needs is refused up front, saying how much is free and how much is needed', () => {
  const free: Record<string, number> = { '/cache': 40 * GB, '/home/me/go': 1.2 * GB };
  const err = notEnoughRoom(['/cache', '/home/me/go'], (d) => free[d]);
  assert.ok(err);
  assert.equal(err.message, 'not enough disk space to build the sandbox: 1.2 GB free on the disk of /home/me/go, and a first build needs about 3.0 GB');
  assert.match(err.hint!, /go clean -cache/);
  assert.equal(err.exitCode, ExitCode.config);
});

test('room enough, or a disk whose free space cannot be told, lets the build start', () => {
  assert.equal(
    notEnoughRoom(['/a', '/b'], () => NEEDED_BYTES),
    undefined,
  );
  assert.equal(
    notEnoughRoom(['/a'], () => undefined),
    undefined,
  );
});

test('Go older than the pinned sources need is named with both versions; as new or newer passes', () => {
  assert.equal(
    goTooOld('go version go1.22.4 linux/amd64')?.message,
    `Go 1.22 is too old to build the sandbox (it needs ${MIN_GO.major}.${MIN_GO.minor} or newer)`,
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 9 }), (minor, patch) => {
      const tooOld = MIN_GO.major === 1 && minor < MIN_GO.minor;
      assert.equal(goTooOld(`go version go1.${minor}.${patch} linux/arm64`) !== undefined, tooOld);
    }),
  );
});

test('a go failure is told by its cause: disk filled during the build, proxy unreachable, compile error, else its last lines', () => {
  const full = goFailure(['build'], 1, 'go: writing stat cache: write /root/.cache/go-build/x: no space left on device\n');
  assert.equal(full.message, 'the disk filled up while building the sandbox');
  assert.match(full.hint!, /resumes from what it compiled/);

  const net = goFailure(
    ['mod', 'download'],
    1,
    'go: k8s.io/api@v0.36.3: Get "https://proxy.golang.org/k8s.io/api/@v/v0.36.3.zip": dial tcp 1.2.3.4:443: i/o timeout\n',
  );
  assert.match(net.message, /^cannot reach the Go module proxy \(.+\) to download the sandbox's sources: .*i\/o timeout/);
  assert.equal(net.exitCode, ExitCode.unreachable);

  const compile = goFailure(['build'], 1, '# k8s.io/apiserver/pkg/x\npkg/x/y.go:12:3: undefined: z\n', '/tmp/build.log');
  assert.equal(compile.message, 'compiling the sandbox failed in k8s.io/apiserver/pkg/x: pkg/x/y.go:12:3: undefined: z');
  assert.match(compile.hint!, /\/tmp\/build\.log/);

  const other = goFailure(['list'], 2, 'one\ntwo\nthree\nfour\n');
  assert.equal(other.message, 'go list failed (exit 2): two | three | four');
});
