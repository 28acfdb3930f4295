import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { signingKey, signWith, type SigningKey } from './jwks-server.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Tokens an attacker can make without the IdP's private key, each with claims a verifier that
 * skipped the signature would accept: only the signature (or its absence) gives them away.
 * `claims` are what a genuine token carries; `grant` is what the attacker adds to the tampered one.
 */
export async function forgeries(published: SigningKey, claims: JWTPayload, grant: JWTPayload = {}): Promise<Array<{ name: string; token: string }>> {
  const attacker = await signingKey(published.kid, published.alg);
  const [header, , signature] = (await signWith(published, claims)).split('.');
  // The classic confusion: the published public key, as PEM, used as an HMAC secret.
  // jose's JWK and node's JsonWebKey describe the same JSON object.
  const pem = createPublicKey({ key: published.jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  return [
    { name: "the attacker's own key under a published kid", token: await signWith(attacker, claims) },
    { name: 'a genuine token whose payload was replaced', token: `${header}.${b64({ ...claims, ...grant })}.${signature}` },
    {
      name: 'HS256 with the public key as the secret, under a published kid',
      token: await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: published.kid }).sign(Buffer.from(pem)),
    },
    { name: 'alg none under a published kid', token: `${b64({ alg: 'none', typ: 'JWT', kid: published.kid })}.${b64(claims)}.` },
  ];
}
