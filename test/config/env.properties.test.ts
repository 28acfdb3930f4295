import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { configSchema } from '../../src/config/schema.js';
import { objectShape, unwrap } from '../../src/config/walk.js';
import { checkProperty } from '../helpers/property.js';
import { tempConfig } from './helpers.js';

/**
 * PARSEC_<PATH> variables against the same values in a file: for any mix of scalar keys
 * and values (valid or not), both give the same config, or both are refused.
 */

type Scalar = boolean | number | string;

interface Leaf {
  path: string[];
  value: fc.Arbitrary<Scalar>;
}

/** Every boolean, integer, enum and string key of the schema, with values of its type (in range or not). */
function scalarLeaves(): Leaf[] {
  const out: Leaf[] = [];
  const walk = (node: z.ZodType, path: string[]): void => {
    const shape = objectShape(node);
    if (shape) {
      for (const [k, child] of Object.entries(shape)) walk(child, [...path, k]);
      return;
    }
    const inner = unwrap(node);
    if (inner instanceof z.ZodBoolean) out.push({ path, value: fc.boolean() });
    else if (inner instanceof z.ZodNumber) out.push({ path, value: fc.integer({ min: -5, max: 100_000 }) });
    else if (inner instanceof z.ZodEnum) out.push({ path, value: fc.constantFrom(...(inner.options as string[])) });
    else if (inner instanceof z.ZodString) out.push({ path, value: fc.stringMatching(/^[a-zA-Z0-9_.:/-]{1,12}$/) });
  };
  walk(configSchema, []);
  return out;
}

function nest(entries: Array<[string[], Scalar]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of entries) {
    let at = root;
    for (const k of path.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]!] = value;
  }
  return root;
}

/** The loaded config without `source` (which file it came from), or 'refused'. */
function outcome(load: () => object): unknown {
  try {
    const { source: _source, ...config } = load() as { source?: unknown };
    return { config };
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return 'refused';
  }
}

test('a value reads the same from PARSEC_<PATH> as from the file', (t) => {
  const leaves = scalarLeaves();
  assert.ok(leaves.length > 80, `${leaves.length} scalar keys`);
  const choice = fc.uniqueArray(fc.nat(leaves.length - 1), { minLength: 1, maxLength: 4 }).chain((idx) =>
    fc.tuple(...idx.map((i) => leaves[i]!.value.map((v): [string[], Scalar] => [leaves[i]!.path, v]))),
  );
  return checkProperty(
    fc.property(choice, (entries) => {
      const file = tempConfig(t, 'config.json', JSON.stringify(nest(entries)));
      const env = Object.fromEntries(entries.map(([path, v]) => [`PARSEC_${path.join('_').toUpperCase()}`, String(v)]));
      const fromFile = outcome(() => loadConfig({ file, env: {} }).config);
      const fromEnv = outcome(() => loadConfig({ env }).config);
      assert.deepEqual(fromEnv, fromFile, JSON.stringify(entries));
    }),
    200,
  );
});
