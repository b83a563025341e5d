/**
 * Renders the Markdown of a lesson for a terminal: headings, paragraphs wrapped to the width, bullet and
 * numbered lists, block quotes, rules, and fenced code blocks highlighted for their language. Inline:
 * `code`, **bold**, *emphasis* and [links](url). With colour off (NO_COLOR, a pipe) the layout stays the
 * same and only the styling goes.
 */
import type { Colors } from '../console/colors.ts';
import { textWidth } from '../console/text-width.ts';
import { wrapAnsi } from 'fast-wrap-ansi';
import { highlight } from './highlight.ts';

export interface RenderOptions {
  color: Colors;
  /** Columns to wrap at: prose at word boundaries, code lines inside their gutter. */
  width: number;
}

type Block =
  | { type: 'heading'; level: number; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'list'; items: { ordered: boolean; marker: string; depth: number; text: string }[] }
  | { type: 'quote'; text: string }
  | { type: 'code'; lang: string; code: string }
  | { type: 'rule' };

/** The width to render at: the screen's less a margin, at most 100 columns (long lines read badly). */
export function terminalWidth(stream: { columns?: number } = process.stdout): number {
  const cols = stream.columns || 80;
  return Math.max(20, Math.min(100, cols - 2));
}

export function renderMarkdown(markdown: string, opts: RenderOptions): string {
  const out: string[] = [];
  for (const block of parseBlocks(markdown)) {
    if (out.length) out.push('');
    out.push(...renderBlock(block, opts));
  }
  return out.join('\n');
}

export function parseBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^(\s*)(```|~~~)\s*([\w+-]*)/.exec(line);
    if (fence) {
      const indent = fence[1]!.length;
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence[2]!)) {
        code.push(lines[i]!.slice(Math.min(indent, lines[i]!.length - lines[i]!.trimStart().length)));
        i++;
      }
      i++; // the closing fence
      blocks.push({ type: 'code', lang: fence[3] ?? '', code: code.join('\n') });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', level: heading[1]!.length, text: heading[2]! });
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      blocks.push({ type: 'rule' });
      i++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const text: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i]!)) text.push(lines[i++]!.replace(/^\s*>\s?/, ''));
      blocks.push({ type: 'quote', text: text.join('\n') });
      continue;
    }
    if (listItem(line)) {
      const items: { ordered: boolean; marker: string; depth: number; text: string }[] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const item = listItem(l);
        // A top-level item of the other kind (bullets after numbers, or the reverse) starts a new list.
        if (item && items.length && item.depth === 0 && item.ordered !== items[0]!.ordered) break;
        if (item) {
          items.push(item);
          i++;
        } else if (l.trim() !== '' && /^\s+/.test(l) && items.length && !/^\s*(```|~~~)/.test(l)) {
          // A continuation line of the previous item.
          items[items.length - 1]!.text += ' ' + l.trim();
          i++;
        } else if (l.trim() === '' && i + 1 < lines.length && listItem(lines[i + 1]!) && (listItem(lines[i + 1]!)!.depth > 0 || listItem(lines[i + 1]!)!.ordered === items[0]!.ordered)) {
          i++; // a loose list: blank lines between items
        } else break;
      }
      blocks.push({ type: 'list', items });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !startsBlock(lines[i]!)) para.push(lines[i++]!.trim());
    if (para.length === 0) para.push(lines[i++]!.trim());
    blocks.push({ type: 'paragraph', text: para.join(' ') });
  }
  return blocks;
}

function listItem(line: string): { ordered: boolean; marker: string; depth: number; text: string } | undefined {
  const m = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(line);
  if (!m) return undefined;
  const ordered = /\d/.test(m[2]!);
  return { ordered, marker: ordered ? m[2]!.replace(')', '.') : '•', depth: Math.floor(m[1]!.replace(/\t/g, '  ').length / 2), text: m[3]! };
}

function startsBlock(line: string): boolean {
  return /^(\s*)(```|~~~)/.test(line) || /^#{1,6}\s/.test(line) || /^\s*>/.test(line) || Boolean(listItem(line)) || /^\s*([-*_])(\s*\1){2,}\s*$/.test(line);
}

function renderBlock(block: Block, opts: RenderOptions): string[] {
  const { color: c, width } = opts;
  switch (block.type) {
    case 'heading': {
      const words = renderInline(block.text, c, (s) => s);
      if (block.level === 1) {
        const lines = wrapWords(words, width, '', '');
        return [...lines.map((l) => c.bold.cyan(l)), c.cyan('═'.repeat(Math.min(width, Math.max(...lines.map(textWidth)))))];
      }
      if (block.level === 2) return wrapWords(words, width, '▍', ' ').map((l) => c.bold.cyan(l));
      return wrapWords(words, width, '', '').map((l) => c.bold(l));
    }
    case 'paragraph':
      return wrapWords(renderInline(block.text, c), width, '', '');
    case 'quote': {
      const bar = c.dim('│ ');
      return block.text
        .split(/\n\s*\n/)
        .flatMap((para, k) => [...(k ? [''] : []), ...wrapWords(renderInline(para.replace(/\n/g, ' '), c, (s) => c.italic(s)), width - 2, '', '')])
        .map((l) => bar + l);
    }
    case 'list':
      return block.items.flatMap((item) => {
        const indent = '  '.repeat(item.depth);
        const marker = item.ordered ? c.bold(item.marker) : c.cyan(item.depth ? '◦' : '•');
        const markerWidth = item.ordered ? item.marker.length : 1;
        return wrapWords(renderInline(item.text, c), width, `${indent}${marker} `, indent + ' '.repeat(markerWidth + 1));
      });
    case 'rule':
      return [c.dim('─'.repeat(Math.min(width, 60)))];
    case 'code': {
      const lang = block.lang.toLowerCase();
      const lines = highlight(block.code.replace(/\t/g, '    '), lang, c);
      const gutter = c.dim('│ ');
      const label = lang && lang !== 'text' ? [c.dim(`  ${labelOf(lang)}`)] : [];
      const room = Math.max(8, width - 4);
      return [...label, ...lines.flatMap((l) => wrapCodeLine(l, room)).map((l) => `  ${gutter}${l}`)];
    }
  }
}

/**
 * A code line too long for the screen continues on the next lines behind the same gutter, indented two
 * more than the line itself, broken between words where it can be.
 */
function wrapCodeLine(line: string, room: number): string[] {
  if (textWidth(line) <= room) return [line];
  // Leading spaces are never painted (highlight paints tokens, not the space between them).
  const indent = ' '.repeat(Math.min(/^ */.exec(line)![0].length, Math.floor(room / 2)));
  const body = line.slice(indent.length);
  const parts = wrapAnsi(body, room - indent.length - 2, { hard: true, trim: true }).split('\n');
  return parts.map((part, k) => (k ? `${indent}  ${part}` : indent + part));
}

function labelOf(lang: string): string {
  const names: Record<string, string> = { go: 'Go', golang: 'Go', ts: 'TypeScript', typescript: 'TypeScript', js: 'JavaScript', javascript: 'JavaScript', sh: 'shell', bash: 'shell', shell: 'shell', console: 'terminal', json: 'JSON', yaml: 'YAML', text: 'text' };
  return names[lang] ?? lang;
}

/** One unbreakable word of inline text: its painted form and its visible width. */
interface Word {
  text: string;
  width: number;
}

/**
 * Splits inline Markdown into words, painting code spans, bold, emphasis and links. Spaces inside a code
 * span do not break it. `base` paints plain text (italic inside quotes).
 */
export function renderInline(text: string, c: Colors, base: (s: string) => string = (s) => s): Word[] {
  const words: Word[] = [];
  let current: Word | undefined;
  const addPiece = (raw: string, paint: (s: string) => string, breakable: boolean) => {
    const parts = breakable ? raw.split(/(\s+)/) : [raw];
    for (const part of parts) {
      if (part === '') continue;
      if (breakable && /^\s+$/.test(part)) {
        current = undefined;
        continue;
      }
      if (!current) {
        current = { text: '', width: 0 };
        words.push(current);
      }
      current.text += paint(part);
      current.width += textWidth(part);
    }
  };
  const pattern = /(`+)([\s\S]*?)\1|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|(?<![\w])_([^_\s][^_]*)_(?![\w])|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) addPiece(text.slice(last, m.index), base, true);
    if (m[1] !== undefined) {
      const code = m[2]!.trim() === '' ? m[2]! : m[2]!.replace(/^ (.*) $/, '$1');
      // Without colour, the back-quotes stay: they are the only sign that this is code.
      addPiece(c.level > 0 ? code : `\`${code}\``, (s) => c.yellow(s), false);
    }
    else if (m[3] !== undefined || m[4] !== undefined) addPiece(m[3] ?? m[4]!, (s) => c.bold(base(s)), true);
    else if (m[5] !== undefined || m[6] !== undefined) addPiece(m[5] ?? m[6]!, (s) => c.italic(s), true);
    else if (m[7] !== undefined) {
      addPiece(m[7], (s) => c.underline(base(s)), true);
      if (m[8] !== m[7]) addPiece(` (${m[8]})`, (s) => c.dim(s), true);
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) addPiece(text.slice(last), base, true);
  return words;
}

/** Greedy word wrap: `first` prefixes the first line, `rest` the others (both counted in the width). */
export function wrapWords(words: Word[], width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let used = textWidth(first);
  let empty = true;
  // A word wider than a whole line (a long code span, a URL) is broken where it must be.
  const room = Math.max(1, width - textWidth(rest));
  const pieces = words.flatMap((w) => (w.width <= room ? [w] : wrapAnsi(w.text, room, { hard: true, trim: false, wordWrap: false }).split('\n').map((t) => ({ text: t, width: textWidth(t) }))));
  for (const w of pieces) {
    if (!empty && used + 1 + w.width > width) {
      lines.push(line);
      line = rest;
      used = textWidth(rest);
      empty = true;
    }
    line += (empty ? '' : ' ') + w.text;
    used += (empty ? 0 : 1) + w.width;
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Wraps text that is already laid out (command output, painted lines) to `width` at word boundaries,
 * breaking a word only when it alone is wider than the line. A broken line's continuations keep its indent.
 */
export function wrapToWidth(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (textWidth(line) <= width) return line;
      const indent = ' '.repeat(Math.min(/^ */.exec(line)![0].length, Math.floor(width / 2)));
      return wrapAnsi(line.slice(indent.length), width - indent.length, { hard: true, trim: true })
        .split('\n')
        .map((part) => indent + part)
        .join('\n');
    })
    .join('\n');
}
