import { ConfigError, ConfigErrorCode } from './errors.js';
import { show } from './show.js';

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
// One Go duration term: a decimal number ("1", "1.5", ".5", "1.") and its unit.
const TERM = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const PLAIN_SECONDS = /^(\d+\.?\d*|\.\d+)$/;

/**
 * Milliseconds for a Go-style duration ("25s", "1m30s", "720h", "100ms", "1.5s", "0") or a
 * plain number of seconds (Centrifugo v5 wrote durations as integers); undefined for anything
 * else, negatives included.
 */
export function durationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 0 ? roundMs(v * 1000) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (PLAIN_SECONDS.test(s)) return roundMs(Number(s) * 1000);
  if (s === '') return undefined;
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < s.length) {
    const m = TERM.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return roundMs(total);
}

// Timers work in whole milliseconds; a non-zero duration must not round down to 0, which means "off".
function roundMs(ms: number): number | undefined {
  if (!Number.isFinite(ms)) return undefined;
  return ms > 0 && ms < 1 ? 1 : Math.round(ms);
}

/**
 * Parses a duration into milliseconds: Go syntax ("25s", "1m30s", "720h", "100ms", "1.5s", "0")
 * or a plain number of seconds (`25`, `"25"`).
 * @throws ConfigError (`PARSEC_CONFIG_INVALID`) for negatives and anything else.
 */
export function parseDuration(v: string | number): number {
  const ms = durationMs(v);
  if (ms === undefined) throw new ConfigError(ConfigErrorCode.invalid, '', null, `expected a duration like "25s", got ${show(v, '')}`);
  return ms;
}

/** Milliseconds back to a short Go-style string, for messages: 25000 → "25s", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
