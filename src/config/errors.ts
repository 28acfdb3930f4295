/** Why a config was refused: `invalid` for a bad value or syntax, `unreadable` when the file cannot be read. */
export const ConfigErrorCode = {
  invalid: 'PARSEC_CONFIG_INVALID',
  unreadable: 'PARSEC_CONFIG_UNREADABLE',
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/**
 * A config that cannot be used. The message names where the value came from, the key
 * and what was expected: `config.json: client.ping_interval: expected a duration like "25s", got 42x`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  /** Dotted snake_case key path, e.g. `channel.namespaces[2].history_ttl`; '' when the whole file is at fault. */
  readonly key: string;
  /**
   * Where the value came from: the file as it was given, `env PARSEC_…` for an environment
   * variable, `overrides` for `loadConfig({ overrides })`; null when there is no source.
   */
  readonly file: string | null;

  constructor(code: ConfigErrorCode, key: string, file: string | null, detail: string, options?: { cause?: unknown }) {
    super([file, key, detail].filter(Boolean).join(': '), options);
    this.code = code;
    this.key = key;
    this.file = file;
  }
}
