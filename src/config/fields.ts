import { z } from 'zod';
import { camelKeys } from './camel.js';
import { durationMs, parseDuration } from './duration.js';

/*
 * Field builders for the schema. Defaults are given as functions or plain values of the
 * output type: zod 4 returns a `.default()` as it is, without parsing it.
 */

export const bool = (d = false) => z.boolean().default(d);

export const int = (d: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.int().min(min).max(max).default(d);

export const str = (d = '') => z.string().default(d);

/** A string that must not be empty: separators and boundaries, which mean nothing when empty. */
export const nonEmptyStr = (d: string) => z.string().min(1).default(d);

export const strList = () => z.array(z.string()).default(() => []);

/** A string → string map (static headers, gRPC metadata). */
export const strMap = () => z.record(z.string(), z.string()).default(() => ({}));

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, d: T[number]) => z.enum(values).default(d);

/** A duration ("25s", "1m30s", "720h", or a number of seconds), in milliseconds. */
export const duration = (d: string) => z.unknown().transform(toMs).default(parseDuration(d));

/**
 * A duration that Centrifugo lets you switch off with a negative value (`-1`), as it does
 * for `ping_interval` and `pong_timeout`. Parsec's "off" is 0.
 */
export const durationOrOff = (d: string) =>
  z
    .unknown()
    .transform((v, ctx) => (isNegative(v) ? 0 : toMs(v, ctx)))
    .default(parseDuration(d));

/**
 * A duration where Centrifugo gives a negative value its own meaning ("no limit",
 * "immediately", "off"; the key's comment says which). Every negative arrives as -1, and 0
 * still means "the default".
 */
export const durationOrNegative = (d: string) =>
  z
    .unknown()
    .transform((v, ctx) => (isNegative(v) ? -1 : toMs(v, ctx)))
    .default(parseDuration(d));

function isNegative(v: unknown): boolean {
  if (typeof v === 'number') return v < 0;
  return typeof v === 'string' && v.trim().startsWith('-') && durationMs(v.trim().slice(1)) !== undefined;
}

function toMs(v: unknown, ctx: z.RefinementCtx): number {
  const ms = durationMs(v);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: 'expected a duration like "25s"', input: v });
  return z.NEVER;
}

// 9999-12-31T23:59:59Z: any larger value is a millisecond timestamp written by mistake.
const MAX_UNIX_SECONDS = 253_402_300_800;

/**
 * A point in time as Centrifugo writes it: whole seconds since the Unix epoch (0 = none).
 * Not an RFC 3339 string, and not milliseconds, which would put the time tens of thousands
 * of years ahead and so silently mean "never".
 */
export const unixSeconds = () =>
  z
    .unknown()
    .transform((v, ctx) => {
      // Digits in a string too: environment variables and flags arrive as text.
      const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
      if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < MAX_UNIX_SECONDS) return n;
      ctx.addIssue({ code: 'custom', message: 'expected a Unix timestamp in seconds, like 1767225600', input: v });
      return z.NEVER;
    })
    .default(0);

/** A regular expression source; '' for none. Checked with the same engine that will run it. */
export const regex = () =>
  z
    .string()
    .refine(compiles, { message: 'expected a valid regular expression' })
    .default('');

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** A config section: snake_case keys in, camelCase out; an absent section gets every default. */
export const section = <S extends z.ZodRawShape>(shape: S) =>
  z
    .object(shape)
    // Every field of a section has a default, so {} is valid input; TypeScript can't see that through the generic S.
    .prefault({} as z.input<z.ZodObject<S>>)
    .transform((o) => camelKeys(o));
