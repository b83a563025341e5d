// KubeClient's bodies however the bytes are cut into chunks: a watch stream yields whole lines (a line, or
// a UTF-8 character, split across chunks is joined; several lines in one chunk come apart), and a whole
// body decodes the same.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientFor, h2Server } from './tls-servers.ts';

const events = [
  { type: 'ADDED', object: { metadata: { name: 'a', annotations: { note: 'naïve café ✓ 𝄞' } } } },
  { type: 'MODIFIED', object: { metadata: { name: 'b' }, data: 'x'.repeat(40_000) } },
  { type: 'DELETED', object: { metadata: { name: 'c' } } },
];
const body = Buffer.from(events.map((e) => JSON.stringify(e)).join('\r\n') + '\n\n');

/** Cuts `bytes` at each offset (some fall inside a multi-byte character). */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [0, ...offsets, bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

/** Serves `pieces` as one body, each written on its own after a pause, so they tend to arrive as separate chunks. */
async function serverOf(pieces: Buffer[], contentType = 'application/json') {
  return h2Server((stream) => {
    stream.respond({ ':status': 200, 'content-type': contentType });
    void (async () => {
      for (const piece of pieces) {
        stream.write(piece);
        await sleep(5);
      }
      stream.end();
    })();
  });
}

const firstAccent = body.indexOf(Buffer.from('ï')) + 1;
const cuts: Record<string, number[]> = {
  'in one piece': [],
  'inside a UTF-8 character and inside lines': [firstAccent, body.indexOf(Buffer.from('𝄞')) + 2, 1000, 20_000],
  'exactly at the line ends': [body.indexOf('\n') + 1, body.lastIndexOf('\r\n')],
  'one byte at a time near the first line end': Array.from({ length: 12 }, (_, i) => body.indexOf('\r\n') - 6 + i),
};

describe('KubeClient bodies cut into chunks', () => {
  for (const [name, offsets] of Object.entries(cuts)) {
    it(`a watch stream yields every event whole, cut ${name}`, async () => {
      const { url } = await serverOf(cut(body, offsets));
      const { client } = await clientFor(url);
      const lines: string[] = [];
      for await (const line of await client.stream({ path: '/api/v1/pods', query: { watch: 1 } })) lines.push(line);
      assert.deepEqual(
        lines.map((l) => JSON.parse(l) as unknown),
        events,
      );
      await client.close();
    });

    it(`a whole body decodes the same, cut ${name}`, async () => {
      const { url } = await serverOf(cut(body, offsets), 'text/plain');
      const { client } = await clientFor(url);
      const res = await client.request<string>({ path: '/logs' });
      assert.equal(res.body, body.toString('utf8'));
      await client.close();
    });
  }
});
