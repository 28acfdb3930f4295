/** A value set from outside the file: by an environment variable or an override. */
export interface Assignment {
  /** Schema key path, e.g. `['client', 'token', 'hmac_secret_key']`. */
  path: string[];
  value: unknown;
  /** Named in errors and warnings instead of a file: `env PARSEC_HTTP_SERVER_PORT`, `overrides`. */
  source: string;
}
