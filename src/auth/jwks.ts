import { createLocalJWKSet, errors as joseErrors, type FlattenedJWSInput, type JWSHeaderParameters, type JSONWebKeySet, type KeyObject } from 'jose';
import type { Logger } from 'pino';
import type { Clock } from '../lib/index.js';
import { fetchJwks } from './jwks-fetch.js';
import { TokenError } from './token-error.js';

export interface JwksOptions {
  endpoint: string;
  clock: Clock;
  log: Logger;
  /** Keys older than this are refreshed in the background (rotation), ms. */
  refreshInterval?: number;
  /** At most one fetch per this interval for unknown `kid`s, ms: a flood of bad kids can't hammer the IdP. */
  cooldown?: number;
  /** Fetch timeout, ms. */
  timeout?: number;
  ca?: string;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/**
 * Keys from an identity provider's JWKS endpoint, by `kid`. The last good key set
 * stays in use while the endpoint is down; an unknown `kid` triggers one refetch per
 * cooldown; a periodic refresh picks up rotation without blocking verification.
 */
export class JwksKeySource {
  private set: LocalSet | undefined;
  private fetchedAt = 0;
  private lastAttempt = -Infinity;
  private inflight: Promise<void> | undefined;
  private readonly refreshInterval: number;
  private readonly cooldown: number;
  private readonly timeout: number;

  constructor(private readonly opts: JwksOptions) {
    this.refreshInterval = opts.refreshInterval ?? 10 * 60_000;
    this.cooldown = opts.cooldown ?? 30_000;
    this.timeout = opts.timeout ?? 5_000;
  }

  /** jose's key-resolver signature: the key for a token header. Throws TokenError. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<KeyObject | Uint8Array> => {
    const now = this.opts.clock.now();
    if (!this.set) await this.load(true);
    else if (now - this.fetchedAt > this.refreshInterval) void this.load(false);
    try {
      return await this.select(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      // Maybe the IdP rotated keys: one refetch per cooldown, shared by concurrent callers.
      if (this.opts.clock.now() - this.lastAttempt >= this.cooldown) {
        await this.load(false);
        return this.select(header, token);
      }
      throw new TokenError('invalid', `no JWKS key matches kid ${JSON.stringify(header.kid ?? '')}`, { cause: err });
    }
  };

  private async select(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<KeyObject | Uint8Array> {
    if (!this.set) throw new TokenError('unavailable', 'JWKS keys not available');
    try {
      return await this.set(header, token);
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey) throw err;
      throw new TokenError('invalid', err instanceof Error ? err.message : 'no usable JWKS key', { cause: err });
    }
  }

  /** Fetches the key set; with `required`, a failure with nothing cached is a TokenError. */
  private async load(required: boolean): Promise<void> {
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    await this.inflight;
    if (required && !this.set) throw new TokenError('unavailable', `JWKS endpoint ${this.opts.endpoint} unreachable and no keys cached`);
  }

  private async fetch(): Promise<void> {
    this.lastAttempt = this.opts.clock.now();
    let doc: JSONWebKeySet;
    try {
      doc = await fetchJwks(this.opts.endpoint, { timeout: this.timeout, ca: this.opts.ca });
    } catch (err) {
      this.opts.log.warn({ endpoint: this.opts.endpoint, err: (err as Error).message, cached: this.set !== undefined }, 'JWKS fetch failed');
      return;
    }
    this.set = createLocalJWKSet(doc);
    this.fetchedAt = this.opts.clock.now();
    this.opts.log.debug({ endpoint: this.opts.endpoint, keys: doc.keys.length }, 'JWKS loaded');
  }
}
