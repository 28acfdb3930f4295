import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { SignJWT, importPKCS8, type CryptoKey, type JWTPayload } from 'jose';

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

/**
 * A key to sign connection tokens with, and the algorithm it signs. The WebCrypto key is
 * imported once, on first use: jose would otherwise import raw bytes on every signature,
 * which doubled the cost of an HS256 token.
 */
export interface SigningKey {
  alg: string;
  cryptoKey(): Promise<CryptoKey>;
}

function once(load: () => Promise<CryptoKey>): () => Promise<CryptoKey> {
  let key: Promise<CryptoKey> | undefined;
  return () => (key ??= load());
}

/** An error in a signing key given by the operator; `key` is the config key it came from. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
  readonly code = 'PARSEC_SIGNING_KEY_INVALID';
}

export function hmacSigningKey(secret: string): SigningKey {
  const raw = Buffer.from(secret);
  // node:crypto's webcrypto key is the same WebCrypto CryptoKey jose takes; the types differ only by origin.
  return { alg: 'HS256', cryptoKey: once(() => webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) as Promise<CryptoKey>) };
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
  const alg = type === 'rsa' ? 'RS256' : type === 'ed25519' ? 'EdDSA' : type === 'ec' ? CURVE_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!alg) throw new SigningKeyError(`unsupported private key type ${type ?? 'unknown'} (use RSA, EC P-256/384/521 or Ed25519)`);
  // PKCS#8 whatever the PEM was (PKCS#1 RSA and SEC1 EC keys included): that is what WebCrypto imports.
  const pkcs8 = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { alg, cryptoKey: once(() => importPKCS8(pkcs8, alg)) };
}

/** Signs a Parsec/Centrifugo connection token. */
export async function signConnectionToken(signing: SigningKey, spec: ConnectionTokenSpec): Promise<string> {
  const claims: JWTPayload = { ...spec.extra, sub: spec.user, iat: spec.now };
  if (spec.ttl > 0) claims.exp = spec.now + spec.ttl;
  if (spec.channels && spec.channels.length > 0) claims.channels = spec.channels;
  if (spec.info !== undefined) claims.info = spec.info;
  if (spec.tokenId) claims.jti = spec.tokenId;
  return new SignJWT(claims).setProtectedHeader({ alg: signing.alg, typ: 'JWT' }).sign(await signing.cryptoKey());
}

/** Signs a connection token (HS256) with an HMAC secret. */
export function signHmacConnectionToken(secret: string, spec: ConnectionTokenSpec): Promise<string> {
  return signConnectionToken(hmacSigningKey(secret), spec);
}
