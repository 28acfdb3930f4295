import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JWK } from 'jose';
import { pino } from 'pino';
import { BearerVerifier, JwksKeySource, TokenError, TokenVerifier } from '../../src/auth/index.js';
import { defaultConfig } from '../../src/config/index.js';
import { systemClock, type Clock } from '../../src/lib/index.js';
import { forgeries } from '../helpers/forgery.js';
import { JwksServer, signingKey, signWith, type SigningKey } from '../helpers/jwks-server.js';
import { nowSec, sign } from '../helpers/tokens.js';
import { until, within } from '../helpers/until.js';

const log = pino({ level: 'silent' });
/** getKey's second argument: the token itself, which key selection by header never reads. */
const NO_TOKEN = { payload: '', signature: '' };

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
    const v = tokens();
    for (const k of [k1, es, ed]) assert.equal((await v.verifyConnection(await signWith(k, { sub: `u-${k.kid}` }))).user, `u-${k.kid}`);
    idp.keys = [k1, k2];
    assert.equal((await v.verifyConnection(await signWith(k2, { sub: 'rotated' }))).user, 'rotated');
  });

  it('accepts a key first used right after a fetch, waiting at most the fetch interval', async (t) => {
    idp.keys = [k1];
    const source = new JwksKeySource({ endpoint: idp.url, clock: systemClock, log, minFetchInterval: 300 });
    await source.getKey({ alg: 'RS256', kid: 'k1' }, NO_TOKEN);
    const before = idp.hits;
    idp.keys = [k2]; // the IdP rotates and signs with the new key at once
    const started = performance.now();
    // The bound is generous: a wait for anything longer than the interval (the refresh) fails it.
    assert.ok(await within(source.getKey({ alg: 'RS256', kid: 'k2' }, NO_TOKEN), 10_000, 'the key after the next fetch'));
    t.diagnostic(`first token after the rotation waited ${(performance.now() - started).toFixed(0)} ms (fetch interval 300 ms)`);
    assert.equal(idp.hits - before, 1);
  });

  it('fetches at once for a key first used an interval or more after the last fetch', async (t) => {
    idp.keys = [k1];
    let now = Date.now();
    // An interval far beyond the bound below: waiting for it instead of fetching at once fails the test.
    const source = new JwksKeySource({ endpoint: idp.url, clock: { now: () => now }, log, minFetchInterval: 60_000 });
    await source.getKey({ alg: 'RS256', kid: 'k1' }, NO_TOKEN);
    const before = idp.hits;
    now += 61_000;
    idp.keys = [k1, k2];
    const started = performance.now();
    assert.ok(await within(source.getKey({ alg: 'RS256', kid: 'k2' }, NO_TOKEN), 10_000, 'the key fetched at once'));
    t.diagnostic(`first token an interval after the last fetch waited ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(idp.hits - before, 1);
  });

  it('finds a key published a moment before use in the fetch already under way', async (t) => {
    idp.keys = [k1];
    let now = Date.now();
    const source = new JwksKeySource({ endpoint: idp.url, clock: { now: () => now }, log, minFetchInterval: 60_000 });
    t.after(() => (idp.latency = 0));
    await source.getKey({ alg: 'RS256', kid: 'k1' }, NO_TOKEN);
    now += 61_000;
    idp.keys = [k1, k2];
    idp.latency = 200;
    const before = idp.hits;
    const forged = assert.rejects(source.getKey({ alg: 'RS256', kid: 'forged' }, NO_TOKEN), (e: TokenError) => e.kind === 'invalid');
    await until(() => idp.hits > before);
    // The forged kid started a fetch; k2, seen while it runs, takes its answer instead of a minute's wait.
    assert.ok(await source.getKey({ alg: 'RS256', kid: 'k2' }, NO_TOKEN));
    await forged;
    assert.equal(idp.hits - before, 1);
  });

  it('refuses 500 forged kids arriving together as invalid after a handful of fetches', async (t) => {
    idp.keys = [k1];
    const v = tokens(); // the default fetch interval, in real time
    await v.verifyConnection(await signWith(k1, { sub: 'warm' }));
    const before = idp.hits;
    const forged = await Promise.all(Array.from({ length: 500 }, (_, i) => signWith(k1, { sub: 'x' }, `forged-${i}`)));
    const outcomes = await Promise.allSettled(forged.map((t) => v.verifyConnection(t)));
    assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof TokenError && o.reason.kind === 'invalid'));
    const fetches = idp.hits - before;
    t.diagnostic(`500 forged kids cost ${fetches} JWKS fetches`);
    assert.ok(fetches >= 1 && fetches <= 3, `500 forged kids cost ${fetches} fetches`);
    // Known kids never wait for the refetches forged ones cause.
    assert.equal((await v.verifyConnection(await signWith(k1, { sub: 'still' }))).user, 'still');
  });

  it('spaces the fetches of a steady stream of unknown kids by the interval', async () => {
    idp.keys = [k1];
    const source = new JwksKeySource({ endpoint: idp.url, clock: systemClock, log, minFetchInterval: 100 });
    await source.getKey({ alg: 'RS256', kid: 'k1' }, NO_TOKEN);
    const before = idp.hits;
    const started = performance.now();
    for (let i = 0; i < 5; i++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => assert.rejects(source.getKey({ alg: 'RS256', kid: `bogus-${i}-${j}` }, NO_TOKEN), (e: TokenError) => e.kind === 'invalid')),
      );
    }
    const elapsed = performance.now() - started;
    assert.equal(idp.hits - before, 5);
    assert.ok(elapsed >= 4 * 100, `5 fetches within ${elapsed} ms`);
  });

  it('answers unavailable, not invalid, for an unknown kid while the endpoint is down', async () => {
    idp.keys = [k1];
    const source = new JwksKeySource({ endpoint: idp.url, clock: systemClock, log, minFetchInterval: 50 });
    await source.getKey({ alg: 'RS256', kid: 'k1' }, NO_TOKEN);
    idp.up = false;
    await assert.rejects(source.getKey({ alg: 'RS256', kid: 'k2' }, NO_TOKEN), (e: TokenError) => e.kind === 'unavailable');
    assert.ok(await source.getKey({ alg: 'RS256', kid: 'k1' }, NO_TOKEN));
    idp.up = true;
    idp.keys = [k1, k2];
    assert.ok(await source.getKey({ alg: 'RS256', kid: 'k2' }, NO_TOKEN));
  });

  it('treats a malformed key set like an outage: cached keys stay, unknown kids are unavailable', async () => {
    idp.keys = [k1];
    const source = new JwksKeySource({ endpoint: idp.url, clock: systemClock, log, minFetchInterval: 50 });
    await source.getKey({ alg: 'RS256', kid: 'k1' }, NO_TOKEN);
    // A document whose keys are not objects: jose refuses the whole set.
    idp.keys = [k1, { ...k2, jwk: 'not a key' as unknown as JWK }];
    await assert.rejects(source.getKey({ alg: 'RS256', kid: 'k2' }, NO_TOKEN), (e: TokenError) => e.kind === 'unavailable');
    assert.ok(await source.getKey({ alg: 'RS256', kid: 'k1' }, NO_TOKEN));
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

  it('answers 401 for tokens with valid claims but a forged signature', async () => {
    const claims = { ...good, scope: 'parsec:api', exp: nowSec() + 600 };
    assert.equal((await v.verify(await signWith(k, claims))).ok, true);
    const forged = await forgeries(k, claims, { sub: 'admin' });
    const statuses = await Promise.all(forged.map(async ({ name, token }) => [name, await v.verify(token)] as const));
    assert.deepEqual(
      Object.fromEntries(statuses.map(([name, r]) => [name, r.ok ? 200 : r.status])),
      Object.fromEntries(forged.map(({ name }) => [name, 401])),
    );
  });
});
