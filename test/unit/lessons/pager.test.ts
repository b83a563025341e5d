import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { stripColors, textWidth } from '../../../src/console/text-width.ts';
import { builtinPager, choosePager, createPager, rowsOf } from '../../../src/lessons/pager.ts';

test('PAGER wins (empty or cat means none); else less -R when installed; else the built-in pager', () => {
  assert.deepEqual(choosePager({ PAGER: 'most -s' }, () => true), { kind: 'command', command: 'most -s' });
  assert.deepEqual(choosePager({ PAGER: '' }, () => true), { kind: 'none' });
  assert.deepEqual(choosePager({ PAGER: 'cat' }, () => true), { kind: 'none' });
  assert.deepEqual(choosePager({}, () => true), { kind: 'command', command: 'less -R' });
  assert.deepEqual(choosePager({}, () => false), { kind: 'builtin' });
});

test('a line wider than the screen takes several rows', () => {
  assert.equal(rowsOf('ab\n' + 'x'.repeat(25), 10), 4);
  assert.equal(rowsOf('日本語日本語', 10), 2);
});

function fakeTerminal(rows: number, columns: number) {
  const stdin = Object.assign(new EventEmitter(), { isRaw: false, setRawMode(v: boolean) { stdin.isRaw = v; return stdin; }, resume() {}, pause() {} });
  const writes: string[] = [];
  const stdout = Object.assign(new EventEmitter(), { rows, columns, write: (s: string) => (writes.push(s), true) });
  const screen = () => writes[writes.length - 1]!.split('\x1b[2J').pop()!;
  return { term: { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream }, stdin, writes, screen };
}

test('the built-in pager shows a screenful, pages on space and back on b, and q leaves the alternate screen in raw mode restored', async () => {
  const { term, stdin, writes, screen } = fakeTerminal(5, 40);
  const text = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n');
  const done = builtinPager(text, term);
  assert.equal(stdin.isRaw, true);
  assert.match(screen(), /^line 1\nline 2\nline 3\nline 4\n.*lines 1-4 of 12/);
  stdin.emit('data', Buffer.from(' '));
  assert.match(screen(), /^line 5\n.*lines 5-8 of 12/s);
  stdin.emit('data', Buffer.from('G'));
  assert.match(screen(), /lines 9-12 of 12 \(end\)/);
  stdin.emit('data', Buffer.from('b'));
  assert.match(screen(), /lines 5-8 of 12/);
  stdin.emit('data', Buffer.from('q'));
  await done;
  assert.equal(stdin.isRaw, false);
  assert.equal(writes[0], '\x1b[?1049h');
  assert.equal(writes[writes.length - 1], '\x1b[?1049l');
});

test('a page that fits on the screen is printed, not paged', async () => {
  const { term, writes } = fakeTerminal(10, 40);
  await createPager({ kind: 'builtin' }, term, {})('short\ntext');
  assert.deepEqual(writes, ['short\ntext\n']);
});

test('the built-in pager wraps a line wider than the screen, coloured or of wide characters, instead of cutting it', async () => {
  const { term, stdin, screen } = fakeTerminal(10, 20);
  const painted = `\x1b[36m${'word '.repeat(6)}\x1b[39m`;
  const wide = '漢字'.repeat(7);
  const done = builtinPager(`${painted}\n${wide}\nlast`, term);
  const page = screen().split('\n').slice(0, -1);
  for (const row of page) assert.ok(textWidth(row) <= 20, `"${row}" fits 20 columns`);
  assert.equal(stripColors(page.join(' ')).replace(/\s+/g, ' ').trim(), `${'word '.repeat(6).trim()} ${'漢字'.repeat(5)} ${'漢字'.repeat(2)} last`);
  stdin.emit('data', Buffer.from('q'));
  await done;
});
