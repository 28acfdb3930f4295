import { z } from 'zod';
import { arrayElement, isRaw, unwrap, withoutNulls } from './walk.js';

type Coerced = { ok: true; value: unknown } | { ok: false; expected: string };

/**
 * Turns a string from the environment or a command-line flag into the type its key holds:
 * booleans ("true"/"false"/"1"/"0"), integers, JSON for arrays, objects and maps (a list of strings
 * may also be space or comma separated). Strings, choices and durations pass as they are,
 * for the schema to check.
 */
export function coerce(schema: z.ZodType, text: string): Coerced {
  const s = unwrap(schema);
  if (s instanceof z.ZodBoolean) {
    if (/^(true|1)$/i.test(text.trim())) return { ok: true, value: true };
    if (/^(false|0)$/i.test(text.trim())) return { ok: true, value: false };
    return { ok: false, expected: 'true, false, 1 or 0' };
  }
  if (s instanceof z.ZodNumber) {
    return /^-?\d+$/.test(text.trim()) ? { ok: true, value: Number(text) } : { ok: false, expected: 'an integer' };
  }
  const element = arrayElement(s);
  if (element) {
    if (text.trim().startsWith('[')) return json(text, Array.isArray, 'a JSON array');
    const el = unwrap(element);
    if (el instanceof z.ZodString || el instanceof z.ZodEnum) return { ok: true, value: text.split(/[\s,]+/).filter(Boolean) };
    return { ok: false, expected: 'a JSON array' };
  }
  if (s instanceof z.ZodObject) return json(text, isRaw, 'a JSON object');
  // A map takes either of Centrifugo's forms; maps.ts makes one of them.
  if (s instanceof z.ZodRecord) return json(text, (v) => isRaw(v) || Array.isArray(v), 'a JSON object or a JSON list of {"key", "value"} objects');
  return { ok: true, value: text };
}

function json(text: string, is: (v: unknown) => boolean, expected: string): Coerced {
  try {
    const value: unknown = JSON.parse(text);
    if (!is(value)) return { ok: false, expected };
    // Nulls mean "not set", as they do in a file.
    return { ok: true, value: withoutNulls(value) };
  } catch {
    return { ok: false, expected };
  }
}
