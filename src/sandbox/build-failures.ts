/**
 * The ways a sandbox build fails, each told in one line with a hint: Go missing or too old, the module proxy
 * out of reach, the disk full (checked before starting, and recognised if it fills up during the build),
 * and a compile error. Anything else keeps go's last lines.
 */
import { statfsSync } from 'node:fs';
import { ExitCode, UserFacingError } from '../core/errors.ts';

/** The Go release the pinned sources need (Kubernetes 1.36's go.mod). */
export const MIN_GO = { major: 1, minor: 26 };

/** Room a cold build needs: module downloads (~0.6 GB), the build cache (~1.5 GB), the binaries (~0.3 GB), with margin. */
export const NEEDED_BYTES = 3 * 1024 ** 3;

const OTHER_CLUSTER = 'or use kind or another cluster through --kubeconfig';

export function goMissing(): UserFacingError {
  return new UserFacingError(
    `the sandbox is built from source and needs Go ${MIN_GO.major}.${MIN_GO.minor} or newer, which is not installed`,
    `install Go (https://go.dev/dl), ${OTHER_CLUSTER}`,
    ExitCode.config,
  );
}

/** The version in `go version` output when it is older than MIN_GO, else undefined. */
export function goTooOld(versionLine: string): UserFacingError | undefined {
  const m = /go(\d+)\.(\d+)/.exec(versionLine);
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major > MIN_GO.major || (major === MIN_GO.major && minor >= MIN_GO.minor)) return undefined;
  return new UserFacingError(
    `Go ${major}.${minor} is too old to build the sandbox (it needs ${MIN_GO.major}.${MIN_GO.minor} or newer)`,
    `update Go (https://go.dev/dl), ${OTHER_CLUSTER}`,
    ExitCode.config,
  );
}

/** Free bytes on the file system holding `dir` (an existing folder), or undefined when it cannot be told. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/** The error for the first of `dirs` (existing folders) whose disk has less than `needed` bytes free; undefined when all have room. */
export function notEnoughRoom(dirs: string[], free: (dir: string) => number | undefined = freeBytes, needed = NEEDED_BYTES): UserFacingError | undefined {
  for (const dir of dirs) {
    const bytes = free(dir);
    if (bytes !== undefined && bytes < needed) return diskTooFull(dir, bytes, needed);
  }
  return undefined;
}

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

export function diskTooFull(dir: string, free: number, needed: number): UserFacingError {
  return new UserFacingError(
    `not enough disk space to build the sandbox: ${gb(free)} free on the disk of ${dir}, and a first build needs about ${gb(needed)}`,
    'free some space (the Go build cache `go clean -cache` is often large) and run `kube-lessons sandbox up` again',
    ExitCode.config,
  );
}

/** Turns a failed go command's output into one line with a hint. */
export function goFailure(args: string[], code: number | null, stderr: string, logFile?: string): UserFacingError {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const logHint = logFile ? ` (the full output is in ${logFile})` : '';
  if (/no space left on device/i.test(stderr)) {
    return new UserFacingError(
      'the disk filled up while building the sandbox',
      `free some space (\`go clean -cache\` helps) and run \`kube-lessons sandbox up\` again; the build resumes from what it compiled`,
      ExitCode.failure,
    );
  }
  const network = lines.find((l) =>
    /dial tcp|no such host|i\/o timeout|connection refused|proxyconnect|TLS handshake timeout|connection reset|server misbehaving|Get "https?:\/\//.test(l),
  );
  if (network) {
    const proxy = process.env.GOPROXY || 'https://proxy.golang.org';
    return new UserFacingError(
      `cannot reach the Go module proxy (${proxy}) to download the sandbox's sources: ${shorten(network)}`,
      'check the network connection and GOPROXY, then run `kube-lessons sandbox up` again',
      ExitCode.unreachable,
    );
  }
  // A compile error: "# k8s.io/foo" then "file.go:12:3: message".
  const pkg = lines.find((l) => l.startsWith('# '));
  const where = lines.find((l) => /\.go:\d+(:\d+)?: /.test(l));
  if (args[0] === 'build' && where) {
    return new UserFacingError(
      `compiling the sandbox failed${pkg ? ` in ${pkg.slice(2)}` : ''}: ${shorten(where)}`,
      `the pinned sources should compile with Go ${MIN_GO.major}.${MIN_GO.minor}; check \`go version\` and \`go env\` (GOFLAGS, CGO), and report it if it persists${logHint}`,
      ExitCode.failure,
    );
  }
  return new UserFacingError(
    `go ${args[0]} failed (exit ${code ?? 'signal'}): ${lines.slice(-3).map(shorten).join(' | ') || 'no output'}`,
    `check the Go module proxy is reachable (GOPROXY) and the disk has space; then run \`kube-lessons sandbox up\` again${logHint}`,
    ExitCode.failure,
  );
}

function shorten(line: string): string {
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
