import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { JwksServer, signingKey, signWith, type SigningKey } from '../helpers/jwks-server.js';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { nowSec, sign } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

/** Clients connecting with their identity provider's own tokens, verified against its JWKS. */
describe('connection tokens from an identity provider', () => {
  let idp: JwksServer;
  let rsa: SigningKey;
  let ec: SigningKey;
  let server: TestServer;
  const clients: Sdk[] = [];
  const supabaseToken = (sub: string, ttl = 3600) =>
    signWith(rsa, { sub, role: 'authenticated', aud: 'authenticated', email: `${sub}@example.com`, exp: nowSec() + ttl });

  before(async () => {
    idp = await new JwksServer().start();
    rsa = await signingKey('rsa-1', 'RS256');
    ec = await signingKey('ec-1', 'ES256');
    idp.keys = [rsa, ec];
    server = await startServer(
      testConfig((c) => {
        c.client.token = { ...c.client.token, hmacSecretKey: '', jwksPublicEndpoint: idp.url, audience: 'authenticated', infoClaims: ['email', 'role'] };
        c.channel.namespaces = [namespace('room', { presence: true, allowSubscribeForClient: true, allowPresenceForSubscriber: true })];
      }),
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
    await idp.close();
  });

  it('connects with a Supabase-style token and shows the configured claims in presence', async () => {
    const c = sdk('json', server.url, { token: await supabaseToken('u-1') });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    const sub = c.newSubscription('room:lobby');
    sub.subscribe();
    await sub.ready(3000);
    const presence = await sub.presence();
    const [info] = Object.values(presence.clients);
    assert.equal(info!.user, 'u-1');
    assert.deepEqual(info!.connInfo, { email: 'u-1@example.com', role: 'authenticated' });
  });

  it('refreshes through getToken before the token expires (ES256)', async () => {
    let calls = 0;
    const c = sdk('protobuf', server.url, {
      token: await signWith(ec, { sub: 'u-2', aud: 'authenticated', exp: nowSec() + 2 }),
      getToken: async () => {
        calls++;
        return signWith(ec, { sub: 'u-2', aud: 'authenticated', exp: nowSec() + 3600 });
      },
    });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    await until(() => calls > 0, 5000, 100);
    assert.equal(calls, 1);
    assert.equal(c.state, 'connected');
  });

  it('gets a fresh token after 109 for an expired or not-yet-valid token', async () => {
    for (const claims of [{ exp: nowSec() - 30 }, { nbf: nowSec() + 600 }]) {
      let calls = 0;
      const c = sdk('json', server.url, {
        token: await signWith(rsa, { sub: 'u-3', aud: 'authenticated', ...claims }),
        getToken: async () => {
          calls++;
          return supabaseToken('u-3');
        },
      });
      clients.push(c);
      c.connect();
      await c.ready(3000);
      assert.equal(calls, 1);
    }
  });

  it('ends the connection for good (3500) for a wrong audience, an unknown kid or an HMAC token', async () => {
    const unknownKid = await signingKey('not-published', 'RS256');
    for (const token of [
      await signWith(rsa, { sub: 'x', aud: 'service_role' }),
      await signWith(unknownKid, { sub: 'x', aud: 'authenticated' }),
      await sign({ sub: 'x', aud: 'authenticated' }),
    ]) {
      const c = sdk('json', server.url, { token });
      clients.push(c);
      const disconnected = once<{ code: number }>(c, 'disconnected');
      c.connect();
      assert.equal((await disconnected).code, 3500);
    }
  });
});

describe('algorithm confusion', () => {
  it('refuses an HS256 token signed with the configured RSA public key as the secret', async (t) => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const server = await startServer(testConfig((c) => (c.client.token = { ...c.client.token, hmacSecretKey: '', rsaPublicKey: pem })));
    t.after(() => server.close());
    const r = await RawClient.open(server.url);
    t.after(() => r.close());
    r.send({ id: 1, connect: { token: await sign({ sub: 'mallory' }, pem) } });
    assert.equal((await r.closeCode()).code, 3500);
  });
});
