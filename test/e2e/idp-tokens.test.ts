import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { forgeries } from '../helpers/forgery.js';
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

  it('ends the connection for good (3500) for tokens with valid claims but a forged signature', async (t) => {
    const claims = { sub: 'u-1', role: 'authenticated', aud: 'authenticated', email: 'u-1@example.com', exp: nowSec() + 600 };
    for (const key of [rsa, ec]) {
      const genuine = await RawClient.open(server.url);
      t.after(() => genuine.close());
      genuine.send({ id: 1, connect: { token: await signWith(key, claims) } });
      assert.ok((await genuine.reply(1)).connect, `${key.alg} genuine token connects`);
      const forged = await forgeries(key, claims, { sub: 'admin', role: 'service_role' });
      const codes = await Promise.all(
        forged.map(async ({ name, token }) => {
          const r = await RawClient.open(server.url);
          t.after(() => r.close());
          let code: number | undefined;
          void r.closed.then((c) => (code = c.code));
          r.send({ id: 1, connect: { token } });
          // A forgery let in gets a connect reply and stays open: say so rather than time out.
          const connected = () => r.messages.some((m) => typeof m === 'object' && m !== null && 'connect' in m);
          await until(() => code !== undefined || connected());
          return [name, code ?? 'connected'];
        }),
      );
      assert.deepEqual(Object.fromEntries(codes), Object.fromEntries(forged.map(({ name }) => [name, 3500])), key.alg);
    }
  });
});

/** The IdP rotates its signing key: a routine event that must never lock users out. */
describe('signing key rotation at the identity provider', () => {
  let idp: JwksServer;
  let server: TestServer;
  const clients: Sdk[] = [];
  const token = (key: SigningKey, sub: string, kid?: string) => signWith(key, { sub, aud: 'authenticated', exp: nowSec() + 600 }, kid);
  const client = (t: string): Sdk => {
    const c = sdk('json', server.url, { token: t });
    clients.push(c);
    return c;
  };

  before(async () => {
    idp = await new JwksServer().start();
    server = await startServer(
      testConfig((c) => {
        c.client.token = { ...c.client.token, hmacSecretKey: '', jwksPublicEndpoint: idp.url, audience: 'authenticated' };
      }),
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
    await idp.close();
  });

  it('connects the SDK with a key first used right after Parsec fetched the keys (no 3500)', async (t) => {
    const old = await signingKey('kid-old');
    const rotated = await signingKey('kid-new');
    idp.keys = [old];
    const first = client(await token(old, 'u-old'));
    first.connect();
    await first.ready(3000); // Parsec fetches the keys now
    const before = idp.hits;
    idp.keys = [rotated]; // and the IdP signs with a new key at once
    const c = client(await token(rotated, 'u-new'));
    const disconnects: Array<{ code: number }> = [];
    c.on('disconnected', (ctx) => disconnects.push(ctx));
    const started = performance.now();
    c.connect();
    await c.ready(5000);
    t.diagnostic(`first SDK connect after the rotation took ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(c.state, 'connected');
    assert.deepEqual(disconnects, []);
    assert.equal(idp.hits - before, 1);
  });

  it('refuses 500 connections with forged kids for good (3500) after a handful of fetches', async (t) => {
    const forger = await signingKey('kid-forger');
    const before = idp.hits;
    const raws = await Promise.all(Array.from({ length: 500 }, () => RawClient.open(server.url)));
    t.after(() => raws.forEach((r) => r.close()));
    await Promise.all(raws.map(async (r, i) => r.send({ id: 1, connect: { token: await token(forger, 'mallory', `forged-${i}`) } })));
    const codes = await Promise.all(raws.map(async (r) => (await r.closeCode(10_000)).code));
    assert.deepEqual(new Set(codes), new Set([3500]));
    t.diagnostic(`500 forged kids over WebSocket cost ${idp.hits - before} JWKS fetches`);
    assert.ok(idp.hits - before <= 3, `${idp.hits - before} fetches`);
  });

  it('keeps the SDK retrying while the JWKS is unreachable, and connects once it answers', async () => {
    const next = await signingKey('kid-next');
    idp.up = false;
    const c = client(await token(next, 'u-next'));
    const errors: Array<{ error: { code: number; temporary?: boolean } }> = [];
    c.on('error', (ctx) => errors.push(ctx));
    c.connect();
    await until(() => errors.length > 0, 10_000);
    assert.equal(errors[0]!.error.code, 100);
    assert.equal(errors[0]!.error.temporary, true);
    assert.equal(c.state, 'connecting');
    idp.keys = [...idp.keys, next];
    idp.up = true;
    await c.ready(10_000);
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
