/** A reflector on a fake clock over a scripted lister-watcher, recording what it does to its store. */
import { FakeClock } from '../../../../src/machinery/clock.ts';
import { RecordingTracer } from '../../../../src/machinery/trace.ts';
import { ApiStatusError } from '../../../../src/machinery/errors.ts';
import { ExponentialBackoff } from '../../../../src/machinery/cache/backoff.ts';
import type { ReflectorStore } from '../../../../src/machinery/cache/delta-fifo.ts';
import { metaNamespaceKeyFunc } from '../../../../src/machinery/cache/keys.ts';
import type { KubeObject } from '../../../../src/machinery/cache/list-watch.ts';
import { Reflector } from '../../../../src/machinery/cache/reflector.ts';
import type { ReflectorOptions } from '../../../../src/machinery/cache/reflector.ts';
import { ScriptedListerWatcher } from './fake-lister-watcher.ts';

/** Records what the reflector did to its store. */
export class RecordingStore implements ReflectorStore<KubeObject> {
  readonly ops: string[] = [];
  add(obj: KubeObject) {
    this.ops.push(`add ${metaNamespaceKeyFunc(obj)}`);
  }
  update(obj: KubeObject) {
    this.ops.push(`update ${metaNamespaceKeyFunc(obj)}`);
  }
  delete(obj: KubeObject) {
    this.ops.push(`delete ${metaNamespaceKeyFunc(obj)}`);
  }
  replace(list: KubeObject[], rv: string) {
    this.ops.push(`replace [${list.map((o) => metaNamespaceKeyFunc(o)).join(',')}] @${rv}`);
  }
  resync() {
    this.ops.push('resync');
  }
}

/** `watchListSupported`: the scripted transport offers watch-list (by default it declines, as client-go's fakes do). */
export function setup(options: ReflectorOptions = {}, store: ReflectorStore<KubeObject> = new RecordingStore(), watchListSupported = false) {
  const clock = new FakeClock();
  const tracer = new RecordingTracer();
  const lw = new ScriptedListerWatcher<KubeObject>();
  lw.watchListSupported = watchListSupported;
  const backoff = new ExponentialBackoff({ clock, random: () => 0 });
  const reflector = new Reflector(lw, store, { clock, tracer, backoff, random: () => 0, ...options });
  const ctrl = new AbortController();
  let done: Promise<void> | undefined;
  const start = async () => {
    done = reflector.run(ctrl.signal);
    await clock.advance(0);
  };
  const stop = async () => {
    ctrl.abort();
    await clock.advance(0);
    await done;
  };
  const actions = (name: string) => tracer.events.filter((e) => e.action === name);
  return { clock, tracer, lw, reflector, store: store as RecordingStore, start, stop, actions, backoff };
}

export const gone = () => new ApiStatusError({ code: 410, reason: 'Expired', message: 'too old resource version' });
