import { SignJWT, type JWTPayload } from 'jose';
import { SECRET } from './server.js';

/** Signs claims with the test secret (HS256 unless another alg is given). */
export function sign(claims: JWTPayload, secret = SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(Buffer.from(secret));
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);

export function connToken(user: string, extra: JWTPayload = {}): Promise<string> {
  return sign({ sub: user, exp: nowSec() + 3600, ...extra });
}

export function subToken(user: string, channel: string, extra: JWTPayload = {}): Promise<string> {
  return sign({ sub: user, channel, exp: nowSec() + 3600, ...extra });
}
