import { createPublicKey, webcrypto } from 'node:crypto';
import { decodeJwt, errors as joseErrors, importSPKI, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import type { TokenConfig } from '../config/types.js';
import type { Logger } from 'pino';
import type { Clock } from '../lib/index.js';
import { checkClaims, verifyHmacSignature } from './hmac-jwt.js';
import { JwksKeySource, type JwksFetchObserver } from './jwks.js';
import { connectionClaims, subscriptionClaims, type ConnectionClaims, type SubscriptionClaims } from './claims.js';
import { TokenError } from './token-error.js';

/**
 * A configured key and the only algorithms it may verify (no algorithm confusion, no
 * `none`). WebCrypto keys are imported once per algorithm: jose would otherwise convert
 * the key on every verification, which dominated the cost of a connect.
 */
interface VerificationKey {
  algorithms: string[];
  cryptoKey(alg: string): Promise<CryptoKey>;
  /** The raw secret of an HMAC key, which plain tokens verify with synchronously (hmac-jwt.ts). */
  secret?: Uint8Array;
}

function verificationKey(algorithms: string[], importKey: (alg: string) => Promise<CryptoKey>, secret?: Uint8Array): VerificationKey {
  const cache = new Map<string, Promise<CryptoKey>>();
  return {
    algorithms,
    secret,
    cryptoKey(alg) {
      let key = cache.get(alg);
      if (!key) {
        key = importKey(alg);
        cache.set(alg, key);
      }
      return key;
    },
  };
}

function pemKey(pem: string, algorithms: string[]): VerificationKey {
  createPublicKey(pem); // fails at start, not at the first connect, for a malformed PEM
  return verificationKey(algorithms, (alg) => importSPKI(pem, alg));
}

const HMAC = ['HS256', 'HS384', 'HS512'];

function hmacKey(secret: string): VerificationKey {
  const raw = new TextEncoder().encode(secret);
  return verificationKey(
    HMAC,
    (alg) => webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, ['verify']) as Promise<CryptoKey>,
    raw,
  );
}

function keysFrom(cfg: TokenConfig): VerificationKey[] {
  const keys: VerificationKey[] = [];
  if (cfg.hmacSecretKey) keys.push(hmacKey(cfg.hmacSecretKey));
  if (cfg.rsaPublicKey) keys.push(pemKey(cfg.rsaPublicKey, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']));
  if (cfg.ecdsaPublicKey) keys.push(pemKey(cfg.ecdsaPublicKey, ['ES256', 'ES384', 'ES512']));
  if (cfg.ed25519PublicKey) keys.push(pemKey(cfg.ed25519PublicKey, ['EdDSA']));
  return keys;
}

/** Algorithms a JWKS key may verify: public-key ones only, never HMAC. */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * The last header segment read and its `alg`: an issuer's tokens share one header, so a
 * connect storm decodes it once rather than once per token.
 */
let lastHeader = { segment: '', alg: '' };

function algOf(token: string): string {
  const dot = token.indexOf('.');
  const segment = dot < 0 ? token : token.slice(0, dot);
  if (segment === lastHeader.segment) return lastHeader.alg;
  let alg = '';
  try {
    const header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as { alg?: unknown };
    alg = typeof header.alg === 'string' ? header.alg : '';
  } catch {
    alg = '';
  }
  lastHeader = { segment, alg };
  return alg;
}

/**
 * Verifies connection and subscription JWTs against the configured keys: signature,
 * `exp`/`nbf`, and `aud`/`iss` when configured, then maps claims.
 */
export class TokenVerifier {
  private readonly keys: VerificationKey[];
  /** The HMAC secret being rotated out (`hmac_previous_secret_key`), and until when (ms; Infinity = no end). */
  private readonly previousHmac: { key: VerificationKey; until: number } | undefined;
  /** The JWKS key source when `jwks_public_endpoint` is set (readiness reports on it). */
  readonly jwks: JwksKeySource | undefined;
  private readonly audienceRegex: RegExp | undefined;
  private readonly issuerRegex: RegExp | undefined;

  constructor(
    private readonly cfg: TokenConfig,
    private readonly clock: Clock,
    log: Logger,
    /** Extra CA certificates (PEM) for an HTTPS JWKS endpoint. */
    jwksCa?: string,
    onJwksFetch?: JwksFetchObserver,
    /**
     * `client.insecure_skip_token_signature_verify`: any signature (or none) passes, the
     * claims are checked as usual. For testing only; the server warns at start.
     */
    private readonly skipSignature = false,
  ) {
    this.keys = keysFrom(cfg);
    if (cfg.hmacPreviousSecretKey) {
      const validUntil = cfg.hmacPreviousSecretKeyValidUntil;
      // Centrifugo compares whole seconds (now > valid_until refuses), so the last valid
      // moment is the end of that second.
      this.previousHmac = { key: hmacKey(cfg.hmacPreviousSecretKey), until: validUntil > 0 ? validUntil * 1000 + 999 : Infinity };
    }
    if (cfg.jwksPublicEndpoint) {
      this.jwks = new JwksKeySource({ endpoint: cfg.jwksPublicEndpoint, clock, log: log.child({ component: 'jwks' }), ca: jwksCa, onFetch: onJwksFetch });
    }
    this.audienceRegex = cfg.audienceRegex ? new RegExp(cfg.audienceRegex) : undefined;
    this.issuerRegex = cfg.issuerRegex ? new RegExp(cfg.issuerRegex) : undefined;
  }

  /** Whether tokens are judged: a key is configured, or signatures are not checked. Otherwise every token is refused. */
  get configured(): boolean {
    return this.skipSignature || this.keys.length > 0 || this.previousHmac !== undefined || this.jwks !== undefined;
  }

  async verifyConnection(token: string): Promise<ConnectionClaims> {
    return connectionClaims(await this.verify(token), this.cfg.userIdClaim || 'sub', this.cfg.infoClaims);
  }

  /**
   * `verifyConnection` without a promise where none is needed: the claims of a token the
   * HMAC fast path judges, else undefined (the token needs `verifyConnection`). Throws what
   * `verifyConnection` would reject with.
   */
  verifyConnectionNow(token: string): ConnectionClaims | undefined {
    if (this.skipSignature) return connectionClaims(this.unsigned(token), this.cfg.userIdClaim || 'sub', this.cfg.infoClaims);
    const { key, previous, options } = this.plan(token);
    const payload = key?.secret ? this.verifyHmac(token, key, previous, options) : undefined;
    return payload && connectionClaims(payload, this.cfg.userIdClaim || 'sub', this.cfg.infoClaims);
  }

  async verifySubscription(token: string): Promise<SubscriptionClaims> {
    return subscriptionClaims(await this.verify(token), this.cfg.userIdClaim || 'sub');
  }

  /** Which key judges the token, and how; throws when none can. */
  private plan(token: string) {
    const alg = algOf(token);
    const now = this.clock.now();
    const previous = this.previousHmac && now <= this.previousHmac.until && HMAC.includes(alg) ? this.previousHmac.key : undefined;
    const key = this.keys.find((k) => k.algorithms.includes(alg)) ?? previous;
    const jwks = !key && this.jwks && ASYMMETRIC.includes(alg) ? this.jwks : undefined;
    if (!key && !jwks) throw new TokenError('invalid', alg ? `no key configured for algorithm ${alg}` : 'malformed token');
    const options = {
      algorithms: key ? key.algorithms : ASYMMETRIC,
      audience: this.cfg.audience || undefined,
      issuer: this.cfg.issuer || undefined,
      currentDate: new Date(now),
    };
    return { alg, previous, key, jwks, options };
  }

  private async verify(token: string): Promise<JWTPayload> {
    if (this.skipSignature) return this.unsigned(token);
    const { alg, previous, key, jwks, options } = this.plan(token);
    if (key?.secret) {
      const fast = this.verifyHmac(token, key, previous, options);
      if (fast) return fast;
    }
    let payload: JWTPayload;
    try {
      ({ payload } = key ? await jwtVerify(token, await key.cryptoKey(alg), options) : await jwtVerify(token, jwks!.getKey, options));
    } catch (err) {
      // During a rotation, a signature the current secret refuses gets a second try with the
      // previous one (current first: once clients have new tokens that is the common case).
      if (previous && key !== previous && err instanceof joseErrors.JWSSignatureVerificationFailed) {
        try {
          ({ payload } = await jwtVerify(token, await previous.cryptoKey(alg), options));
          return this.checkRegexes(payload);
        } catch (prevErr) {
          if (!(prevErr instanceof joseErrors.JWSSignatureVerificationFailed)) throw tokenError(prevErr);
        }
      }
      throw tokenError(err);
    }
    return this.checkRegexes(payload);
  }

  /**
   * The synchronous path for plain HMAC tokens, with the same outcomes as jose's; undefined
   * when jose must judge the token (not plain, or a signature neither secret made).
   */
  private verifyHmac(token: string, key: VerificationKey, previous: VerificationKey | undefined, options: { currentDate: Date }): JWTPayload | undefined {
    try {
      // During a rotation, a token the current secret did not sign may be the previous one's.
      const outcome = verifyHmacSignature(token, key.secret!) ?? (previous?.secret && key !== previous ? verifyHmacSignature(token, previous.secret) : undefined);
      if (!outcome) return undefined;
      return this.claimsChecked(outcome.payload, options.currentDate.getTime());
    } catch (err) {
      throw tokenError(err);
    }
  }

  /** The claims of a token whose signature is not looked at, checked as a signed token's are. */
  private unsigned(token: string): JWTPayload {
    try {
      return this.claimsChecked(decodeJwt(token), this.clock.now());
    } catch (err) {
      throw tokenError(err);
    }
  }

  /** The checks jose makes besides the signature (exp, nbf, aud, iss), then the regexes; for tokens jose does not judge. */
  private claimsChecked(payload: JWTPayload, now: number): JWTPayload {
    return this.checkRegexes(checkClaims(payload, { audience: this.cfg.audience || undefined, issuer: this.cfg.issuer || undefined, now }));
  }

  private checkRegexes(payload: JWTPayload): JWTPayload {
    if (this.audienceRegex && !audiences(payload).some((a) => this.audienceRegex!.test(a))) {
      throw new TokenError('invalid', 'audience does not match');
    }
    if (this.issuerRegex && !this.issuerRegex.test(payload.iss ?? '')) throw new TokenError('invalid', 'issuer does not match');
    return payload;
  }
}

/** What a failed jose verification means to the caller. */
function tokenError(err: unknown): TokenError {
  if (err instanceof TokenError) return err;
  if (err instanceof joseErrors.JWTExpired) return new TokenError('expired', 'token expired', { cause: err });
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') {
    return new TokenError('expired', 'token not yet valid', { cause: err });
  }
  return new TokenError('invalid', err instanceof Error ? err.message : 'invalid token', { cause: err });
}

function audiences(p: JWTPayload): string[] {
  if (typeof p.aud === 'string') return [p.aud];
  return Array.isArray(p.aud) ? p.aud : [];
}
