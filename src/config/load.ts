import { resolve } from 'node:path';
import { readEnv } from './env.js';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { describeIssue } from './issues.js';
import { normalizeMaps } from './maps.js';
import { readOverrides } from './overrides.js';
import { readConfigFile } from './parse-file.js';
import { checkRules } from './rules.js';
import { configSchema } from './schema.js';
import type { Config } from './types.js';
import { unknownKeyWarnings } from './unknown-keys.js';
import { formatPath, schemaAt, setAt, type Raw } from './walk.js';

export interface LoadOptions {
  /** JSON, YAML (`.yaml`/`.yml`) or TOML (`.toml`) file with Centrifugo v6 keys; none = defaults. */
  file?: string;
  /** Read for `PARSEC_<PATH>` and `CENTRIFUGO_<PATH>` overrides; pass `process.env` at the edge. */
  env?: NodeJS.ProcessEnv;
  /** Dotted v6 key path → value (`{ 'http_server.port': '9000' }`), applied last: command-line flags. */
  overrides?: Readonly<Record<string, unknown>>;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** One line each: unknown keys, v5 keys, recognised-but-unsupported sections, stray env variables. */
  warnings: string[];
}

/**
 * Loads the config once, at the edge: the file, then environment variables (CENTRIFUGO_, then
 * PARSEC_), then overrides; maps brought to one form with `${CENTRIFUGO_VAR_…}` expanded;
 * validated, defaults filled, deep-frozen. Unknown keys are warnings.
 * @throws ConfigError naming the key, where the value came from (file, `env VAR` or `overrides`)
 * and what was expected.
 */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const label = opts.file ?? null;
  const warnings: string[] = [];
  let raw: Raw = {};
  if (opts.file !== undefined) {
    const content = readConfigFile(resolve(opts.file), opts.file);
    raw = content.raw;
    warnings.push(...content.warnings, ...unknownKeyWarnings(configSchema, raw, opts.file));
  }
  const env = readEnv(configSchema, opts.env ?? {});
  warnings.push(...env.warnings);
  // Dotted key path → the env variable or "overrides" that set it, so errors name the right source.
  const sources = new Map<string, string>();
  for (const a of [...env.assignments, ...readOverrides(configSchema, opts.overrides ?? {})]) {
    setAt(raw, a.path, a.value);
    sources.set(a.path.join('.'), a.source);
    const node = schemaAt(configSchema, a.path);
    if (node && typeof a.value === 'object' && a.value !== null) warnings.push(...unknownKeyWarnings(node, a.value, a.source, [...a.path]));
  }
  const sourceOf = (key: string): string | null => {
    for (let end = key.length; end > 0; end--) {
      if (end < key.length && key[end] !== '.' && key[end] !== '[') continue;
      const source = sources.get(key.slice(0, end));
      if (source) return source;
    }
    return label;
  };

  normalizeMaps(configSchema, raw, opts.env ?? {}, sourceOf);
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = formatPath(issue.path);
    throw new ConfigError(ConfigErrorCode.invalid, key, sourceOf(key), describeIssue(issue, raw));
  }
  const broken = checkRules(parsed.data);
  if (broken) throw new ConfigError(ConfigErrorCode.invalid, broken.key, sourceOf(broken.key), broken.detail);
  const config: Config = { source: opts.file === undefined ? null : resolve(opts.file), ...parsed.data };
  return { config: deepFreeze(config), warnings };
}

/** Every default, no file, no environment: a fresh, mutable object each call (tests edit it). */
export function defaultConfig(): Config {
  return { source: null, ...configSchema.parse({}) };
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (typeof v === 'object' && v !== null) deepFreeze(v);
  return Object.freeze(o);
}
