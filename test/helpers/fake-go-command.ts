// A stand-in for the `go` command, for tests of the sandbox build: it answers the commands build.ts runs
// (version, env, mod download, get, list -deps, build -v) the way go does, slowly and under the test's
// control, without compiling anything. Its "build cache" is a file in $GOCACHE listing what it compiled,
// so an interrupted build resumes as a real one does. The binaries it "links" are copied from
// $FAKE_GO_BINARIES (real ones, so the sandbox can start), else small scripts that answer --version.
//   FAKE_GO_PACKAGES   packages per main package (default 30); 10 more are shared, like the standard library
//   FAKE_GO_DELAY_MS   time per package (default 20)
//   FAKE_GO_PAUSE_FILE while this file exists, compiling waits (after FAKE_GO_PAUSE_AFTER packages, default 0)
//   FAKE_GO_VERSION    what `go version` says (default go1.26.8)
//   FAKE_GO_FAIL       network | compile: fail that way
import { appendFileSync, copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const args = process.argv.slice(2);
const env = process.env;
const cache = env.GOCACHE || '/tmp/fake-go-cache';
mkdirSync(cache, { recursive: true });
const compiledFile = join(cache, 'compiled');
const compiled = () => new Set(existsSync(compiledFile) ? readFileSync(compiledFile, 'utf8').split('\n').filter(Boolean) : []);

/** What go names a main package's binary: its last path element, or the one before a /vN suffix. */
const binaryName = (target: string) => basename(target.replace(/\/v\d+$/, ''));

/** Each target's dependencies: 10 shared by all (like the standard library), then its own, then itself. */
function packagesOf(targets: string[]): string[] {
  const n = Number(env.FAKE_GO_PACKAGES ?? 30);
  const shared = Array.from({ length: 10 }, (_, i) => `std${i}`);
  const own = targets.flatMap((t) => Array.from({ length: n }, (_, i) => `fake.example/${binaryName(t)}/p${i}`));
  return [...shared, ...own, ...targets];
}

const positional = (from: number): string[] => {
  const out: string[] = [];
  for (let i = from; i < args.length; i++) {
    const a = args[i]!;
    if (['-tags', '-ldflags', '-o', '-f'].includes(a)) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
};

switch (args[0]) {
  case 'version':
    console.log(`go version ${env.FAKE_GO_VERSION ?? 'go1.26.8'} linux/amd64`);
    break;
  case 'env':
    for (const name of args.slice(1)) console.log(name === 'GOCACHE' ? cache : (env[name] ?? cache));
    break;
  case 'mod': {
    if (env.FAKE_GO_FAIL === 'network') {
      console.error(
        'go: k8s.io/kubernetes@v1.36.3: Get "https://proxy.golang.org/k8s.io/kubernetes/@v/v1.36.3.info": dial tcp: lookup proxy.golang.org: no such host',
      );
      process.exit(1);
    }
    const goMod = join(cache, 'kubernetes.go.mod');
    writeFileSync(goMod, 'module k8s.io/kubernetes\n\nrequire (\n\tk8s.io/api v0.0.0\n\tk8s.io/apimachinery v0.0.0\n)\n');
    console.log(JSON.stringify({ Path: 'k8s.io/kubernetes', GoMod: goMod }));
    break;
  }
  case 'get':
    break;
  case 'list': {
    const done = compiled();
    for (const p of packagesOf(positional(1))) console.log(`${p} ${!done.has(p)}`);
    break;
  }
  case 'build': {
    const oi = args.indexOf('-o');
    const out = args[oi + 1]!;
    const targets = positional(1);
    let compiledHere = 0;
    for (const p of packagesOf(targets)) {
      if (compiled().has(p)) continue;
      if (compiledHere >= Number(env.FAKE_GO_PAUSE_AFTER ?? 0)) while (env.FAKE_GO_PAUSE_FILE && existsSync(env.FAKE_GO_PAUSE_FILE)) await sleep(50);
      compiledHere++;
      await sleep(Number(env.FAKE_GO_DELAY_MS ?? 20));
      if (env.FAKE_GO_FAIL === 'compile' && p.endsWith('/p3')) {
        console.error(`# ${p}\n/root/go/pkg/mod/${p}/x.go:12:3: undefined: somethingMissing`);
        process.exit(1);
      }
      console.error(p);
      appendFileSync(compiledFile, p + '\n');
    }
    const names = out.endsWith('/') ? targets.map(binaryName) : [basename(out)];
    for (const name of names) {
      const dest = out.endsWith('/') ? join(out, name) : out;
      // etcd's main package is go.etcd.io/etcd/server/v3: go names its binary server.
      const real = env.FAKE_GO_BINARIES && join(env.FAKE_GO_BINARIES, name === 'server' ? 'etcd' : name);
      if (real && existsSync(real)) copyFileSync(real, dest);
      else writeFileSync(dest, '#!/bin/sh\necho "fake $0 $*"\n');
      chmodSync(dest, 0o755);
    }
    break;
  }
  default:
    console.error(`fake go: unknown command ${args.join(' ')}`);
    process.exit(2);
}
