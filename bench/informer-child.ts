/**
 * One informer run in a fresh process (node --expose-gc), as bench/go/informer-peer runs client-go's (ours
 * relaunched under the V8 flags `kube-lessons informer` runs under, by the same launcher step, src/cli/relaunch.ts):
 * start a pod informer on one namespace with one handler (ours: on its default RealFIFO, syncing by a
 * list or by a watch-list as --mode asks, and saying which one it did), note the moment the handler has been given every
 * object of the initial list and the informer reports synced (read inside the handler: no polling), then
 * the live heap (V8's, and the ArrayBuffers outside it) after a full collection and the process's peak RSS. Prints one JSON line.
 *
 *   node --expose-gc dist/bench/informer-child.mjs --impl ours|client-node --mode list-watch|watch-list \
 *     --kubeconfig FILE --namespace NS --count N
 */
import { parseArgs } from 'node:util';
import { relaunchWithMemoryFlags } from '../src/cli/relaunch.ts';
import { processUsage } from './lib/proc.ts';
import { KubeClient } from '../src/core/client.ts';
import { loadKubeconfig } from '../src/core/kubeconfig.ts';
import { listerWatcherFor } from '../src/core/list-watch-client.ts';
import { BUILTIN_RESOURCES } from '../src/core/resources.ts';
import { SharedInformerFactory } from '../src/machinery/cache/informer-factory.ts';

const { values } = parseArgs({
  options: {
    impl: { type: 'string' },
    mode: { type: 'string', default: 'list-watch' },
    kubeconfig: { type: 'string' },
    namespace: { type: 'string' },
    count: { type: 'string' },
  },
});
// Ours takes the launcher step `kube-lessons informer` takes; client-node runs under Node's defaults, as its users run it.
if (values.impl === 'ours') relaunchWithMemoryFlags();
const namespace = values.namespace!;
const count = Number(values.count);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

/** A moment that resolves exactly once when `check` first holds after a handler call. */
function syncedMoment(check: () => boolean): { added(): void; at: Promise<number> } {
  let adds = 0;
  let resolve: (t: number) => void = () => {};
  const at = new Promise<number>((r) => (resolve = r));
  const probe = () => {
    if (check()) resolve(performance.now());
    else setImmediate(probe); // not expected: the last initial add comes after the informer synced
  };
  return {
    added() {
      if (++adds === count) probe();
    },
    at,
  };
}

const config = await loadKubeconfig({ kubeconfig: values.kubeconfig });
const abort = new AbortController();
let started: number;
let synced: number;
let objects: number;

let watchList: boolean | undefined;

/** Media types (without parameters) of the answers ours received: one hook per response, not per object. */
const wire = new Set<string>();

if (values.impl === 'ours') {
  const client = new KubeClient(config, { hooks: { response: (r) => wire.add(r.contentType.split(';')[0]!.trim()) } });
  // How the state arrived, seen by the lister-watcher the reflector calls (no tracer: tracing costs per object):
  // a list before sync means list+watch (a watch-list the server refused falls back to one).
  const factory = new SharedInformerFactory(
    (r, ctx) => {
      const lw = listerWatcherFor(client, r, ctx);
      return {
        list: (opts) => ((watchList ??= false), lw.list(opts)),
        watch: (opts) => lw.watch(opts),
      };
    },
    { namespace, reflector: { useWatchList: values.mode === 'watch-list' } },
  );
  const informer = factory.informerFor(BUILTIN_RESOURCES.pods);
  // The transport its lister-watcher asked for (HTTP/2), with its TLS context: built lazily by the first
  // request otherwise, where client-go built both in NewForConfig, before its clock.
  client.prepare();
  const moment = syncedMoment(() => informer.hasSynced());
  informer.addEventHandler({ onAdd: () => moment.added() });
  gc();
  started = performance.now();
  factory.start(abort.signal);
  synced = await moment.at;
  watchList ??= true;
  objects = informer.getIndexer().listKeys().length;
} else if (values.impl === 'client-node') {
  if (values.mode !== 'list-watch') {
    console.log(JSON.stringify({ unsupported: 'client-node has no watch-list mode' }));
    process.exit(0);
  }
  const k8s = await import('@kubernetes/client-node');
  const kc = await config.clientNodeConfig();
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/pods`, () => api.listNamespacedPod({ namespace }));
  // client-node fills its cache and calls add handlers synchronously per listed item, then opens the watch.
  const moment = syncedMoment(() => informer.list(namespace).length === count);
  informer.on('add', () => moment.added());
  gc();
  started = performance.now();
  void informer.start();
  synced = await moment.at;
  objects = informer.list(namespace).length;
  abort.signal.addEventListener('abort', () => void informer.stop());
} else {
  throw new Error(`unknown --impl ${values.impl}`);
}

const syncMs = synced - started;
gc();
// V8's heap and the ArrayBuffers outside it (response chunks still held): Go's HeapAlloc counts both kinds.
const { heapUsed, arrayBuffers } = process.memoryUsage();
const heapBytes = heapUsed + arrayBuffers;
// VmHWM, not resourceUsage().maxRSS: after fork and exec the latter can report the parent's larger peak. VmHWM is
// the address space's since the launcher's execve, the image that ran the informer (the first one only loaded
// modules, far below this peak).
const { peakRssBytes } = processUsage(process.pid);
abort.abort();
if (objects !== count) throw new Error(`${values.impl} cached ${objects} of ${count} pods`);
console.log(
  JSON.stringify({ syncMs, objects, heapBytes, peakRssBytes, ...(watchList === undefined ? {} : { watchList }), ...(wire.size ? { wire: [...wire] } : {}) }),
);
process.exit(0);
