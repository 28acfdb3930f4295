import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forgeries } from '../helpers/forgery.js';
import { JwksServer, signingKey, signWith, type SigningKey } from '../helpers/jwks-server.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';

/** The HTTP server API behind an identity provider: Bearer JWTs with audience, issuer and scope. */
describe('HTTP server API with JWKS Bearer auth', () => {
  let idp: JwksServer;
  let key: SigningKey;
  let server: TestServer;
  const claims = { aud: 'parsec-api', iss: 'https://idp.test', sub: 'backend', scope: 'parsec:api' };
  const call = (headers: Record<string, string>) =>
    fetch(`${server.httpUrl}/api/info`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json', ...headers } });

  before(async () => {
    idp = await new JwksServer().start();
    key = await signingKey('api-key-1');
    idp.keys = [key];
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = 'static-key';
        c.httpApi.jwks = { ...c.httpApi.jwks, enabled: true, endpoint: idp.url, audience: 'parsec-api', issuer: 'https://idp.test', scope: 'parsec:api' };
      }),
    );
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  it('accepts either the API key or a valid Bearer token', async () => {
    assert.equal((await call({ 'X-API-Key': 'static-key' })).status, 200);
    assert.equal((await call({ Authorization: `Bearer ${await signWith(key, claims)}` })).status, 200);
  });

  it('answers 401 for a bad token and 403 without the scope, saying which', async () => {
    const wrongAud = await call({ Authorization: `Bearer ${await signWith(key, { ...claims, aud: 'other' })}` });
    assert.equal(wrongAud.status, 401);
    assert.match(JSON.parse(await wrongAud.text()).error, /aud/);
    const noScope = await call({ Authorization: `Bearer ${await signWith(key, { ...claims, scope: 'read' })}` });
    assert.equal(noScope.status, 403);
    assert.match(JSON.parse(await noScope.text()).error, /scope "parsec:api"/);
    assert.equal((await call({})).status, 401);
  });

  it('answers 401 for Bearer tokens with valid claims but a forged signature', async () => {
    const valid = { ...claims, exp: Math.floor(Date.now() / 1000) + 600 };
    assert.equal((await call({ Authorization: `Bearer ${await signWith(key, valid)}` })).status, 200);
    const forged = await forgeries(key, valid, { sub: 'admin' });
    const statuses = await Promise.all(forged.map(async ({ name, token }) => [name, (await call({ Authorization: `Bearer ${token}` })).status]));
    assert.deepEqual(Object.fromEntries(statuses), Object.fromEntries(forged.map(({ name }) => [name, 401])));
  });

  it('accepts a key the IdP signs with right after Parsec fetched its keys', async (t) => {
    const rotated = await signingKey('api-key-2');
    // An unknown kid makes Parsec fetch the keys now: the rotation then lands just after a fetch.
    assert.equal((await call({ Authorization: `Bearer ${await signWith(key, claims, 'not-published')}` })).status, 401);
    const before = idp.hits;
    idp.keys = [rotated];
    const started = performance.now();
    assert.equal((await call({ Authorization: `Bearer ${await signWith(rotated, claims)}` })).status, 200);
    t.diagnostic(`first Bearer token after the rotation waited ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(idp.hits - before, 1);
    key = rotated;
  });

  it('refuses 500 Bearer tokens with forged kids (401) after a handful of fetches', async (t) => {
    const before = idp.hits;
    const forged = await Promise.all(Array.from({ length: 500 }, (_, i) => signWith(key, claims, `forged-${i}`)));
    const statuses = await Promise.all(forged.map(async (token) => (await call({ Authorization: `Bearer ${token}` })).status));
    assert.deepEqual(new Set(statuses), new Set([401]));
    t.diagnostic(`500 forged kids cost ${idp.hits - before} JWKS fetches`);
    assert.ok(idp.hits - before <= 3, `${idp.hits - before} fetches`);
  });

  it('answers 503 with Retry-After for an unknown kid while the JWKS is unreachable', async (t) => {
    idp.up = false;
    t.after(() => (idp.up = true));
    const unknown = await signingKey('api-key-3');
    const res = await call({ Authorization: `Bearer ${await signWith(unknown, claims)}` });
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.match(JSON.parse(await res.text()).error, /unreachable/);
    // Cached keys keep working meanwhile.
    assert.equal((await call({ Authorization: `Bearer ${await signWith(key, claims)}` })).status, 200);
  });
});
