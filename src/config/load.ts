import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { applyEnv } from './env.js';
import { ConfigError } from './errors.js';
import { fileSchema, type FileConfig } from './schema.js';
import type { Config, LogLevel } from './types.js';
import { unknownKeyWarnings } from './unknown-keys.js';
import { validateRules } from './rules.js';
import { formatPath, isRaw, valueAt, type Raw } from './walk.js';

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Loaded {
  config: Readonly<Config>;
  warnings: string[];
}

function readRaw(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('PARSEC_CONFIG_UNREADABLE', '', file, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    if (/\.ya?ml$/i.test(file)) parsed = parseYaml(text);
    else if (/\.toml$/i.test(file)) parsed = parseToml(text);
    else parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('PARSEC_CONFIG_INVALID', '', file, `cannot parse: ${(err as Error).message}`, { cause: err });
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isRaw(parsed)) throw new ConfigError('PARSEC_CONFIG_INVALID', '', file, 'expected an object at the top level');
  return parsed;
}

function describeIssue(issue: z.core.$ZodIssue, raw: Raw): string {
  const got = valueAt(raw, issue.path);
  const shown = got === undefined ? 'nothing' : JSON.stringify(got);
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}, got ${shown}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${shown}`;
    case 'too_small':
      return `expected at least ${String(issue.minimum)}, got ${shown}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}, got ${shown}`;
    default:
      return issue.message;
  }
}

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Snake-case keys to camelCase, deeply: the schema's names map one-to-one onto Config's. */
function camelize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelize);
  if (!isRaw(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), camelize(x)]));
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * Loads the config: file (JSON, YAML or TOML by extension), then env overrides,
 * validated once and frozen. Unknown keys are warnings; invalid values throw
 * ConfigError naming the key and where the value came from.
 */
export function loadConfig(opts: LoadOptions = {}): Loaded {
  const file = opts.file ? resolve(opts.file) : null;
  const raw = file ? readRaw(file) : {};
  const label = opts.file ?? 'config';
  const warnings = file ? unknownKeyWarnings(fileSchema, raw, opts.file!) : [];
  const env = applyEnv(fileSchema, raw, opts.env ?? {});
  warnings.push(...env.warnings);
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = formatPath(issue.path);
    const source = env.sources.get(issue.path.filter((p) => typeof p === 'string').join('.')) ?? (file ? label : null);
    throw new ConfigError('PARSEC_CONFIG_INVALID', key, source, describeIssue(issue, raw));
  }
  validateRules(parsed.data, file ? label : null);
  return { config: deepFreeze(toConfig(parsed.data, file)), warnings };
}

function toConfig(data: FileConfig, file: string | null): Config {
  const c = camelize(data) as Omit<Config, 'source' | 'log'>;
  const level: LogLevel = data.log.level === 'none' ? 'silent' : data.log.level;
  const token = { ...c.client.token, userIdClaim: c.client.token.userIdClaim || 'sub' };
  const subToken = { ...c.client.subscriptionToken, userIdClaim: c.client.subscriptionToken.userIdClaim || 'sub' };
  return { ...c, source: file, log: { level }, client: { ...c.client, token, subscriptionToken: subToken } };
}

/** The configuration with every default and no file. */
export function defaultConfig(): Readonly<Config> {
  return loadConfig({}).config;
}
