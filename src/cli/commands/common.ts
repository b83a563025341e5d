/**
 * Shared by the lesson commands: run cluster work with an error context, so the funnel's one line says
 * what we were doing ("list nodes: cannot reach ...") and the hint fits the context (the sandbox or not).
 */
import { Option } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { KubeEnv } from '../../core/kube-env.ts';

export async function withKube<T>(c: CommandContext, action: string, work: (env: KubeEnv) => Promise<T>): Promise<T> {
  const env = await c.kube();
  try {
    return await work(env);
  } catch (err) {
    if (c.signal.aborted) throw err;
    const { describeError } = await import('../../core/errors.ts');
    throw describeError(err, { action, server: env.config.server, contextName: env.config.contextName });
  }
}

/** `--watch-list on|off`: how the initial state is fetched (on: client-go 1.35+'s streaming watch-list). */
export function watchListOption(): Option {
  return new Option(
    '--watch-list <mode>',
    "initial state by a streaming watch-list (on, client-go's default since 1.35; falls back to a list where the server refuses) or by a list (off)",
  )
    .choices(['on', 'off'])
    .default('on');
}

/** Collects a repeatable option (`--label a=1 --label b=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export interface Spinner {
  /** Changes the text after the spinner. */
  text(t: string): void;
  /** Clears the spinner line so a normal line can be printed, then redraws. */
  around(print: () => void): void;
  stop(): void;
}

/** A one-line spinner on stderr, drawn only when stderr is a terminal: pipes and logs never see it. */
export function spinner(initial: string, stream: NodeJS.WriteStream = process.stderr): Spinner {
  if (!stream.isTTY) return { text() {}, around: (print) => print(), stop() {} };
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  let label = initial;
  const started = Date.now();
  const draw = () => stream.write(`\r\x1b[2K${frames[i++ % frames.length]} ${label} (${Math.floor((Date.now() - started) / 1000)}s)`);
  const clear = () => stream.write('\r\x1b[2K');
  draw();
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    text: (t) => {
      label = t;
    },
    around: (print) => {
      clear();
      print();
      draw();
    },
    stop: () => {
      clearInterval(timer);
      clear();
    },
  };
}
