import { createPrivateKey, type KeyObject } from 'node:crypto';
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
  /** Further claims (`act` of a delegated token, `topicAcl` of a device credential); never overrides the ones above. */
  extra?: Record<string, unknown>;
}

/** A key to sign connection tokens with, and the algorithm it signs. */
export interface SigningKey {
  alg: string;
  key: KeyObject | Uint8Array;
}

/** An error in a signing key given by the operator; `key` is the config key it came from. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
  readonly code = 'PARSEC_SIGNING_KEY_INVALID';
}

export function hmacSigningKey(secret: string): SigningKey {
  return { alg: 'HS256', key: Buffer.from(secret) };
}

const CURVE_ALGS: Readonly<Record<string, string>> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/** A PEM private key (RSA → RS256, EC → ES256/384/512 by curve, Ed25519 → EdDSA). */
export function privateSigningKey(pem: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new SigningKeyError('not a PEM private key', { cause: err });
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return { alg: 'RS256', key };
  if (type === 'ed25519') return { alg: 'EdDSA', key };
  const alg = type === 'ec' ? CURVE_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!alg) throw new SigningKeyError(`unsupported private key type ${type ?? 'unknown'} (use RSA, EC P-256/384/521 or Ed25519)`);
  return { alg, key };
}

/** Signs a Parsec/Centrifugo connection token. */
export async function signConnectionToken(signing: SigningKey, spec: ConnectionTokenSpec): Promise<string> {
  const claims: JWTPayload = { ...spec.extra, sub: spec.user, iat: spec.now };
  if (spec.ttl > 0) claims.exp = spec.now + spec.ttl;
  if (spec.channels && spec.channels.length > 0) claims.channels = spec.channels;
  if (spec.info !== undefined) claims.info = spec.info;
  if (spec.tokenId) claims.jti = spec.tokenId;
  return new SignJWT(claims).setProtectedHeader({ alg: signing.alg, typ: 'JWT' }).sign(signing.key);
}

/** Signs a connection token (HS256) with an HMAC secret. */
export function signHmacConnectionToken(secret: string, spec: ConnectionTokenSpec): Promise<string> {
  return signConnectionToken(hmacSigningKey(secret), spec);
}
