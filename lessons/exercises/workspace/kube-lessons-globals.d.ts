// Made by `npx kube-lessons exercise init`. The few runtime globals exercises use, declared here so type-checking
// needs neither the DOM library nor @types/node. Reset it with `npx kube-lessons exercise init --force kube-lessons-globals.d.ts`.
interface Console {
  log(...data: unknown[]): void;
  error(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  info(...data: unknown[]): void;
  table(data: unknown): void;
}
declare var console: Console;
declare function setTimeout(callback: (...args: unknown[]) => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function setInterval(callback: (...args: unknown[]) => void, ms?: number): unknown;
declare function clearInterval(handle: unknown): void;
declare function queueMicrotask(callback: () => void): void;
declare function structuredClone<T>(value: T): T;
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
declare var AbortSignal: { timeout(ms: number): AbortSignal; abort(reason?: unknown): AbortSignal; any(signals: AbortSignal[]): AbortSignal };
interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
declare var AbortController: { new (): AbortController };
// Node's own modules are allowed, untyped.
declare module 'node:*';
