/** A config that cannot be used: names the key, where it came from and what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly code: 'PARSEC_CONFIG_INVALID' | 'PARSEC_CONFIG_UNREADABLE',
    /** Dotted key path, e.g. `channel.namespaces[2].history_ttl`; '' for the whole file. */
    readonly key: string,
    /** The file, or `env PARSEC_…` for values from the environment; null for defaults. */
    readonly file: string | null,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file ?? 'config'}: ${key ? `${key}: ` : ''}${detail}`, options);
  }
}
