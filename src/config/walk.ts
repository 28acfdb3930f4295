import { z } from 'zod';

/** A parsed config file or a part of one, before validation. */
export type Raw = Record<string, unknown>;

export function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/*
 * Schema introspection for the env resolver and the unknown-key walk. zod types the inner
 * schemas of its wrappers by their generic parameters; here they are any ZodType, hence the casts.
 */

/** The schema under defaults, optionals and transforms: what a value is checked against first. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/** The keys of an object schema (a config section), or undefined for anything else. */
export function objectShape(schema: z.ZodType): Readonly<Record<string, z.ZodType>> | undefined {
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined;
}

/** The element schema of an array schema, or undefined. */
export function arrayElement(schema: z.ZodType): z.ZodType | undefined {
  const inner = unwrap(schema);
  return inner instanceof z.ZodArray ? (inner.element as z.ZodType) : undefined;
}

/** The schema at a key path (`['client', 'token']`), or undefined when the schema has no such key. */
export function schemaAt(schema: z.ZodType, path: readonly string[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const key of path) {
    const shape: Readonly<Record<string, z.ZodType>> | undefined = s && objectShape(s);
    s = shape && Object.hasOwn(shape, key) ? shape[key] : undefined;
  }
  return s;
}

/** Dotted display path: `channel.namespaces[2].history_ttl`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Sets a value at a key path, creating missing objects on the way. A non-object in the way is left for validation to report. */
export function setAt(raw: Raw, path: readonly string[], value: unknown): void {
  let target = raw;
  for (const key of path.slice(0, -1)) {
    if (target[key] === undefined) target[key] = {};
    const next = target[key];
    if (!isRaw(next)) return;
    target = next;
  }
  target[path[path.length - 1]!] = value;
}

/**
 * Drops null object values, deeply. YAML writes an empty value (`client:`) as null, and a
 * null is "not set" in every format we read, so the default applies.
 */
export function dropNulls(o: Raw): Raw {
  // fromEntries defines own properties, so a "__proto__" key stays a plain (unknown) key.
  return Object.fromEntries(Object.entries(o).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}

/** `dropNulls` for any value: arrays and objects inside are cleaned, anything else is returned as it is. */
export function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  return isRaw(v) ? dropNulls(v) : v;
}
