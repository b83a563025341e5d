/**
 * Plain-text helpers the commands use while they register or run, kept apart from output.ts so that using
 * them does not load the renderers (the table renderer, yaml).
 */

/**
 * `export NAME='value'` for `eval` in sh, bash, zsh: single quotes keep spaces, `$`, backquotes and globs
 * literal; a single quote inside is closed, escaped and reopened.
 */
export function exportLine(name: string, value: string): string {
  return `export ${name}='${value.replaceAll("'", "'\\''")}'`;
}

/** `k=v k2="two words"` for log lines and machinery notes: bare words bare, numbers rounded, the rest as JSON. */
export function fieldsText(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : typeof v === 'number' ? String(Math.round(v)) : JSON.stringify(v)}`)
    .join(' ');
}
