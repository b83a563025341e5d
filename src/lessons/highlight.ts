/**
 * A small syntax highlighter for the code blocks in lessons: Go, TypeScript/JavaScript, JSON, shell and YAML.
 * One left-to-right scan splits the code into comments, strings, numbers, keywords, types, function names
 * and the rest (YAML, being line-shaped, is read line by line: keys, values, comments, document markers);
 * each token is painted with the given colours. It aims at readable colour, not a full grammar.
 */
import type { Colors } from '../console/colors.ts';

export type TokenKind = 'comment' | 'string' | 'number' | 'keyword' | 'type' | 'function' | 'constant' | 'prompt' | 'key' | 'plain';

export interface Token {
  kind: TokenKind;
  text: string;
}

interface LanguageRules {
  keywords: Set<string>;
  types: Set<string>;
  constants: Set<string>;
  lineComment: string[];
  blockComment: boolean;
  /** Quote characters that open a string; a backquote string may span lines. */
  quotes: string[];
  /** Capitalised identifiers count as types (Go's exported names are too common for that). */
  capitalisedAreTypes: boolean;
}

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

const GO: LanguageRules = {
  keywords: words(
    'break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var',
  ),
  types: words(
    'bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr any comparable',
  ),
  constants: words('true false nil iota'),
  lineComment: ['//'],
  blockComment: true,
  quotes: ['"', "'", '`'],
  capitalisedAreTypes: false,
};

const TS: LanguageRules = {
  keywords: words(
    'abstract as async await break case catch class const continue debugger declare default delete do else enum export extends finally for from function get if implements import in instanceof interface keyof let new of private protected public readonly return satisfies set static super switch this throw try type typeof var void while yield',
  ),
  types: words('string number boolean bigint symbol object unknown never any void Promise Record Map Set Array ReadonlyArray AbortSignal Error'),
  constants: words('true false null undefined NaN Infinity'),
  lineComment: ['//'],
  blockComment: true,
  quotes: ['"', "'", '`'],
  capitalisedAreTypes: true,
};

const JSON_RULES: LanguageRules = {
  keywords: new Set(),
  types: new Set(),
  constants: words('true false null'),
  lineComment: [],
  blockComment: false,
  quotes: ['"'],
  capitalisedAreTypes: false,
};

const SHELL: LanguageRules = {
  keywords: words('if then else fi for do done while case esac export eval function in'),
  types: new Set(),
  constants: new Set(),
  lineComment: ['#'],
  blockComment: false,
  quotes: ['"', "'"],
  capitalisedAreTypes: false,
};

const LANGUAGES: Record<string, LanguageRules> = {
  go: GO,
  golang: GO,
  ts: TS,
  typescript: TS,
  js: TS,
  javascript: TS,
  json: JSON_RULES,
  sh: SHELL,
  bash: SHELL,
  shell: SHELL,
  console: SHELL,
};

const YAML_LANGS = new Set(['yaml', 'yml']);

export function isHighlighted(lang: string): boolean {
  return Object.hasOwn(LANGUAGES, lang.toLowerCase()) || YAML_LANGS.has(lang.toLowerCase());
}

/** Splits code into tokens. Unknown languages come back as one plain token. */
export function tokenize(code: string, lang: string): Token[] {
  if (YAML_LANGS.has(lang.toLowerCase())) return tokenizeYaml(code);
  const rules = LANGUAGES[lang.toLowerCase()];
  if (!rules) return [{ kind: 'plain', text: code }];
  const tokens: Token[] = [];
  const push = (kind: TokenKind, text: string) => {
    const last = tokens[tokens.length - 1];
    if (last && last.kind === kind && kind === 'plain') last.text += text;
    else tokens.push({ kind, text });
  };
  const shell = rules === SHELL;
  let i = 0;
  let lineStart = true;
  while (i < code.length) {
    const ch = code[i]!;
    // A shell prompt at the start of a line: `$ kube-lessons ...`.
    if (shell && lineStart && (code.startsWith('$ ', i) || code.startsWith('> ', i))) {
      push('prompt', code.slice(i, i + 2));
      i += 2;
      lineStart = false;
      continue;
    }
    lineStart = ch === '\n';
    const lc = rules.lineComment.find((m) => code.startsWith(m, i));
    if (lc && (!shell || i === 0 || /\s/.test(code[i - 1]!))) {
      const end = code.indexOf('\n', i);
      const stop = end < 0 ? code.length : end;
      push('comment', code.slice(i, stop));
      i = stop;
      continue;
    }
    if (rules.blockComment && code.startsWith('/*', i)) {
      const end = code.indexOf('*/', i + 2);
      const stop = end < 0 ? code.length : end + 2;
      push('comment', code.slice(i, stop));
      i = stop;
      continue;
    }
    if (rules.quotes.includes(ch)) {
      let j = i + 1;
      while (j < code.length && code[j] !== ch) {
        if (code[j] === '\\' && ch !== '`') j++;
        else if (code[j] === '\n' && ch !== '`') break;
        j++;
      }
      const stop = Math.min(code.length, j + (code[j] === ch ? 1 : 0));
      push('string', code.slice(i, stop));
      i = stop;
      continue;
    }
    if (/[0-9]/.test(ch) && !/[\w$]/.test(code[i - 1] ?? '')) {
      const m = /^(0[xX][0-9a-fA-F_]+|\d[\d_]*(\.\d+)?([eE][+-]?\d+)?n?)/.exec(code.slice(i))!;
      push('number', m[0]);
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(code.slice(i))!;
      const word = m[0];
      const after = code.slice(i + word.length);
      const prev = code.slice(0, i).trimEnd();
      let kind: TokenKind = 'plain';
      if (shell) kind = rules.keywords.has(word) && (prev === '' || /[;\n&|]$/.test(prev)) ? 'keyword' : 'plain';
      else if (rules.keywords.has(word) && !prev.endsWith('.')) kind = 'keyword';
      else if (rules.constants.has(word)) kind = 'constant';
      else if (rules.types.has(word)) kind = 'type';
      else if (rules.capitalisedAreTypes ? /^(<[^<>()]*>)?\(/.test(after) : after.startsWith('(')) kind = 'function';
      else if (rules.capitalisedAreTypes && /^[A-Z]/.test(word)) kind = 'type';
      // Go: an exported name used as a type: `*Foo`, `[]Foo`, `Foo{`, `type Foo`, `pkg.Foo` after a type position.
      else if (/^[A-Z]/.test(word) && (after.startsWith('{') || /(\*|\]|\btype |\*\w+\.|\]\w+\.)$/.test(code.slice(Math.max(0, i - 24), i)))) kind = 'type';
      push(kind, word);
      i += word.length;
      continue;
    }
    push('plain', ch);
    i++;
  }
  return tokens;
}

const YAML_CONSTANTS = words('true false null ~ yes no on off True False Null TRUE FALSE NULL');

/** YAML, a line at a time: indentation and `- ` markers, `key:`, then a scalar value and a trailing comment. */
function tokenizeYaml(code: string): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, text: string) => {
    if (text === '') return;
    const last = tokens[tokens.length - 1];
    if (last && last.kind === 'plain' && kind === 'plain') last.text += text;
    else tokens.push({ kind, text });
  };
  code.split('\n').forEach((line, n) => {
    if (n > 0) push('plain', '\n');
    if (/^(---|\.\.\.)(\s|$)/.test(line)) {
      push('keyword', line.slice(0, 3));
      line = line.slice(3);
    }
    const lead = /^[\s-]*(?:-(?=\s|$))?\s*/.exec(line)![0];
    push('plain', lead);
    let rest = line.slice(lead.length);
    if (rest.startsWith('#')) return push('comment', rest);
    const key = /^("[^"]*"|'[^']*'|[^\s#'"][^:#]*?)(:)(?=\s|$)/.exec(rest);
    if (key) {
      push('key', key[1]!);
      push('plain', key[2]!);
      rest = rest.slice(key[0].length);
    }
    const comment = /(^|\s)#.*$/.exec(rest);
    const at = comment ? comment.index + comment[1]!.length : rest.length;
    const value = rest.slice(0, at);
    const spaces = /^\s*/.exec(value)![0];
    const scalar = value.slice(spaces.length).replace(/\s+$/, '');
    push('plain', spaces);
    if (/^(["']).*\1$/.test(scalar)) push('string', scalar);
    else if (/^[-+]?(\d[\d_]*(\.\d+)?([eE][-+]?\d+)?|0x[0-9a-fA-F]+)$/.test(scalar)) push('number', scalar);
    else if (YAML_CONSTANTS.has(scalar)) push('constant', scalar);
    else push('plain', scalar);
    push('plain', value.slice(spaces.length + scalar.length));
    push('comment', rest.slice(at));
  });
  return tokens;
}

/** Paints code with colours for its language, line by line (no escape sequence spans a newline). */
export function highlight(code: string, lang: string, color: Colors): string[] {
  const paint: Record<TokenKind, (s: string) => string> = {
    comment: (s) => color.gray(s),
    string: (s) => color.green(s),
    number: (s) => color.yellow(s),
    keyword: (s) => color.magenta(s),
    type: (s) => color.cyan(s),
    function: (s) => color.blue(s),
    constant: (s) => color.yellow(s),
    prompt: (s) => color.dim(s),
    key: (s) => color.cyan(s),
    plain: (s) => s,
  };
  const lines: string[] = [''];
  for (const token of tokenize(code, lang)) {
    const parts = token.text.split('\n');
    parts.forEach((part, k) => {
      if (k > 0) lines.push('');
      if (part) lines[lines.length - 1] += paint[token.kind](part);
    });
  }
  return lines;
}
