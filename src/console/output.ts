/**
 * Rendering, kept apart from gathering: tables (borderless aligned columns, so a pipe gets what a terminal
 * gets minus colour), objects as JSON/YAML/names, and colour that honours --no-color, NO_COLOR and
 * non-terminals.
 */
import { createRequire } from 'node:module';
import { createColors, type Colors } from './colors.ts';
import { textWidth } from './text-width.ts';

// YAML output is rare, so its serialiser is loaded on first use (at run time, outside the bundle) instead of
// with every command; `yaml` is CommonJS, so require is the synchronous way in. The require is made then too.
let yaml: typeof import('yaml') | undefined;
const toYaml = (value: unknown, options?: import('yaml').ToStringOptions & import('yaml').SchemaOptions): string =>
  (yaml ??= createRequire(import.meta.url)('yaml') as typeof import('yaml')).stringify(value, options);

export { OUTPUT_FORMATS, type OutputFormat } from './formats.ts';

export interface Output {
  readonly isTTY: boolean;
  readonly color: Colors;
  /** Writes one or more lines to stdout. */
  line(text?: string): void;
  /** Writes to stderr (progress, warnings): never part of the data a pipe receives. */
  info(text: string): void;
  /** Writes a table to stdout, with its header row unless --no-headers. */
  table(head: string[], rows: string[][]): void;
  /** The terminal's width, when stdout is a terminal. */
  readonly columns: number | undefined;
}

/** The part of a stream output writes to: process.stdout, or a wrapper around it. */
export interface OutputSink {
  write(text: string): boolean;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

export function createOutput(opts: { color: boolean; headers?: boolean; stdout?: OutputSink; stderr?: OutputSink }): Output {
  const stdout = opts.stdout ?? process.stdout;
  // Read only when something is printed there: building process.stderr loads Node's stream modules (stdio.ts).
  const stderr = () => opts.stderr ?? process.stderr;
  const color = createColors(opts.color ? 2 : 0);
  return {
    isTTY: Boolean(stdout.isTTY),
    color,
    line: (text = '') => void stdout.write(text + '\n'),
    info: (text) => void stderr().write(text + '\n'),
    table: (head, rows) => void stdout.write(renderTable(head, rows, color, opts.headers ?? true) + '\n'),
    columns: stdout.isTTY ? stdout.columns : undefined,
  };
}

export function colorWanted(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
  stream: { readonly isTTY?: boolean | undefined } = process.stdout,
): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Spaces after each column, as kubectl's tabwriter pads. */
const COLUMN_GAP = 3;

/**
 * kubectl-style columns: each as wide as its widest cell (terminal width: colour codes take none, wide
 * characters two), three spaces between columns, no borders, no trailing spaces. A cell holding line
 * breaks spans as many lines, the other cells of its row top-aligned.
 */
export function renderTable(head: string[], rows: string[][], color: Colors, headers = true): string {
  // Each line of each cell is measured once: the widths of the columns and the padding both come from it.
  const table = (headers ? [head.map((h) => color.bold(h)), ...rows] : rows).map((row) =>
    row.map((cell) =>
      String(cell)
        .split('\n')
        .map((text) => ({ text, width: textWidth(text) })),
    ),
  );
  const widths: number[] = [];
  for (const row of table) row.forEach((lines, i) => (widths[i] = Math.max(widths[i] ?? 0, ...lines.map((l) => l.width))));
  const out: string[] = [];
  for (const row of table) {
    const height = Math.max(1, ...row.map((lines) => lines.length));
    for (let l = 0; l < height; l++) {
      out.push(
        widths
          .map((w, i) => {
            const line = row[i]?.[l] ?? { text: '', width: 0 };
            return line.text + ' '.repeat(Math.max(0, w + COLUMN_GAP - line.width));
          })
          .join('')
          .trimEnd(),
      );
    }
  }
  return out.join('\n');
}

/**
 * YAML as kubectl writes it (go-yaml, YAML 1.1): strings a 1.1 reader would take for something else are
 * quoted, such as timestamps ("2026-01-02T03:04:05Z"), yes/no/on/off and "0755".
 */
const KUBECTL_YAML = { schema: 'yaml-1.1' } as const;

export function renderObjects(objects: unknown[], format: 'json' | 'yaml' | 'name', kindPlural?: string): string {
  if (format === 'name') {
    return objects.map((o) => `${kindPlural ?? kindOf(o)}/${(o as { metadata?: { name?: string } }).metadata?.name ?? ''}`).join('\n');
  }
  const payload = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
  return format === 'json' ? JSON.stringify(payload, null, 2) : toYaml(payload, KUBECTL_YAML).trimEnd();
}

function kindOf(o: unknown): string {
  return String((o as { kind?: string }).kind ?? 'object').toLowerCase();
}

/** Several objects as one multi-document YAML stream, as `kubectl apply -f` reads it. */
export function renderYamlDocuments(objects: unknown[]): string {
  return objects.map((o) => toYaml(o, KUBECTL_YAML).trimEnd()).join('\n---\n');
}

/** "3d4h", "12m", "40s": kubectl's AGE column. */
export function age(from: string | Date | undefined, now = Date.now()): string {
  if (!from) return '<unknown>';
  const s = Math.max(0, Math.floor((now - new Date(from).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 8 && h % 24 ? `${d}d${h % 24}h` : `${d}d`;
}
