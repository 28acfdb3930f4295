import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
});
