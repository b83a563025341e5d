/**
 * undici behind one ESM module: it is CommonJS, so a dynamic import of it from the bundle would get no named
 * exports. Loaded only when a request cannot go over Node's own HTTP/2 client (see transport.ts).
 */
export { Agent, fetch, ProxyAgent } from 'undici';
