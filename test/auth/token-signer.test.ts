import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { SigningKeyError, hmacSigningKey, privateSigningKey, signConnectionToken } from '../../src/auth/index.js';

const spec = { user: 'alice', ttl: 60, channels: ['a'], tokenId: 'j1', now: Math.floor(Date.now() / 1000), extra: { act: { sub: 'svc' }, sub: 'ignored' } };

describe('connection token signing', () => {
  it('signs HS256 with an HMAC secret, extra claims never overriding the standard ones', async () => {
    const token = await signConnectionToken(hmacSigningKey('s3cret'), spec);
    const { payload, protectedHeader } = await jwtVerify(token, Buffer.from('s3cret'));
    assert.equal(protectedHeader.alg, 'HS256');
    assert.deepEqual(payload, { sub: 'alice', iat: spec.now, exp: spec.now + 60, channels: ['a'], jti: 'j1', act: { sub: 'svc' } });
  });

  for (const [what, pair, pem, alg] of [
    ['RSA (PKCS#1 PEM)', generateKeyPairSync('rsa', { modulusLength: 2048 }), 'pkcs1', 'RS256'],
    ['EC P-384 (SEC1 PEM)', generateKeyPairSync('ec', { namedCurve: 'secp384r1' }), 'sec1', 'ES384'],
    ['Ed25519', generateKeyPairSync('ed25519'), 'pkcs8', 'EdDSA'],
  ] as const) {
    it(`signs ${alg} with an ${what} private key`, async () => {
      const key = privateSigningKey(pair.privateKey.export({ type: pem, format: 'pem' }).toString());
      assert.equal(key.alg, alg);
      const { payload } = await jwtVerify(await signConnectionToken(key, spec), pair.publicKey);
      assert.equal(payload.sub, 'alice');
    });
  }

  it('refuses what is not a usable private key', () => {
    assert.throws(() => privateSigningKey('nope'), SigningKeyError);
    const x448 = generateKeyPairSync('x448').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => privateSigningKey(x448), /unsupported private key type x448/);
  });
});
