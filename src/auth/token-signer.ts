import { SignJWT, type JWTPayload } from 'jose';

export interface ConnectionTokenSpec {
  user: string;
  /** Lifetime in seconds; 0 = no `exp`. */
  ttl: number;
  channels?: string[];
  info?: unknown;
  tokenId?: string;
  /** Unix seconds used as `iat`. */
  now: number;
}

/** Signs a Parsec/Centrifugo connection token (HS256) with an HMAC secret. */
export async function signHmacConnectionToken(secret: string, spec: ConnectionTokenSpec): Promise<string> {
  const claims: JWTPayload = { sub: spec.user, iat: spec.now };
  if (spec.ttl > 0) claims.exp = spec.now + spec.ttl;
  if (spec.channels && spec.channels.length > 0) claims.channels = spec.channels;
  if (spec.info !== undefined) claims.info = spec.info;
  if (spec.tokenId) claims.jti = spec.tokenId;
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(Buffer.from(secret));
}
