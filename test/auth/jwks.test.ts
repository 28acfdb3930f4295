import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { BearerVerifier, JwksKeySource, TokenError, TokenVerifier } from '../../src/auth/index.js';
import { defaultConfig } from '../../src/config/index.js';
import { systemClock, type Clock } from '../../src/lib/index.js';
import { JwksServer, signingKey, signWith, type SigningKey } from '../helpers/jwks-server.js';
import { nowSec, sign } from '../helpers/tokens.js';

const log = pino({ level: 'silent' });

describe('JWKS key source', () => {
  let idp: JwksServer;
  let k1: SigningKey;
  let k2: SigningKey;

  before(async () => {
    idp = await new JwksServer().start();
    k1 = await signingKey('k1');
    k2 = await signingKey('k2');
    idp.keys = [k1];
  });
  after(() => idp.close());

  const tokens = (clock: Clock = systemClock, extra: Partial<ReturnType<typeof defaultConfig>['client']['token']> = {}) =>
    new TokenVerifier({ ...defaultConfig().client.token, jwksPublicEndpoint: idp.url, ...extra }, clock, log);

  it('verifies RS256, ES256 and EdDSA tokens by kid, and picks up rotation on an unknown kid', async () => {
    const es = await signingKey('es', 'ES256');
    const ed = await signingKey('ed', 'EdDSA');
    idp.keys = [k1, es, ed];
    let now = Date.now();
    const v = tokens({ now: () => now });
    for (const k of [k1, es, ed]) assert.equal((await v.verifyConnection(await signWith(k, { sub: `u-${k.kid}` }))).user, `u-${k.kid}`);
    idp.keys = [k1, k2];
    now += 31_000; // past the refetch cooldown
    assert.equal((await v.verifyConnection(await signWith(k2, { sub: 'rotated' }))).user, 'rotated');
  });

  it('refetches at most once per cooldown for unknown kids', async () => {
    idp.keys = [k1];
    const source = new JwksKeySource({ endpoint: idp.url, clock: systemClock, log, cooldown: 60_000 });
    await source.getKey({ alg: 'RS256', kid: 'k1' }, { payload: '', signature: '' });
    const before = idp.hits;
    for (let i = 0; i < 20; i++) {
      await assert.rejects(source.getKey({ alg: 'RS256', kid: `bogus-${i}` }, { payload: '', signature: '' }));
    }
    assert.ok(idp.hits - before <= 1, `fetched ${idp.hits - before} times`);
  });

  it('keeps verifying with cached keys while the endpoint is down', async () => {
    idp.keys = [k1];
    let now = Date.now();
    const clock: Clock = { now: () => now };
    const v = tokens(clock);
    const token = await signWith(k1, { sub: 'cached' });
    await v.verifyConnection(token);
    idp.up = false;
    now += 60 * 60_000; // past the refresh interval: the refresh fails, the cache stays
    assert.equal((await v.verifyConnection(token)).user, 'cached');
    idp.up = true;
  });

  it('reports an unreachable endpoint with nothing cached as unavailable (clients retry)', async () => {
    idp.up = false;
    const v = tokens();
    await assert.rejects(v.verifyConnection(await signWith(k1, { sub: 'x' })), (e: TokenError) => e.kind === 'unavailable');
    idp.up = true;
  });

  it('never accepts an HMAC token or alg none against a JWKS', async () => {
    idp.keys = [k1];
    const v = tokens();
    await assert.rejects(v.verifyConnection(await sign({ sub: 'x' })), (e: TokenError) => e.kind === 'invalid');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    await assert.rejects(v.verifyConnection(none), (e: TokenError) => e.kind === 'invalid');
  });

  it('maps Supabase and Keycloak style claims through user_id_claim, audience and issuer', async () => {
    idp.keys = [k1];
    const supabase = tokens(systemClock, { audience: 'authenticated' });
    const claims = await supabase.verifyConnection(await signWith(k1, { sub: 'uuid-1', role: 'authenticated', aud: 'authenticated', email: 'a@b.c', exp: nowSec() + 60 }));
    assert.equal(claims.user, 'uuid-1');
    await assert.rejects(supabase.verifyConnection(await signWith(k1, { sub: 'uuid-1', aud: 'other' })), (e: TokenError) => e.kind === 'invalid');
    const keycloak = tokens(systemClock, { userIdClaim: 'preferred_username', issuer: 'https://kc/realms/r' });
    const kc = await keycloak.verifyConnection(await signWith(k1, { sub: 's', preferred_username: 'alice', azp: 'web', iss: 'https://kc/realms/r', realm_access: { roles: ['x'] } }));
    assert.equal(kc.user, 'alice');
    await assert.rejects(keycloak.verifyConnection(await signWith(k1, { preferred_username: 'alice', iss: 'https://evil' })), (e: TokenError) => e.kind === 'invalid');
  });
});

describe('Bearer verifier for the server API', () => {
  let idp: JwksServer;
  let k: SigningKey;
  let v: BearerVerifier;

  before(async () => {
    idp = await new JwksServer().start();
    k = await signingKey('api');
    idp.keys = [k];
    v = new BearerVerifier({ endpoint: idp.url, audience: 'parsec', issuer: 'https://idp', scope: 'parsec:api', clock: systemClock, log });
  });
  after(() => idp.close());

  const good = { aud: 'parsec', iss: 'https://idp', sub: 'svc' };

  it('accepts the scope as a space-separated string or an array', async () => {
    assert.deepEqual(await v.verify(await signWith(k, { ...good, scope: 'read parsec:api' })), { ok: true, subject: 'svc', claims: { ...good, scope: 'read parsec:api' } });
    assert.deepEqual(await v.verify(await signWith(k, { ...good, scope: ['parsec:api'] })), { ok: true, subject: 'svc', claims: { ...good, scope: ['parsec:api'] } });
  });

  it('answers 403 without the scope and 401 for bad audience, issuer or expiry', async () => {
    const noScope = await v.verify(await signWith(k, { ...good, scope: 'read' }));
    assert.equal(noScope.ok ? 0 : noScope.status, 403);
    for (const claims of [{ ...good, aud: 'x' }, { ...good, iss: 'x' }, { ...good, exp: nowSec() - 60 }]) {
      const r = await v.verify(await signWith(k, { ...claims, scope: 'parsec:api' }));
      assert.equal(r.ok ? 0 : r.status, 401);
    }
  });
});
