/**
 * The floor under `list-nodes` in Node: the least a Node program does for the same table. It reads the
 * sandbox's kubeconfig with three regular expressions (its first server, CA and token: the sandbox writes the
 * admin user first, the one its current context names), sends one HTTP/1.1 GET over node:tls, and prints
 * NAME, ARCH and OS. No YAML parser, no framework, no cache, no error handling beyond a status check: not a
 * client anyone should ship, only what Node itself costs for the job (its start-up, loading node:tls, the
 * handshake and the request), so the bench can show how much of ours is Node's.
 *
 *   node dist/bench/node-floor-child/node-floor-child.mjs KUBECONFIG
 */
// Built-ins through process.getBuiltinModule: an ES module import of one builds its export facade (slower).
const { readFileSync } = process.getBuiltinModule('node:fs');
const tls = process.getBuiltinModule('node:tls');

const text = readFileSync(process.argv[2]!, 'utf8');
const field = (name: string) => {
  const value = new RegExp(`^\\s*${name}: (\\S+)`, 'm').exec(text)?.[1];
  if (!value) throw new Error(`no ${name} in ${process.argv[2]}`);
  return value;
};
const server = new URL(field('server'));
const socket = tls.connect({
  host: server.hostname,
  port: Number(server.port || 443),
  ca: Buffer.from(field('certificate-authority-data'), 'base64'),
});
// write, not end: the API server cancels a request whose connection the client half-closed (504).
socket.write(
  `GET /api/v1/nodes HTTP/1.1\r\nHost: ${server.host}\r\nAuthorization: Bearer ${field('token')}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
);
const chunks: Buffer[] = [];
socket.on('data', (c: Buffer) => chunks.push(c));
socket.on('end', () => {
  // latin1: one character per byte, so chunk sizes count characters; the body is decoded as UTF-8 at the end.
  const response = Buffer.concat(chunks).toString('latin1');
  const headerEnd = response.indexOf('\r\n\r\n');
  const head = response.slice(0, headerEnd);
  if (!head.startsWith('HTTP/1.1 200')) throw new Error(head.split('\r\n')[0]);
  let body = response.slice(headerEnd + 4);
  // Chunked transfer coding: hex size, CRLF, data, CRLF, until a zero size.
  if (/^transfer-encoding: chunked/im.test(head)) {
    let joined = '';
    for (let at = 0; ;) {
      const lineEnd = body.indexOf('\r\n', at);
      const size = parseInt(body.slice(at, lineEnd), 16);
      if (!size) break;
      joined += body.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
    body = joined;
  }
  const list = JSON.parse(Buffer.from(body, 'latin1').toString('utf8')) as {
    items: { metadata: { name: string }; status: { nodeInfo: { architecture: string; osImage: string } } }[];
  };
  const rows = [['NAME', 'ARCH', 'OS'], ...list.items.map((n) => [n.metadata.name, n.status.nodeInfo.architecture, n.status.nodeInfo.osImage])];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(rows.map((r) => `${r[0]!.padEnd(widths[0]! + 3)}${r[1]!.padEnd(widths[1]! + 3)}${r[2]}\n`).join(''));
});
