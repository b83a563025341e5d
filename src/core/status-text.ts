/**
 * The standard reason phrase of an HTTP status ("Not Found"), for answers that carry none (HTTP/2 never
 * does). node:http is loaded on the first such answer, not with the transport: HTTP/1.1 answers from the API
 * server carry their own, so a one-request command never loads it. Not `import ... from 'node:http'`: an
 * ESM import of it reads every export, and one getter loads Node's internal undici.
 */
export function statusText(status: number): string {
  return process.getBuiltinModule('node:http').STATUS_CODES[status] ?? '';
}
