import type { z } from 'zod';
import type { Assignment } from './assignment.js';
import { coerce } from './coerce.js';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { show } from './show.js';
import { schemaAt } from './walk.js';

const SOURCE = 'overrides';

/**
 * Overrides keyed by dotted v6 key path (`{ 'http_server.port': 9000 }`), applied after the
 * file and the environment. String values are coerced like environment values, so command-line
 * flags can be passed as they were typed.
 * @throws ConfigError for a key the schema does not have, or a string that does not fit its key.
 */
export function readOverrides(schema: z.ZodType, overrides: Readonly<Record<string, unknown>>): Assignment[] {
  const assignments = Object.entries(overrides).map(([key, value]): Assignment => {
    const path = key.split('.');
    const node = schemaAt(schema, path);
    if (!node) throw new ConfigError(ConfigErrorCode.invalid, key, SOURCE, 'names no config key');
    if (typeof value !== 'string') return { path, value, source: SOURCE };
    const result = coerce(node, value);
    if (!result.ok) throw new ConfigError(ConfigErrorCode.invalid, key, SOURCE, `expected ${result.expected}, got ${show(value, key)}`);
    return { path, value: result.value, source: SOURCE };
  });
  // A whole section first, then keys inside it, whatever order the caller listed them in.
  return assignments.sort((a, b) => a.path.length - b.path.length);
}
