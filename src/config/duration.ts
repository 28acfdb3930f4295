const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a Go-style duration ("25s", "1m30s", "720h", "100ms", "1.5s", "0") into
 * milliseconds. A bare number means seconds, as integer durations did in Centrifugo v5.
 * Returns undefined for anything else (negatives included).
 */
export function parseDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  const s = v.trim();
  if (s === '0') return 0;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (s === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) return undefined;
    total += Number(m[1]) * UNITS[m[2]!]!;
  }
  return Math.round(total);
}
