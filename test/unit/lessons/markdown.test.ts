/** The terminal Markdown renderer and the Go/TypeScript highlighter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createColors } from '../../../src/console/colors.ts';
import { highlight, tokenize, type Token } from '../../../src/lessons/highlight.ts';
import { stripColors, textWidth } from '../../../src/console/text-width.ts';
import { renderMarkdown, terminalWidth } from '../../../src/lessons/markdown.ts';
import { wrappedOutput } from '../../../src/lessons/wrapped-output.ts';

const plain = createColors(0);
const colour = createColors(2);

const kinds = (tokens: Token[], kind: Token['kind']) => tokens.filter((t) => t.kind === kind).map((t) => t.text);

test('headings, paragraphs, lists, quotes and rules, without colour', () => {
  const out = renderMarkdown('# Title\n\nSome *text* with **bold** and `code`.\n\n## Part\n\n- one\n- two\n  continued\n\n1. first\n2. second\n\n> a note\n\n---\n', { color: plain, width: 60 });
  assert.equal(
    out,
    [
      'Title',
      '═════',
      '',
      'Some text with bold and `code`.',
      '',
      '▍Part',
      '',
      '• one',
      '• two continued',
      '',
      '1. first',
      '2. second',
      '',
      '│ a note',
      '',
      '─'.repeat(60),
    ].join('\n'),
  );
});

test('prose wraps at the width with a hanging indent in lists; code spans never break', () => {
  const out = renderMarkdown('- ' + 'word '.repeat(20) + '`a long code span`', { color: plain, width: 30 });
  const lines = out.split('\n');
  assert.ok(lines.every((l) => l.length <= 30), lines.join('\n'));
  assert.ok(lines[0]!.startsWith('• word'));
  assert.ok(lines.slice(1).every((l) => l.startsWith('  ')));
  assert.ok(out.includes('`a long code span`'));
});

test('links show their text and address', () => {
  assert.equal(renderMarkdown('See [the docs](https://kubernetes.io).', { color: plain, width: 80 }), 'See the docs (https://kubernetes.io).');
});

test('code blocks keep their lines, get a language label and a gutter, and tabs become spaces', () => {
  const out = renderMarkdown('```go\nfunc main() {\n\tfmt.Println("a very long line that is longer than the width of twenty")\n}\n```', { color: plain, width: 20 });
  assert.deepEqual(out.split('\n'), ['  Go', '  │ func main() {', '  │     fmt.Printl', '  │       n("a very', '  │       long line', '  │       that is', '  │       longer', '  │       than the', '  │       width of', '  │       twenty")', '  │ }']);
});

test('with colour: headings, inline code and code are painted; stripped, the text is the same as without', () => {
  const md = '# T\n\nA `x` and **b**.\n\n```ts\nconst a = 1; // one\n```';
  const painted = renderMarkdown(md, { color: colour, width: 80 });
  assert.notEqual(painted, stripColors(painted));
  assert.equal(stripColors(painted).replace('`x`', 'x'), renderMarkdown(md, { color: plain, width: 80 }).replace('`x`', 'x'));
  // No escape sequence runs across a line end.
  for (const line of painted.split('\n')) assert.equal((line.split('\u001b[').length - 1) % 2, 0, line);
});

test('Go tokens: keywords, strings, raw strings, comments, numbers, calls and types', () => {
  const tokens = tokenize('package main\n\n// say hi\nfunc greet(n int) string {\n\treturn fmt.Sprintf(`hi %d`, n) + "!" /* done */\n}\nvar x = 42\np := &corev1.Pod{}\n', 'go');
  assert.deepEqual(kinds(tokens, 'keyword'), ['package', 'func', 'return', 'var']);
  assert.deepEqual(kinds(tokens, 'string'), ['`hi %d`', '"!"']);
  assert.deepEqual(kinds(tokens, 'comment'), ['// say hi', '/* done */']);
  assert.deepEqual(kinds(tokens, 'number'), ['42']);
  assert.deepEqual(kinds(tokens, 'function'), ['greet', 'Sprintf']);
  assert.deepEqual(kinds(tokens, 'type'), ['int', 'string', 'Pod']);
  assert.equal(tokens.map((t) => t.text).join(''), 'package main\n\n// say hi\nfunc greet(n int) string {\n\treturn fmt.Sprintf(`hi %d`, n) + "!" /* done */\n}\nvar x = 42\np := &corev1.Pod{}\n', 'tokens cover the code exactly');
});

test('TypeScript tokens: keywords, template literals, types, generics and calls', () => {
  const code = "import { x } from './x.ts';\nconst q = newQueue<string>();\nasync function run(signal: AbortSignal): Promise<void> {\n  await q.get(); // wait\n  return `done ${1}`;\n}\n";
  const tokens = tokenize(code, 'ts');
  assert.deepEqual(kinds(tokens, 'keyword'), ['import', 'from', 'const', 'async', 'function', 'void', 'await', 'return']);
  assert.deepEqual(kinds(tokens, 'string'), ["'./x.ts'", '`done ${1}`']);
  assert.deepEqual(kinds(tokens, 'function'), ['newQueue', 'run', 'get']);
  assert.deepEqual(kinds(tokens, 'type'), ['string', 'AbortSignal', 'Promise']);
  assert.deepEqual(kinds(tokens, 'comment'), ['// wait']);
  assert.equal(tokens.map((t) => t.text).join(''), code);
});

test('a multi-line comment is painted line by line', () => {
  const lines = highlight('/* one\ntwo */ x', 'go', colour);
  assert.equal(lines.length, 2);
  assert.equal(stripColors(lines[0]!), '/* one');
  assert.ok(lines[0]!.startsWith('\u001b['));
  assert.ok(lines[1]!.startsWith('\u001b['));
});

test('unknown languages are left as they are', () => {
  assert.deepEqual(tokenize('anything = 1', 'ini'), [{ kind: 'plain', text: 'anything = 1' }]);
  assert.deepEqual(highlight('a\nb', 'ini', colour), ['a', 'b']);
});

test('shell: prompts and comments', () => {
  const tokens = tokenize('$ kube-lessons sandbox up # start it\n', 'sh');
  assert.deepEqual(kinds(tokens, 'prompt'), ['$ ']);
  assert.deepEqual(kinds(tokens, 'comment'), ['# start it']);
});

test('the render width follows the terminal, less a margin, up to 100 columns', () => {
  assert.equal(terminalWidth({ columns: 200 }), 100);
  assert.equal(terminalWidth({ columns: 30 }), 28);
  assert.equal(terminalWidth({ columns: 60 }), 58);
  assert.equal(terminalWidth({ columns: 90 }), 88);
  assert.equal(terminalWidth({}), 78);
});

test('every shipped lesson renders without losing a line of code', async () => {
  const { loadCatalog, lessonText } = await import('../../../src/lessons/catalog.ts');
  const catalog = loadCatalog();
  for (const lesson of catalog.lessons) {
    const md = lessonText(catalog, lesson);
    for (const width of [58, 78, 100]) {
      const out = stripColors(renderMarkdown(md, { color: colour, width }));
      for (const line of out.split('\n')) assert.ok(textWidth(line) <= width, `${lesson.file} at ${width} columns: ${JSON.stringify(line)} is wider`);
      // Wrapped code continues behind the gutter: without gutters and spaces, every code line is still there.
      const squeezed = out.replace(/^ {2}│ /gm, '').replace(/\s+/g, '');
      const codeLines = [...md.matchAll(/```\w*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim()));
      for (const l of codeLines) assert.ok(squeezed.includes(l.replace(/\s+/g, '')), `${lesson.file} at ${width} columns: lost code line ${JSON.stringify(l)}`);
      assert.ok(!/```/.test(out.replace(/`[^`\n]*`/g, '')), `${lesson.file}: a fence leaked into the output`);
    }
  }
});

test('YAML: keys, strings, numbers, constants, comments and document markers', () => {
  const tokens = tokenize('---\napiVersion: v1 # group\nspec:\n  replicas: 3\n  - name: "web"\n    on: true\n', 'yaml');
  assert.deepEqual(kinds(tokens, 'key'), ['apiVersion', 'spec', 'replicas', 'name', 'on']);
  assert.deepEqual(kinds(tokens, 'comment'), ['# group']);
  assert.deepEqual(kinds(tokens, 'number'), ['3']);
  assert.deepEqual(kinds(tokens, 'string'), ['"web"']);
  assert.deepEqual(kinds(tokens, 'constant'), ['true']);
  assert.deepEqual(kinds(tokens, 'keyword'), ['---']);
  assert.equal(tokens.map((t) => t.text).join(''), '---\napiVersion: v1 # group\nspec:\n  replicas: 3\n  - name: "web"\n    on: true\n');
});

test('wide characters count two columns: CJK text and emoji wrap by what the terminal shows', () => {
  assert.equal(textWidth('日本語'), 6);
  assert.equal(textWidth('👍 ok'), 5);
  assert.equal(textWidth(colour.red('ab')), 2);
  const out = renderMarkdown('日本語 日本語 日本語 日本語 👍👍 end', { color: plain, width: 14 });
  for (const line of out.split('\n')) assert.ok(textWidth(line) <= 14, JSON.stringify(line));
  assert.deepEqual(out.split('\n'), ['日本語 日本語', '日本語 日本語', '👍👍 end']);
});

test('a word wider than the line (a long code span) is broken so no line overflows', () => {
  const out = renderMarkdown('See `Foos(ns).Create/Get/Update/UpdateStatus/List/Watch/Delete` here.', { color: plain, width: 20 });
  for (const line of out.split('\n')) assert.ok(textWidth(line) <= 20, JSON.stringify(line));
  assert.equal(out.replace(/\n/g, ''), 'See`Foos(ns).Create/Get/Update/UpdateStatus/List/Watch/Delete`here.');
});

test('command output is wrapped to the width at word boundaries, a partial line waiting for its end', () => {
  const written: string[] = [];
  const out = wrappedOutput({ write: (t) => (written.push(t), true) }, () => 20);
  out.write('NAME   ARCH   OS   KERNEL-VERSION\nnode-0 ');
  assert.deepEqual(written, ['NAME   ARCH   OS\nKERNEL-VERSION\n']);
  out.write('amd64\n');
  out.write('tail');
  out.flush();
  assert.deepEqual(written.slice(1), ['node-0 amd64\n', 'tail']);
});
