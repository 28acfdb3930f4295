import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { Clock } from '../lib/index.js';
import { JwksKeySource, type JwksFetchObserver } from './jwks.js';
import { TokenError } from './token-error.js';

export interface BearerAuthOptions {
  endpoint: string;
  /** Checked only when set. */
  audience: string;
  issuer: string;
  /** Required scope: must appear in the token's `scope` claim (space-separated string or array). */
  scope: string;
  ca?: string;
  clock: Clock;
  log: Logger;
  onJwksFetch?: JwksFetchObserver;
}

/**
 * `claims` are the verified token's, for callers that map identities or roles from them.
 * 503 means the keys could not be had (JWKS unreachable): retry after `retryAfter` seconds.
 */
export type BearerOutcome =
  | { ok: true; subject: string; claims: JWTPayload }
  | { ok: false; status: 401 | 403; message: string }
  | { ok: false; status: 503; message: string; retryAfter: number };

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function scopes(p: JWTPayload): string[] {
  const s = p.scope ?? p.scp;
  if (typeof s === 'string') return s.split(' ').filter(Boolean);
  return Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string') : [];
}

/** Verifies `Authorization: Bearer <JWT>` for the server API against an IdP's JWKS. */
export class BearerVerifier {
  /** Where the keys come from (readiness reports on it). */
  readonly jwks: JwksKeySource;

  constructor(private readonly opts: BearerAuthOptions) {
    this.jwks = new JwksKeySource({ endpoint: opts.endpoint, clock: opts.clock, log: opts.log.child({ component: 'api_jwks' }), ca: opts.ca, onFetch: opts.onJwksFetch });
  }

  async verify(token: string): Promise<BearerOutcome> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks.getKey, {
        algorithms: ALGORITHMS,
        audience: this.opts.audience || undefined,
        issuer: this.opts.issuer || undefined,
        currentDate: new Date(this.opts.clock.now()),
      }));
    } catch (err) {
      // Not the caller's fault: a 401 would tell a backend its credentials are bad.
      if (err instanceof TokenError && err.kind === 'unavailable') {
        return { ok: false, status: 503, message: `cannot verify Bearer token now: ${err.message}`, retryAfter: Math.max(1, Math.ceil(this.jwks.minFetchInterval / 1000)) };
      }
      const reason =
        err instanceof joseErrors.JWTExpired
          ? 'token expired'
          : err instanceof joseErrors.JWTClaimValidationFailed
            ? `token ${err.claim} does not match`
            : err instanceof TokenError
              ? err.message
              : 'invalid token';
      return { ok: false, status: 401, message: `invalid Bearer token: ${reason}` };
    }
    if (this.opts.scope && !scopes(payload).includes(this.opts.scope)) {
      return { ok: false, status: 403, message: `token lacks the required scope "${this.opts.scope}"` };
    }
    return { ok: true, subject: payload.sub ?? '', claims: payload };
  }
}
