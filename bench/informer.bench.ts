/**
 * Informer initial sync and memory next to client-go (bench/go/informer-peer) and @kubernetes/client-node's
 * makeInformer, on settled pods of one shape at two sizes, timed once the machine is quiet again after making
 * them (lib/quiet.ts). Every run is a fresh process with one pod
 * informer and one handler; the sync moment is read inside each side's own synced signal (no polling).
 * Figures per size and protocol: initial sync, live heap after a full collection, whole-process peak RSS;
 * and heap per cached pod as the slope between the two sizes (fixed process cost cancels out).
 *
 * Before each side's clock, what its users' programs have done at that point: client-go has registered its
 * scheme and codecs (package init), built its clientset with NewForConfig (transport and TLS config: CA pool,
 * client certificate) and the pod informer with its handler. Ours has built the KubeClient, the informer
 * factory's pod informer with its handler, whose lister-watcher read the protobuf schema and loaded the
 * decoder, and then its HTTP/2 transport, TLS context and node:http2 (KubeClient.prepare: a first request
 * builds them otherwise, inside the clock); client-node has built its KubeConfig and API client. No side has
 * connected or sent a request before its clock.
 *
 * Protocols: list+watch (client-go with KUBE_FEATURE_WatchListClient=false, ours with useWatchList off) and
 * watch-list (client-go's default since 1.35, ours by default: the initial state streamed as watch events,
 * ended by the initial-events-end bookmark). Each side reports the protocol it actually ran, and a run
 * that did something else than asked fails the bench. client-node has no watch-list.
 *
 * Wire format: client-go's clientset as users get it asks for protobuf for built-in types (v0.36: an unset
 * ContentType means JSON, but the generated typed clients prefer protobuf per request), which parses in
 * about a third of the CPU time JSON takes; kube-lessons asks for protobuf too (src/core/protobuf), client-node
 * speaks JSON. So client-go runs twice: as released ("client-go", protobuf, the bytes ours parses), and told to
 * ask for JSON ("client-go json"). The Go peer reports the media types of the responses it actually received
 * (read in a transport wrapper), ours those its client saw, and a run whose wire format is not the one meant
 * fails the bench.
 */
import { fileURLToPath } from 'node:url';
import { buildChild } from './lib/build-child.ts';
import { createNamespace, createSettledPods } from './lib/cluster.ts';
import { roundOrder, type BenchContext } from './lib/context.ts';
import { runJson } from './lib/proc.ts';
import { quietBeforeTiming } from './lib/quiet.ts';
import type { Figure } from './lib/stats.ts';

const CHILD_SOURCE = fileURLToPath(new URL('./informer-child.ts', import.meta.url));

type Mode = 'list-watch' | 'watch-list';

type Wire = 'json' | 'protobuf';
const WIRE_MEDIA_TYPE: Record<Wire, string> = { json: 'application/json', protobuf: 'application/vnd.kubernetes.protobuf' };
const goPeerName = (wire: Wire) => (wire === 'json' ? 'client-go json' : 'client-go');
/** client-go as released (protobuf), and asking for JSON as ours does. */
const GO_PEERS = (['protobuf', 'json'] as const).map(goPeerName);

interface Impl {
  name: string;
  mode: Mode;
  run(namespace: string, count: number): ChildResult;
}

interface ChildResult {
  syncMs: number;
  heapBytes: number;
  peakRssBytes: number;
  unsupported?: string;
  /** The Go peer says which protocol client-go's feature gate chose, and the media types it received. */
  watchList?: boolean;
  wire?: string[];
}

const MB = 1024 * 1024;

/** A side that reports its protocol must have run the one asked for. */
function checkProtocol(impl: string, mode: Mode, out: ChildResult): void {
  if (out.unsupported || out.watchList === undefined) return;
  if (out.watchList !== (mode === 'watch-list')) throw new Error(`${impl} synced by ${out.watchList ? 'watch-list' : 'list'} where ${mode} was asked`);
}

/** A side that reports its media types must have received only the one meant. */
function checkWire(impl: string, out: ChildResult, wire: Wire): void {
  const received = out.wire ?? [];
  if (received.length !== 1 || received[0] !== WIRE_MEDIA_TYPE[wire])
    throw new Error(`${impl} received ${received.join(', ') || 'no response'} where ${WIRE_MEDIA_TYPE[wire]} was meant`);
}

export async function informerBench(ctx: BenchContext): Promise<void> {
  const { results, go, cluster } = ctx;
  const sizes = ctx.quick ? [200, 1000] : [1000, 5000];
  const rounds = ctx.quick ? 3 : 5;
  const kubeconfig = cluster.state.kubeconfig;
  const child = buildChild(CHILD_SOURCE);
  for (const size of sizes) {
    await createNamespace(cluster.client, `pods-${size}`);
    await createSettledPods(cluster, `pods-${size}`, size, ctx.log);
  }

  const node = (impl: string, mode: Mode): Impl => ({
    name: impl,
    mode,
    run: (namespace, count) => {
      const out = runJson<ChildResult>(
        ctx.node,
        ['--expose-gc', child, '--impl', impl, '--mode', mode, '--kubeconfig', kubeconfig, '--namespace', namespace, '--count', String(count)],
        process.env,
      );
      checkProtocol(impl, mode, out);
      if (impl === 'ours') checkWire(impl, out, 'protobuf');
      return out;
    },
  });
  const goPeer = (mode: Mode, wire: Wire): Impl => ({
    name: goPeerName(wire),
    mode,
    run: (namespace, count) => {
      const args = ['-kubeconfig', kubeconfig, '-namespace', namespace, '-count', String(count), ...(wire === 'json' ? ['-json'] : [])];
      const out = runJson<ChildResult>(go!.informer, args, {
        ...process.env,
        KUBE_FEATURE_WatchListClient: String(mode === 'watch-list'),
      });
      checkProtocol('client-go', mode, out);
      checkWire('client-go', out, wire);
      return out;
    },
  });
  let impls: Impl[] = [node('ours', 'list-watch'), node('client-node', 'list-watch'), node('ours', 'watch-list')];
  if (go) for (const wire of ['protobuf', 'json'] as const) impls.push(goPeer('list-watch', wire), goPeer('watch-list', wire));
  else results.note('informer: no Go toolchain, so no client-go peer');
  impls = impls.filter((impl) => {
    const probe = impl.run(`pods-${sizes[0]}`, sizes[0]!);
    if (probe.unsupported) results.note(`informer: ${probe.unsupported}`);
    return !probe.unsupported;
  });

  const key = (impl: Impl) => `${impl.name}|${impl.mode}`;
  const figs = new Map<string, { sync: Figure; heap: Figure; rss: Figure }>();
  for (const size of sizes) {
    for (const impl of impls) {
      const c = `informer ${size} pods, ${impl.mode}`;
      figs.set(`${key(impl)}|${size}`, {
        sync: results.figure({ case: c, metric: 'initial sync', impl: impl.name, unit: 'ms' }),
        heap: results.figure({ case: c, metric: 'live heap after sync', impl: impl.name, unit: 'MB' }),
        rss: results.figure({ case: c, metric: 'peak RSS', impl: impl.name, unit: 'MB' }),
      });
    }
    // Right after thousands of pods were made, the API server, etcd and the controllers are still busy with them.
    await quietBeforeTiming(ctx, 'informer', `the informers on ${size} pods`);
    for (let r = 0; r < rounds; r++) {
      for (const impl of roundOrder(impls, r)) {
        const out = impl.run(`pods-${size}`, size);
        const f = figs.get(`${key(impl)}|${size}`)!;
        f.sync.samples.push(out.syncMs);
        f.heap.samples.push(out.heapBytes / MB);
        f.rss.samples.push(out.peakRssBytes / MB);
      }
    }
  }

  const [small, big] = sizes as [number, number];
  const slopes = new Map<string, Figure>();
  for (const impl of impls) {
    const a = figs.get(`${key(impl)}|${small}`)!.heap.samples;
    const b = figs.get(`${key(impl)}|${big}`)!.heap.samples;
    slopes.set(
      key(impl),
      results.figure(
        { case: `informer ${small}->${big} pods, ${impl.mode}`, metric: 'heap per cached pod (slope)', impl: impl.name, unit: 'B' },
        b.map((x, i) => ((x - a[i]!) * MB) / (big - small)),
      ),
    );
  }

  const get = (name: string, mode: Mode, size: number) => figs.get(`${name}|${mode}|${size}`);
  for (const size of sizes) {
    for (const peer of GO_PEERS)
      for (const mode of ['list-watch', 'watch-list'] as const) results.compare(get('ours', mode, size)?.sync, get(peer, mode, size)?.sync);
    results.compare(get('ours', 'list-watch', size)?.sync, get('client-node', 'list-watch', size)?.sync);
  }
  for (const peer of GO_PEERS)
    for (const mode of ['list-watch', 'watch-list'] as const) results.compare(slopes.get(`ours|${mode}`), slopes.get(`${peer}|${mode}`));
  results.compare(slopes.get('ours|list-watch'), slopes.get('client-node|list-watch'));
  for (const peer of GO_PEERS)
    for (const mode of ['list-watch', 'watch-list'] as const) results.compare(get('ours', mode, big)?.rss, get(peer, mode, big)?.rss);
  results.compare(get('ours', 'list-watch', big)?.rss, get('client-node', 'list-watch', big)?.rss);
}
