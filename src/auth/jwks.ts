import { setTimeout as delay } from 'node:timers/promises';
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
  /**
   * Least time between two fetches, ms. A token with an unknown `kid` waits for the next
   * allowed fetch instead of being refused, so this bounds that wait and, for a flood of
   * forged kids, how often the IdP is asked.
   */
  minFetchInterval?: number;
  /** Fetch timeout, ms. */
  timeout?: number;
  ca?: string;
  /** Told of every fetch: whether it brought a key set, and how long it took (s). */
  onFetch?: JwksFetchObserver;
}

export type JwksFetchObserver = (ok: boolean, seconds: number) => void;

type LocalSet = ReturnType<typeof createLocalJWKSet>;
type Key = KeyObject | Uint8Array;

/** A fetch under way: its sequence number and whether it brought a key set. */
interface Fetch {
  seq: number;
  done: Promise<boolean>;
}

/**
 * Keys from an identity provider's JWKS endpoint, by `kid`. The last good key set stays
 * in use while the endpoint is down; a periodic refresh picks up rotation without
 * blocking verification.
 *
 * An unknown `kid` is most often a rotation (IdPs may sign with a new key the moment they
 * publish it), so it is refused as invalid only after a fetch that began after the token
 * was seen still lacks it. Fetches are single-flight and at least `minFetchInterval`
 * apart: a token that comes within that interval of the last fetch waits for the next
 * one (at most the interval plus the fetches' own time) rather than being refused, which
 * for the centrifuge SDKs would be terminal (3500). Forged kids arriving together share
 * one fetch, so a flood costs one fetch per interval, not one per token.
 */
export class JwksKeySource {
  private set: LocalSet | undefined;
  private fetchedAt = 0;
  private lastAttempt = -Infinity;
  /** Fetches begun so far: a token needs one numbered above the count when it was seen. */
  private started = 0;
  private running: Fetch | undefined;
  /** The last fetch that finished: its sequence number and whether it brought a key set. */
  private finished: { seq: number; ok: boolean } = { seq: 0, ok: false };
  /** The next fetch, waiting for the running one and for `minFetchInterval` to pass. */
  private queued: Promise<boolean> | undefined;
  private readonly refreshInterval: number;
  private readonly timeout: number;
  /** Least time between fetches, ms; also how long a client should wait before retrying after `unavailable`. */
  readonly minFetchInterval: number;

  constructor(private readonly opts: JwksOptions) {
    this.refreshInterval = opts.refreshInterval ?? 10 * 60_000;
    this.minFetchInterval = opts.minFetchInterval ?? 2_000;
    this.timeout = opts.timeout ?? 5_000;
  }

  /** The endpoint, for readiness reports. */
  get endpoint(): string {
    return this.opts.endpoint;
  }

  /**
   * Undefined while tokens can be verified, else why not: no key set was ever loaded and the
   * last fetch failed. A stale set (refreshes failing) still verifies known keys, so it is no
   * reason. Without a set and no fetch under way this starts one, so a readiness probe is
   * what loads the keys before the first token arrives.
   */
  unavailableReason(): string | undefined {
    if (this.set) return undefined;
    if (!this.running && !this.queued) void this.fetchAfter(this.started);
    return this.finished.seq === 0 ? `JWKS endpoint ${this.opts.endpoint} not fetched yet` : `JWKS endpoint ${this.opts.endpoint} unreachable and no keys cached`;
  }

  /** jose's key-resolver signature: the key for a token header. Throws TokenError. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<Key> => {
    const seen = this.started;
    if (!this.set) {
      await (this.running?.done ?? this.fetchAfter(this.started));
      if (!this.set) throw new TokenError('unavailable', `JWKS endpoint ${this.opts.endpoint} unreachable and no keys cached`);
    } else if (this.opts.clock.now() - this.fetchedAt > this.refreshInterval && !this.running && !this.queued) {
      void this.fetchAfter(this.started); // settles to a boolean: fetch() never rejects
    }
    const cached = await this.select(header, token);
    if (cached) return cached;
    // A fetch already under way may bring the key (published a moment before use): no need to wait longer.
    if (this.running) {
      await this.running.done;
      const key = await this.select(header, token);
      if (key) return key;
    }
    const fetched = await this.fetchAfter(seen);
    const key = await this.select(header, token);
    if (key) return key;
    const kid = JSON.stringify(header.kid ?? '');
    // Without a fresh answer the kid may still be a new key: a temporary error lets clients retry.
    if (!fetched) throw new TokenError('unavailable', `JWKS endpoint ${this.opts.endpoint} unreachable; no cached key matches kid ${kid}`);
    throw new TokenError('invalid', `no JWKS key matches kid ${kid}`);
  };

  /** The cached key for a header; undefined when no key matches (yet). */
  private async select(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<Key | undefined> {
    if (!this.set) return undefined;
    try {
      return await this.set(header, token);
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey) return undefined;
      throw new TokenError('invalid', err instanceof Error ? err.message : 'no usable JWKS key', { cause: err });
    }
  }

  /** Settles, true when it brought a key set, once a fetch numbered above `seen` has finished. */
  private fetchAfter(seen: number): Promise<boolean> {
    // A fetch begun after the token was seen already answered for it, or is about to.
    if (this.finished.seq > seen) return Promise.resolve(this.finished.ok);
    if (this.running && this.running.seq > seen) return this.running.done;
    // `.then` runs after the assignment below, so callers arriving meanwhile join this fetch.
    this.queued ??= this.spacing().then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  /** Resolves when the running fetch is over and `minFetchInterval` has passed since it began. */
  private async spacing(): Promise<void> {
    if (this.running) await this.running.done;
    const wait = Math.min(this.lastAttempt + this.minFetchInterval - this.opts.clock.now(), this.minFetchInterval);
    // Unref'd: a wait of at most one interval must not hold a shutting-down process open.
    if (wait > 0) await delay(wait, undefined, { ref: false });
  }

  private start(): Promise<boolean> {
    const seq = ++this.started;
    this.lastAttempt = this.opts.clock.now();
    const done = this.fetch().then((ok) => {
      this.finished = { seq, ok };
      this.running = undefined;
      return ok;
    });
    this.running = { seq, done };
    return done;
  }

  /** Never rejects: background refreshes are not awaited, and a bad document is an outage like any other. */
  private async fetch(): Promise<boolean> {
    let doc: JSONWebKeySet;
    let set: LocalSet;
    const started = performance.now();
    const observe = (ok: boolean): void => this.opts.onFetch?.(ok, (performance.now() - started) / 1000);
    try {
      doc = await fetchJwks(this.opts.endpoint, { timeout: this.timeout, ca: this.opts.ca });
      set = createLocalJWKSet(doc);
    } catch (err) {
      observe(false);
      this.opts.log.warn({ endpoint: this.opts.endpoint, err: err instanceof Error ? err.message : String(err), cached: this.set !== undefined }, 'JWKS fetch failed');
      return false;
    }
    observe(true);
    this.set = set;
    this.fetchedAt = this.opts.clock.now();
    this.opts.log.debug({ endpoint: this.opts.endpoint, keys: doc.keys.length }, 'JWKS loaded');
    return true;
  }
}
