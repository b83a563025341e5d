/**
 * The one redaction helper. Every trace line, debug dump and error message passes through `redact` before it
 * reaches a terminal or a log. Two layers: secrets registered when a kubeconfig is loaded (exact strings,
 * replaced wherever they appear) and patterns that catch credentials we never saw (bearer headers, basic
 * auth in URLs, private keys, credential-named fields).
 */
const REDACTED = '<redacted>';
const secrets = new Set<string>();

/** Remembers a credential so any later output containing it is masked. Short values are ignored (too noisy). */
export function registerSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= 6) secrets.add(value);
}

const SECRET_FIELD =
  /^(token|id-token|refresh-token|access-token|password|client-key-data|client-key|secret|client-secret|authorization|x-api-key|cookie|set-cookie)$/i;

const PATTERNS: [RegExp, string | ((substring: string, ...groups: string[]) => string)][] = [
  // After an auth scheme: a Basic value that decodes to user:password, or a bearer value with a digit or
  // symbol or of token length. Plain words ("bearer token") stay readable.
  [
    /(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]{6,})/gi,
    (m: string, scheme: string, space: string, value: string) => (looksLikeCredential(scheme, value) ? `${scheme}${space}${REDACTED}` : m),
  ],
  [/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g, `-----BEGIN $1PRIVATE KEY----- ${REDACTED} -----END $1PRIVATE KEY-----`],
  [/(\/\/[^/\s:@]+):[^@\s/]+@/g, `$1:${REDACTED}@`],
  // A credential-named field with a scalar value (JSON, YAML or k=v); `"f:password":{}` in managedFields is not one.
  [
    /("?(?:token|password|client-key-data|id-token|refresh-token)"?\s*[:=]\s*)("[^"]*"|[^\s",}{[]+)/gi,
    (_m: string, key: string, value: string) => `${key}${value.startsWith('"') ? `"${REDACTED}"` : REDACTED}`,
  ],
];

function looksLikeCredential(scheme: string, value: string): boolean {
  if (scheme.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').includes(':');
  return /[0-9+/=._~-]/.test(value) || value.length >= 20;
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement as string);
  return out;
}

/** Copies headers with credential-bearing ones masked. */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = SECRET_FIELD.test(name) ? maskAuthValue(text) : redact(text);
  }
  return out;
}

function maskAuthValue(value: string): string {
  const scheme = /^(\w+)\s/.exec(value);
  return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
}

/**
 * Deep copy of a value with credential fields masked: kubeconfig users (token, client-key-data, password,
 * auth-provider config) and exec plugin env values.
 */
export function redactObject<T>(value: T): T {
  return walk(value, undefined) as T;
}

function walk(value: unknown, key: string | undefined): unknown {
  if (Array.isArray(value)) {
    // exec env is a list of {name, value}: every value is treated as secret.
    if (key === 'env') return (value as unknown[]).map((e) => (e && typeof e === 'object' ? { ...e, value: REDACTED } : e));
    return value.map((v) => walk(v, undefined));
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // An auth-provider's `config` map holds tokens under provider-specific names: mask all of it.
      if (SECRET_FIELD.test(k) || key === 'config') out[k] = v == null ? v : REDACTED;
      else out[k] = walk(v, k);
    }
    return out;
  }
  return typeof value === 'string' ? redact(value) : value;
}
