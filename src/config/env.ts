import type { z } from 'zod';
import type { Assignment } from './assignment.js';
import { coerce } from './coerce.js';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { envNotSupportedYet } from './not-supported.js';
import { show } from './show.js';
import { V5_KEYS } from './v5-keys.js';
import { objectShape } from './walk.js';

// CENTRIFUGO_ first so that PARSEC_ wins: a Centrifugo deployment's environment works as it is.
const PREFIXES = ['CENTRIFUGO_', 'PARSEC_'] as const;

// Variables with our prefixes that are no config key and are not warned about: values for
// `${CENTRIFUGO_VAR_…}` in maps (maps.ts), which Centrifugo does not warn about either, and
// the settings of Parsec's own test tooling (PARSEC_TEST_*, PARSEC_REQUIRE_SERVICES), which
// share a shell with the server. No config key starts with `var_`, `test_` or `require_`.
const NOT_KEYS = /^(CENTRIFUGO_VAR_|PARSEC_TEST_|PARSEC_REQUIRE_SERVICES$)/;

/**
 * The key path an env name (prefix removed) stands for. Keys contain `_` too, so the name is
 * matched against the schema, longest key first at each level, backing off when the rest
 * leads nowhere: `CLIENT_TOKEN_HMAC_SECRET_KEY` → client.token.hmac_secret_key.
 */
export function resolveEnvName(schema: z.ZodType, name: string): { path: string[]; node: z.ZodType } | undefined {
  const words = name.toLowerCase().split('_');
  const walk = (node: z.ZodType, from: number): { path: string[]; node: z.ZodType } | undefined => {
    if (from === words.length) return { path: [], node };
    const shape = objectShape(node);
    if (!shape) return undefined;
    for (let to = words.length; to > from; to--) {
      const key = words.slice(from, to).join('_');
      const child = Object.hasOwn(shape, key) ? shape[key] : undefined;
      const rest = child && walk(child, to);
      if (rest) return { path: [key, ...rest.path], node: rest.node };
    }
    return undefined;
  };
  return walk(schema, 0);
}

export interface EnvOverrides {
  /** In the order to apply them: CENTRIFUGO_ before PARSEC_, sections before their keys. */
  assignments: Assignment[];
  /** Variables with our prefixes that set nothing. */
  warnings: string[];
}

/**
 * Reads `PARSEC_<PATH>` and `CENTRIFUGO_<PATH>` variables, PATH being the v6 key path
 * upper-cased with `.` → `_`. A variable that sets a section or a list takes JSON; it
 * replaces what the file had there.
 * @throws ConfigError naming the variable when a value does not fit its key.
 */
export function readEnv(schema: z.ZodType, env: NodeJS.ProcessEnv): EnvOverrides {
  const winners = new Map<string, { variable: string; text: string; path: string[]; node: z.ZodType; rank: number }>();
  const warnings: string[] = [];
  PREFIXES.forEach((prefix, rank) => {
    for (const [variable, text] of Object.entries(env)) {
      if (!variable.startsWith(prefix) || text === undefined || NOT_KEYS.test(variable)) continue;
      const name = variable.slice(prefix.length);
      const found = resolveEnvName(schema, name);
      if (found) winners.set(found.path.join('.'), { variable, text, ...found, rank });
      else warnings.push(unresolved(variable, name));
    }
  });
  const ordered = [...winners.values()].sort((a, b) => a.rank - b.rank || a.path.length - b.path.length);
  const assignments = ordered.map(({ variable, text, path, node }): Assignment => {
    const source = `env ${variable}`;
    const key = path.join('.');
    const result = coerce(node, text);
    if (!result.ok) throw new ConfigError(ConfigErrorCode.invalid, key, source, `expected ${result.expected}, got ${show(text, key)}`);
    return { path, value: result.value, source };
  });
  return { assignments, warnings };
}

function unresolved(variable: string, name: string): string {
  const recognised = envNotSupportedYet(name);
  if (recognised) return `env ${variable}: "${recognised}" is recognised but not supported yet (ignored)`;
  const v6 = V5_KEYS.get(name.toLowerCase());
  if (v6) {
    const prefix = variable.slice(0, variable.length - name.length);
    return `env ${variable}: "${name.toLowerCase()}" is a Centrifugo v5 key; in v6 it is "${v6}", ${prefix}${v6.replaceAll('.', '_').toUpperCase()} (ignored)`;
  }
  return `env ${variable}: names no config key (ignored)`;
}
