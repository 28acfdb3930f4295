import { z } from 'zod';
import { ConfigError } from './errors.js';
import { objectShape, unwrap, isRaw, type Raw } from './walk.js';

const PREFIXES = ['PARSEC_', 'CENTRIFUGO_'] as const;

interface Leaf {
  path: string[];
  schema: z.ZodType;
}

/** Every settable key, by its env name (path upper-cased, joined with `_`). */
function leaves(schema: z.ZodType, path: string[] = [], out = new Map<string, Leaf>()): Map<string, Leaf> {
  const shape = objectShape(schema);
  if (!shape) {
    out.set(path.join('_').toUpperCase(), { path, schema: unwrap(schema) });
    return out;
  }
  for (const [key, child] of Object.entries(shape)) leaves(child, [...path, key], out);
  return out;
}

function coerce(leaf: Leaf, value: string, variable: string): unknown {
  const s = leaf.schema;
  const bad = (expected: string): never => {
    throw new ConfigError('PARSEC_CONFIG_INVALID', leaf.path.join('.'), `env ${variable}`, `expected ${expected}, got ${JSON.stringify(value)}`);
  };
  if (s instanceof z.ZodBoolean) {
    if (['true', '1', 'yes', 'on'].includes(value.toLowerCase())) return true;
    if (['false', '0', 'no', 'off', ''].includes(value.toLowerCase())) return false;
    return bad('a boolean (true/false)');
  }
  if (s instanceof z.ZodNumber) {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? n : bad('a number');
  }
  if (s instanceof z.ZodArray) {
    if (value.trim().startsWith('[')) {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return bad('a JSON array');
      }
    }
    return value.split(/[\s,]+/).filter(Boolean);
  }
  return value;
}

export interface EnvOverrides {
  /** Variables that named no key. */
  warnings: string[];
  /** Which variable set which dotted key, to name it in errors. */
  sources: Map<string, string>;
}

/** Writes `PARSEC_…` (and `CENTRIFUGO_…`) values into the raw config; PARSEC_ wins. */
export function applyEnv(schema: z.ZodType, raw: Raw, env: NodeJS.ProcessEnv): EnvOverrides {
  const byName = leaves(schema);
  const warnings: string[] = [];
  const sources = new Map<string, string>();
  for (const prefix of [...PREFIXES].reverse()) {
    for (const [variable, value] of Object.entries(env)) {
      if (!variable.startsWith(prefix) || value === undefined) continue;
      const leaf = byName.get(variable.slice(prefix.length));
      if (!leaf) {
        // CENTRIFUGO_ variables may be meant for a Centrifugo on the same host: only ours are warned.
        if (prefix === 'PARSEC_' && !variable.startsWith('PARSEC_TEST_') && variable !== 'PARSEC_REQUIRE_SERVICES') {
          warnings.push(`env ${variable} names no config key (ignored)`);
        }
        continue;
      }
      let target: Raw = raw;
      for (const key of leaf.path.slice(0, -1)) {
        if (!isRaw(target[key])) target[key] = {};
        target = target[key] as Raw;
      }
      target[leaf.path.at(-1)!] = coerce(leaf, value, variable);
      sources.set(leaf.path.join('.'), `env ${variable}`);
    }
  }
  return { warnings, sources };
}
