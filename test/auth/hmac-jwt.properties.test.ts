import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { errors as joseErrors, jwtVerify } from 'jose';
import { checkClaims, verifyHmacSignature } from '../../src/auth/hmac-jwt.js';
import { checkProperty } from '../helpers/property.js';

/**
 * The synchronous HMAC path against jose, the oracle: for tokens good, tampered, expired,
 * oddly encoded or oddly shaped, it either hands the token to jose or reaches jose's verdict.
 */

const NOW = 1_800_000_000_000;
const nowS = NOW / 1000;
const HASH: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const b64 = (s: string): string => Buffer.from(s).toString('base64url');

const numericDate = fc.oneof(fc.integer({ min: nowS - 100, max: nowS + 100 }), fc.constantFrom<unknown>('soon', null, nowS + 0.5, nowS));
const claims = fc.record(
  {
    sub: fc.constantFrom<unknown>('u1', '', 5),
    exp: numericDate,
    nbf: numericDate,
    iat: numericDate,
    iss: fc.constantFrom<unknown>('idp', 'other', 7),
    aud: fc.constantFrom<unknown>('api', ['api', 'x'], ['x'], [], 3),
    jti: fc.constantFrom('j1'),
  },
  { requiredKeys: [] },
);

const header = fc.oneof(
  { weight: 6, arbitrary: fc.record({ alg: fc.constantFrom('HS256', 'HS384', 'HS512'), typ: fc.constantFrom(undefined, 'JWT') }) },
  fc.record({ alg: fc.constantFrom('HS256'), crit: fc.constant(['exp']), exp: fc.constant(1) }),
  fc.record({ alg: fc.constantFrom('HS256'), b64: fc.constant(false), crit: fc.constant(['b64']) }),
  fc.record({ alg: fc.constantFrom('none', 'RS256', 'hs256') }),
);

// pad-head / pad-body: a segment with base64 padding, signed as it is (jose refuses the encoding).
type Mutation = 'none' | 'tamper-body' | 'tamper-sig' | 'long-sig' | 'wrong-secret' | 'extra-dot' | 'padding' | 'array-body' | 'bad-utf8' | 'swap-alg' | 'pad-head' | 'pad-body' | 'null-body' | 'string-body';
const mutation = fc.constantFrom<Mutation>('none', 'none', 'none', 'tamper-body', 'tamper-sig', 'long-sig', 'wrong-secret', 'extra-dot', 'padding', 'array-body', 'bad-utf8', 'swap-alg', 'pad-head', 'pad-body', 'null-body', 'string-body');

function sign(h: Record<string, unknown>, bodyB64: string, secret: string, headSuffix = ''): string {
  const head = b64(JSON.stringify(h)) + headSuffix;
  const hash = HASH[String(h.alg)] ?? 'sha256';
  return `${head}.${bodyB64}.${createHmac(hash, secret).update(`${head}.${bodyB64}`).digest('base64url')}`;
}

function build(h: Record<string, unknown>, c: Record<string, unknown>, secret: string, m: Mutation): string {
  let body = b64(JSON.stringify(c));
  if (m === 'array-body') body = b64('[1,2]');
  if (m === 'null-body') body = b64('null');
  if (m === 'string-body') body = b64('"sub"');
  if (m === 'bad-utf8') body = Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url');
  if (m === 'pad-body') body += '=';
  const token = sign(h, body, m === 'wrong-secret' ? `${secret}x` : secret, m === 'pad-head' ? '=' : '');
  const [a, p, s] = token.split('.') as [string, string, string];
  switch (m) {
    case 'tamper-body': return `${a}.${b64(JSON.stringify({ ...c, sub: 'admin' }))}.${s}`;
    case 'tamper-sig': return `${a}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    case 'long-sig': return `${token}A`;
    case 'extra-dot': return `${token}.`;
    case 'padding': return `${token}=`;
    case 'swap-alg': return `${b64(JSON.stringify({ ...h, alg: h.alg === 'HS256' ? 'HS512' : 'HS256' }))}.${p}.${s}`;
    default: return token;
  }
}

/** A verdict both sides can give: ok, or jose's error code (and claim) with its message, which reaches the client. */
function verdict(err: unknown): string {
  if (err instanceof joseErrors.JWTClaimValidationFailed || err instanceof joseErrors.JWTExpired) return `${err.code}:${err.claim}:${err.reason}: ${err.message}`;
  if (err instanceof joseErrors.JOSEError) return `${err.code}: ${err.message}`;
  throw err;
}

async function viaJose(token: string, secret: string, o: { audience?: string; issuer?: string }): Promise<string> {
  try {
    await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256', 'HS384', 'HS512'], currentDate: new Date(NOW), ...o });
    return 'ok';
  } catch (err) {
    return verdict(err);
  }
}

function viaFastPath(token: string, secret: string, o: { audience?: string; issuer?: string }): string | undefined {
  try {
    const out = verifyHmacSignature(token, new TextEncoder().encode(secret));
    if (!out) return undefined;
    checkClaims(out.payload, { audience: o.audience, issuer: o.issuer, now: NOW });
    return 'ok';
  } catch (err) {
    return verdict(err);
  }
}

describe('HMAC fast path', () => {
  it('reaches jose\'s verdict on every token it does not hand over', async () => {
    let decided = 0;
    let runs = 0;
    await checkProperty(
      fc.asyncProperty(
        header, claims, mutation, fc.constantFrom('secret', 'another-longer-secret-0123456789'),
        fc.record({ audience: fc.constantFrom('api', 'x'), issuer: fc.constantFrom('idp') }, { requiredKeys: [] }),
        async (h, c, m, secret, o) => {
          runs++;
          const token = build(h, c, secret, m);
          const fast = viaFastPath(token, secret, o);
          if (fast === undefined) return;
          decided++;
          assert.equal(fast, await viaJose(token, secret, o), `${m} ${token}`);
        },
      ),
      2000,
    );
    assert.ok(decided > runs / 5, `the fast path decided ${decided} of ${runs} tokens`);
  });
});
