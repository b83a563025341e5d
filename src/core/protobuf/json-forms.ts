/**
 * The JSON text apimachinery's types with their own MarshalJSON write, from the values their protobuf
 * messages carry: metav1.Time (RFC 3339 in UTC, whole seconds; the protobuf form drops nanoseconds too),
 * metav1.MicroTime (six fraction digits), metav1.Duration (Go's time.Duration.String) and []byte (base64).
 * A zero Time or MicroTime (year 1, or no message bytes at all) is JSON null, as Go writes it.
 */

/** Seconds from the Unix epoch to Go's zero time, 0001-01-01T00:00:00Z: a Time that IsZero. */
export const GO_ZERO_TIME_SECONDS = -62135596800;

/** metav1.Time's JSON form: "2006-01-02T15:04:05Z", or null for the zero time. */
export function formatTime(seconds: number): string | null {
  if (seconds === GO_ZERO_TIME_SECONDS) return null;
  let text = recentTimes.get(seconds);
  if (text === undefined) {
    if (recentTimes.size >= TIME_CACHE_SIZE) recentTimes.clear();
    text = isoSeconds(seconds) + 'Z';
    recentTimes.set(seconds, text);
  }
  return text;
}

/**
 * Objects listed together mostly carry the same few seconds (created, started, ready): one string serves
 * all of them, less to format and less to keep than one copy each.
 */
const recentTimes = new Map<number, string>();
const TIME_CACHE_SIZE = 4096;

/** metav1.MicroTime's JSON form: "2006-01-02T15:04:05.000000Z", or null for the zero time. */
export function formatMicroTime(seconds: number, nanos: number): string | null {
  const micros = Math.trunc(nanos / 1000);
  if (seconds === GO_ZERO_TIME_SECONDS && micros === 0) return null;
  return `${isoSeconds(seconds)}.${String(micros).padStart(6, '0')}Z`;
}

/** "YYYY-MM-DDTHH:MM:SS" in UTC (years 0 to 9999, as RFC 3339 allows). */
function isoSeconds(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  // toISOString writes years outside 0..9999 with a sign and six digits; Go's RFC 3339 cannot either.
  return iso.length === 24 ? iso.slice(0, 19) : iso.slice(0, iso.length - 5);
}

const UNITS_BELOW_SECOND: [bigint, number, string][] = [
  [1000n, 0, 'ns'],
  [1000_000n, 3, 'µs'],
  [1000_000_000n, 6, 'ms'],
];

/** Go's time.Duration.String for a count of nanoseconds: "0s", "1.5ms", "1h2m3.5s", "-4m0s". */
export function formatDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const negative = nanoseconds < 0n;
  let u = negative ? -nanoseconds : nanoseconds;
  let out: string;
  if (u < 1000_000_000n) {
    const [, digits, unit] = UNITS_BELOW_SECOND.find(([limit]) => u < limit)!;
    out = withFraction(u, digits) + unit;
  } else {
    const wholeSeconds = u / 1000_000_000n;
    out = withFraction((u % 1000_000_000n) + (wholeSeconds % 60n) * 1000_000_000n, 9) + 's';
    u = wholeSeconds / 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return negative ? '-' + out : out;
}

/** `value / 10^digits` written with its fraction's trailing zeros (and a bare point) left out. */
function withFraction(value: bigint, digits: number): string {
  if (digits === 0) return String(value);
  const scale = 10n ** BigInt(digits);
  const fraction = String(value % scale)
    .padStart(digits, '0')
    .replace(/0+$/, '');
  return fraction ? `${value / scale}.${fraction}` : String(value / scale);
}

/** Bytes as Go's encoding/json writes a []byte: standard base64 with padding. */
export function formatBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
