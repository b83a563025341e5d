/**
 * Settles like `p`, or rejects with the signal's reason as soon as `signal` aborts. `p` itself goes on (others
 * may await it); its outcome is then ignored, a rejection included.
 */
export function untilAborted<R>(p: Promise<R>, signal: AbortSignal): Promise<R> {
  p.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<R>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
