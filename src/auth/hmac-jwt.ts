import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, type JWTPayload } from 'jose';

/**
 * HMAC JWT verification on node:crypto, synchronously. jose verifies HMAC through
 * WebCrypto, an asynchronous job per token that dominated the cost of a connect storm;
 * here the signature is one createHmac call. Only plain tokens with a good signature are
 * decided here: three base64url segments, a JSON header without `crit`/`b64`, a signature
 * equal to the canonical one. Anything else (a wrong or oddly spelled signature included)
 * returns `undefined` and goes to jose, so every refusal of a signature is jose's. Claim checks mirror jose's `validateClaimsSet` for the options Parsec uses
 * (audience, issuer, current date, no tolerance) and throw jose's own errors, so callers
 * map failures in one place.
 */

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const HASHES: Readonly<Record<string, string>> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

export interface HmacClaimOptions {
  audience: string | undefined;
  issuer: string | undefined;
  /** Current time, ms. */
  now: number;
}

/** The claims of a plain token whose signature the secret made, or undefined: ask jose. */
export type HmacOutcome = { payload: JWTPayload } | undefined;

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The last header segment decoded: an issuer's tokens share one header, decoded once. */
let lastHeader: { segment: string; value: Record<string, unknown> | undefined } = { segment: '', value: undefined };

function headerObject(segment: string): Record<string, unknown> | undefined {
  if (segment !== lastHeader.segment) lastHeader = { segment, value: jsonObject(segment) };
  return lastHeader.value;
}

/** Checks the signature of an HS256/384/512 token; claims are not looked at (see `checkClaims`). */
export function verifyHmacSignature(token: string, secret: Uint8Array): HmacOutcome {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const header = token.slice(0, first);
  const body = token.slice(first + 1, second);
  const signature = token.slice(second + 1);
  if (!SEGMENT.test(header) || !SEGMENT.test(body) || !SEGMENT.test(signature)) return undefined;
  const h = headerObject(header);
  if (!h || h.crit !== undefined || h.b64 !== undefined) return undefined;
  const hash = typeof h.alg === 'string' ? HASHES[h.alg] : undefined;
  if (!hash) return undefined;
  const expected = createHmac(hash, secret).update(token.slice(0, second)).digest('base64url');
  // Only the canonical encoding matches; any other spelling is left to jose.
  const ok = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  if (!ok) return undefined;
  const payload = jsonObject(body);
  if (!payload) throw new joseErrors.JWTInvalid('JWT Claims Set must be a top-level JSON object');
  return { payload: payload as JWTPayload };
}

function numericDate(p: JWTPayload, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const v = p[claim];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new joseErrors.JWTClaimValidationFailed(`"${claim}" claim must be a number`, p, claim, 'invalid');
  return v;
}

/** jose's claim checks for the options Parsec passes it, with jose's errors. */
export function checkClaims(p: JWTPayload, o: HmacClaimOptions): JWTPayload {
  if (o.issuer !== undefined) {
    if (!Object.hasOwn(p, 'iss')) throw new joseErrors.JWTClaimValidationFailed('missing required "iss" claim', p, 'iss', 'missing');
  }
  if (o.audience !== undefined) {
    if (!Object.hasOwn(p, 'aud')) throw new joseErrors.JWTClaimValidationFailed('missing required "aud" claim', p, 'aud', 'missing');
  }
  if (o.issuer !== undefined && p.iss !== o.issuer) throw new joseErrors.JWTClaimValidationFailed('unexpected "iss" claim value', p, 'iss', 'check_failed');
  if (o.audience !== undefined) {
    const aud = p.aud;
    const present = typeof aud === 'string' ? aud === o.audience : Array.isArray(aud) ? aud.includes(o.audience) : false;
    if (!present) throw new joseErrors.JWTClaimValidationFailed('unexpected "aud" claim value', p, 'aud', 'check_failed');
  }
  const now = Math.floor(o.now / 1000);
  numericDate(p, 'iat');
  const nbf = numericDate(p, 'nbf');
  if (nbf !== undefined && nbf > now) throw new joseErrors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', p, 'nbf', 'check_failed');
  const exp = numericDate(p, 'exp');
  if (exp !== undefined && exp <= now) throw new joseErrors.JWTExpired('"exp" claim timestamp check failed', p, 'exp', 'check_failed');
  return p;
}
