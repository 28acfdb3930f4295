import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { API_KEY, SERVICE_KEY, call, enableBroker, issue, startIdp, userToken, type Issued } from '../helpers/broker.js';
import { forgeries } from '../helpers/forgery.js';
import { signingKey, type JwksServer, type SigningKey } from '../helpers/jwks-server.js';
import { JumpClock } from '../helpers/clock.js';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { nowSec, sign } from '../helpers/tokens.js';

/** The token broker on one node: a local IdP's user token → /parsec/token → the SDK connects → revocation ends it. */
describe('token broker', () => {
  let idp: JwksServer;
  let key: SigningKey;
  let server: TestServer;
  const clock = new JumpClock();
  const clients: Sdk[] = [];

  const connect = async (token: string): Promise<Sdk> => {
    const c = sdk('json', server.url, { token });
    clients.push(c);
    return c;
  };

  before(async () => {
    ({ idp, key } = await startIdp());
    server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.parsec.trustedProxies = ['127.0.0.1'];
        c.client.allowedOrigins = ['https://app.example.com'];
        c.client.token.hmacSecretKey = 'test-secret-key-with-enough-length';
        c.channel.namespaces = [namespace('team', {}), namespace('ops', {}), namespace('user', {}), namespace('room', { allowSubscribeForClient: true })];
        c.client.subscriptionToken = { ...c.client.subscriptionToken, enabled: true, hmacSecretKey: 'sub-secret-with-enough-length' };
      }),
      undefined,
      clock,
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
    await idp.close();
  });

  it('refuses callers without a valid bearer with 401 and a JSON error', async () => {
    const none = await call(server, '/token', { body: { channels: ['team:a'] } });
    assert.equal(none.status, 401);
    assert.match(String(none.body.error), /Bearer/);
    const forged = await call(server, '/token', { bearer: await sign({ sub: 'u-1' }), body: { channels: ['team:a'] } });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.code, 'PARSEC_BROKER_UNAUTHENTICATED');
    const wrongIssuer = await call(server, '/token', { bearer: await userToken(key, 'u-1', ['member'], { iss: 'https://evil' }), body: { channels: ['team:a'] } });
    assert.equal(wrongIssuer.status, 401);
  });

  it('refuses user tokens with valid claims but a forged signature with 401', async () => {
    const claims = { sub: 'u-1', iss: 'https://idp.test/realms/app', realm_access: { roles: ['member'] }, exp: nowSec() + 600 };
    assert.equal((await call(server, '/token', { bearer: await userToken(key, 'u-1'), body: { channels: ['ops:deploy', 'team:a'] } })).status, 200);
    const forged = await forgeries(key, claims, { realm_access: { roles: ['admin'] } });
    const answers = await Promise.all(
      forged.map(async ({ name, token }) => {
        const r = await call(server, '/token', { bearer: token, body: { channels: ['ops:deploy', 'team:a'] } });
        return [name, `${r.status} ${String(r.body.code)}`];
      }),
    );
    assert.deepEqual(Object.fromEntries(answers), Object.fromEntries(forged.map(({ name }) => [name, '401 PARSEC_BROKER_UNAUTHENTICATED'])));
  });

  it('grants by role, reports what it denies, and the SDK gets exactly the granted channels', async () => {
    const bearer = await userToken(key, 'u-1');
    const t = await issue(server, bearer, ['team:red', 'ops:deploy', 'user:u-1', 'user:u-2']);
    assert.deepEqual(t.channels_granted, ['team:red', 'user:u-1']);
    assert.deepEqual(
      t.channels_denied.map((d) => d.channel),
      ['ops:deploy', 'user:u-2'],
    );
    assert.ok(t.channels_denied.every((d) => d.reason.length > 0));
    assert.equal(t.claims.sub, 'u-1');
    assert.equal(t.claims.jti, t.token_id);
    assert.deepEqual(t.claims.channels, ['team:red', 'user:u-1']);
    assert.equal(t.claims.exp! - t.claims.iat!, 3600);
    assert.equal(new Date(t.expires_at).getTime(), t.claims.exp! * 1000);
    assert.match(t.token_id, /^[0-9A-HJKMNP-TV-Z]{26}$/);

    const c = await connect(t.token);
    const subscribed: string[] = [];
    c.on('subscribed', (ctx) => subscribed.push(ctx.channel));
    c.connect();
    await c.ready(3000);
    assert.deepEqual(subscribed.sort(), ['team:red', 'user:u-1']);
  });

  it('answers 403 with the reasons when nothing is granted', async () => {
    const r = await call<{ error: string; channels_denied: Array<{ channel: string }> }>(server, '/token', {
      bearer: await userToken(key, 'u-1'),
      body: { channels: ['ops:deploy'] },
    });
    assert.equal(r.status, 403);
    assert.deepEqual(r.body.channels_denied.map((d) => d.channel), ['ops:deploy']);
    const noRoles = await call(server, '/token', { bearer: await userToken(key, 'u-9', []), body: { channels: ['team:a'] } });
    assert.equal(noRoles.status, 403);
  });

  it('rejects malformed requests with 400 naming the field', async () => {
    const bearer = await userToken(key, 'u-1');
    const empty = await call(server, '/token', { bearer, body: { channels: [] } });
    assert.equal(empty.status, 400);
    assert.match(String(empty.body.error), /channels/);
    const badTtl = await call(server, '/token', { bearer, body: { channels: ['team:a'], ttl: 'soon' } });
    assert.equal(badTtl.status, 400);
    assert.match(String(badTtl.body.error), /ttl/);
    const wrongMethod = await call(server, '/token', { method: 'GET', bearer });
    assert.equal(wrongMethod.status, 405);
    const huge = await call(server, '/token', { bearer, body: { channels: ['team:a'], pad: 'x'.repeat(70_000) } });
    assert.equal(huge.status, 413);
    assert.match(String(huge.body.error), /max_request_body_size/);
    assert.equal((await call(server, '/nowhere', { bearer })).status, 404);
  });

  it('clamps the lifetime to max_ttl and takes durations or seconds', async () => {
    const bearer = await userToken(key, 'u-1');
    const long = await issue(server, bearer, ['team:a'], '48h');
    assert.equal(long.claims.exp! - long.claims.iat!, 24 * 3600);
    const short = await issue(server, bearer, ['team:a'], 90);
    assert.equal(short.claims.exp! - short.claims.iat!, 90);
  });

  it('disconnects a live connection when its token is revoked, and refuses the token after', async () => {
    const bearer = await userToken(key, 'u-rev');
    const t = await issue(server, bearer, ['team:a']);
    const c = await connect(t.token);
    c.connect();
    await c.ready(3000);
    const disconnected = once<{ code: number; reason: string }>(c, 'disconnected', 5000);
    const r = await call(server, '/revoke', { bearer, body: { token_id: t.token_id, reason: 'lost laptop' } });
    assert.deepEqual([r.status, r.body], [200, { ok: true }]);
    const d = await disconnected;
    assert.equal(d.code, 3500);
    assert.equal(d.reason, 'token revoked');

    const again = await connect(t.token);
    const refused = once<{ code: number; reason: string }>(again, 'disconnected', 3000);
    again.connect();
    assert.deepEqual(await refused, { code: 3500, reason: 'token revoked' });
  });

  it('revokes every token of a user issued until then, live sessions included', async () => {
    const bearer = await userToken(key, 'u-all');
    const [a, b] = [await issue(server, bearer, ['team:a']), await issue(server, bearer, ['team:b'])];
    const [ca, cb] = [await connect(a.token), await connect(b.token)];
    ca.connect();
    cb.connect();
    await Promise.all([ca.ready(3000), cb.ready(3000)]);
    const gone = Promise.all([once<{ code: number }>(ca, 'disconnected', 5000), once<{ code: number }>(cb, 'disconnected', 5000)]);
    const r = await call(server, '/revoke', { bearer, body: { user_id: 'u-all' } });
    assert.equal(r.status, 200);
    assert.deepEqual((await gone).map((d) => d.code), [3500, 3500]);
    // iat has whole seconds: a token of the same second counts as issued "at" the revocation.
    clock.toNextSecond();
    const fresh = await issue(server, bearer, ['team:a']);
    const cf = await connect(fresh.token);
    cf.connect();
    await cf.ready(3000);
  });

  it('lets users revoke only their own tokens; the API key revokes any', async () => {
    const mine = await issue(server, await userToken(key, 'u-own'), ['team:a']);
    const other = await userToken(key, 'u-other');
    assert.equal((await call(server, '/revoke', { bearer: other, body: { token_id: mine.token_id } })).status, 403);
    assert.equal((await call(server, '/revoke', { bearer: other, body: { user_id: 'u-own' } })).status, 403);
    assert.equal((await call(server, '/revoke', { apiKey: 'wrong', body: { user_id: 'u-own' } })).status, 401);
    assert.equal((await call(server, '/revoke', { apiKey: API_KEY, body: { token_id: mine.token_id } })).status, 200);
    assert.equal((await call(server, '/revoke', { apiKey: API_KEY, body: {} })).status, 400);
  });

  it('refuses a revoked token on refresh (3500) and a revoked subscription token on subscribe and sub_refresh (103)', async () => {
    const bearer = await userToken(key, 'u-raw');
    const [first, second] = [await issue(server, bearer, ['team:a']), await issue(server, bearer, ['team:b'])];
    await call(server, '/revocations?jti=' + second.token_id, { apiKey: API_KEY });
    const raw = await RawClient.open(server.url);
    try {
      raw.send({ id: 1, connect: { token: first.token } });
      assert.ok((await raw.reply(1)).connect);
      const subSecret = Buffer.from('sub-secret-with-enough-length');
      const { SignJWT } = await import('jose');
      const subToken = (jti: string) => new SignJWT({ sub: 'u-raw', channel: 'room:x', jti, exp: nowSec() + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(subSecret);
      await call(server, '/revocations?jti=sub-revoked', { apiKey: API_KEY });
      raw.send({ id: 2, subscribe: { channel: 'room:x', token: await subToken('sub-revoked') } });
      assert.equal(((await raw.reply(2)).error as { code: number }).code, 103);
      raw.send({ id: 3, subscribe: { channel: 'room:x', token: await subToken('sub-ok') } });
      assert.ok((await raw.reply(3)).subscribe);
      raw.send({ id: 4, sub_refresh: { channel: 'room:x', token: await subToken('sub-revoked') } });
      assert.equal(((await raw.reply(4)).error as { code: number }).code, 103);
      raw.send({ id: 5, refresh: { token: second.token } });
      assert.deepEqual(await raw.closeCode(), { code: 3500, reason: 'token revoked' });
    } finally {
      raw.close();
    }
  });

  it('delegates for services the policy allows, recording both identities', async () => {
    const ok = await call<Issued>(server, '/token/delegate', { bearer: SERVICE_KEY, body: { on_behalf_of: 'u-static', channels: ['team:x', 'ops:y'], lifetime_seconds: 120 } });
    assert.equal(ok.status, 200);
    const claims = decodeJwt(ok.body.token);
    assert.equal(claims.sub, 'u-static');
    assert.deepEqual(claims.act, { sub: 'billing-svc' });
    assert.equal(claims.exp! - claims.iat!, 120);
    assert.deepEqual(ok.body.channels_granted, ['team:x']);
    const notAllowed = await call(server, '/token/delegate', { bearer: SERVICE_KEY, body: { on_behalf_of: 'admin-1', channels: ['team:x'] } });
    assert.equal(notAllowed.status, 403);
    assert.match(String(notAllowed.body.error), /billing-svc/);
    const userTries = await call(server, '/token/delegate', { bearer: await userToken(key, 'u-1'), body: { on_behalf_of: 'u-2', channels: ['team:x'] } });
    assert.equal(userTries.status, 403);
    const audit = await call<{ entries: Array<{ token_id: string; delegator: string; issued_to: string }> }>(server, '/audit?user=billing-svc', { method: 'GET', apiKey: API_KEY });
    assert.deepEqual(
      audit.body.entries.map((e) => [e.token_id, e.issued_to, e.delegator]),
      [[ok.body.token_id, 'u-static', 'billing-svc']],
    );
  });

  it('issues bulk credentials with sortable generated ids, or for the given client ids', async () => {
    const r = await call<Record<string, string>>(server, '/credentials?number=3&topicAcl=%23', { apiKey: API_KEY });
    assert.equal(r.status, 200);
    const ids = Object.keys(r.body);
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) {
      const claims = decodeJwt(r.body[id]!);
      assert.equal(claims.sub, id);
      assert.equal(claims.topicAcl, '#');
      assert.ok(typeof claims.jti === 'string' && claims.jti !== id);
      assert.equal(claims.exp, undefined); // no credentials.expiration configured
      assert.ok(typeof claims.iat === 'number');
    }
    const given = await call<Record<string, string>>(server, '/credentials', { apiKey: API_KEY, body: { client_ids: ['sensor-1', 'sensor-2'], channels: ['team:iot'] } });
    assert.equal(given.status, 200);
    assert.deepEqual(Object.keys(given.body).sort(), ['sensor-1', 'sensor-2']);
    assert.deepEqual(decodeJwt(given.body['sensor-1']!).channels, ['team:iot']);
    assert.equal((await call(server, '/credentials?number=101', { apiKey: API_KEY })).status, 400);
    assert.equal((await call(server, '/credentials?number=0', { apiKey: API_KEY })).status, 400);
    assert.equal((await call(server, '/credentials?number=1')).status, 401);
    assert.equal((await call(server, '/credentials', { apiKey: API_KEY, body: { client_ids: ['a', 'a'] } })).status, 400);
  });

  it('lists, adds and lifts revocations by jti', async () => {
    assert.equal((await call(server, '/revocations?jti=j-1,j-2&reason=leak', { apiKey: API_KEY })).status, 200);
    type Listing = { revocations: Array<{ jti: string; reason: string; revoked_at: string }>; users: Array<{ user_id: string }> };
    const listed = await call<Listing>(server, '/revocations', { method: 'GET', apiKey: API_KEY });
    const jtis = listed.body.revocations.map((r) => r.jti);
    assert.ok(jtis.includes('j-1') && jtis.includes('j-2'));
    assert.equal(listed.body.revocations.find((r) => r.jti === 'j-1')!.reason, 'leak');
    assert.ok(Date.parse(listed.body.revocations[0]!.revoked_at) > 0);
    assert.ok(listed.body.users.some((u) => u.user_id === 'u-all'));
    assert.equal((await call(server, '/revocations?jti=j-1', { method: 'DELETE', apiKey: API_KEY })).status, 200);
    const after = await call<Listing>(server, '/revocations', { method: 'GET', apiKey: API_KEY });
    assert.ok(!after.body.revocations.some((r) => r.jti === 'j-1'));
    assert.ok(after.body.revocations.some((r) => r.jti === 'j-2'));
    assert.equal((await call(server, '/revocations', { apiKey: API_KEY })).status, 400);
    assert.equal((await call(server, '/revocations', { method: 'GET' })).status, 401);
  });

  it('serves browsers of allowed origins (CORS) and refuses others', async () => {
    const preflight = await fetch(`${server.httpUrl}/parsec/token`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const t = await call(server, '/token', { bearer: await userToken(key, 'u-web'), body: { channels: ['team:a'] }, headers: { Origin: 'https://app.example.com' } });
    assert.equal(t.status, 200);
    assert.equal(t.headers.get('access-control-allow-origin'), 'https://app.example.com');
    const evil = await call(server, '/token', { bearer: await userToken(key, 'u-web'), body: { channels: ['team:a'] }, headers: { Origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
  });

  it('audits every issuance with the client address from a trusted proxy', async () => {
    const bearer = await userToken(key, 'u-audit');
    const r = await call<Issued>(server, '/token', { bearer, body: { channels: ['team:a'] }, headers: { 'X-Forwarded-For': '198.51.100.7, 203.0.113.9' } });
    const audit = await call<{ entries: Array<Record<string, unknown>> }>(server, '/audit?user=u-audit', { method: 'GET', apiKey: API_KEY });
    assert.equal(audit.status, 200);
    const [entry] = audit.body.entries;
    assert.equal(entry!.token_id, r.body.token_id);
    assert.equal(entry!.issued_to, 'u-audit');
    assert.equal(entry!.delegator, '');
    assert.deepEqual(entry!.channels, ['team:a']);
    assert.equal(entry!.remote_addr, '203.0.113.9');
    assert.equal(entry!.expires_at, r.body.expires_at);
    assert.equal((await call(server, '/audit?user=u-audit', { method: 'GET', bearer })).status, 401);
  });

  it('authenticates users whose IdP rotated its key right after the last fetch; 503 with Retry-After while it is unreachable', async (t) => {
    const rotated = await signingKey('kc-2', 'RS256');
    t.after(() => {
      idp.up = true;
      idp.keys = [key];
    });
    // A kid nobody published makes the broker fetch now: the rotation lands just after a fetch.
    assert.equal((await call(server, '/token', { bearer: await userToken(rotated, 'u-rot'), body: { channels: ['team:a'] } })).status, 401);
    idp.keys = [rotated];
    const before = idp.hits;
    const t1 = await issue(server, await userToken(rotated, 'u-rot'), ['team:a']);
    assert.deepEqual(t1.channels_granted, ['team:a']);
    assert.equal(idp.hits - before, 1);
    idp.up = false;
    const down = await call(server, '/token', { bearer: await userToken(await signingKey('kc-3', 'RS256'), 'u-rot'), body: { channels: ['team:a'] } });
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'PARSEC_BROKER_UNAVAILABLE');
    assert.ok(Number(down.headers.get('retry-after')) >= 1);
  });
});

describe('token broker with a rate limit, credential expiry and an info log', () => {
  let idp: JwksServer;
  let key: SigningKey;
  let server: TestServer;
  const lines: Array<Record<string, unknown>> = [];
  const logged = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });

  before(async () => {
    ({ idp, key } = await startIdp());
    server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.parsec.tokenBroker.rateLimit = { requests: 2, interval: 60_000, burst: 0 };
        c.parsec.tokenBroker.credentials = { expiration: 7 * 24 * 3_600_000, topicAcl: 'devices/#' };
        c.parsec.tokenBroker.revocations.maxTtl = 7 * 24 * 3_600_000;
      }),
      logged,
    );
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  it('answers 429 with Retry-After once a caller spent its requests, other callers unaffected', async () => {
    const bearer = await userToken(key, 'u-busy');
    for (let i = 0; i < 2; i++) assert.equal((await call(server, '/token', { bearer, body: { channels: ['team:a'] } })).status, 200);
    const limited = await call(server, '/token', { bearer, body: { channels: ['team:a'] } });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await call(server, '/token', { bearer: await userToken(key, 'u-calm'), body: { channels: ['team:a'] } })).status, 200);
  });

  it('gives bulk credentials the deployment\'s expiration and topic ACL', async () => {
    const r = await call<Record<string, string>>(server, '/credentials?number=2', { apiKey: API_KEY });
    assert.equal(r.status, 200);
    assert.equal(Object.keys(r.body).length, 2);
    for (const token of Object.values(r.body)) {
      const claims = decodeJwt(token);
      assert.equal(claims.exp! - claims.iat!, 7 * 24 * 3600);
      assert.equal(claims.topicAcl, 'devices/#');
    }
  });

  it('logs one structured audit line per issuance, without the token', async () => {
    const t = await issue(server, await userToken(key, 'u-logged'), ['team:a']);
    const line = lines.find((l) => l.msg === 'token issued' && l.token_id === t.token_id);
    assert.ok(line, 'no audit line');
    assert.equal(line.issued_to, 'u-logged');
    assert.deepEqual(line.channels, ['team:a']);
    assert.equal(line.expires_at, t.claims.exp! * 1000);
    assert.ok(typeof line.issued_at === 'number' && typeof line.remote_addr === 'string');
    assert.ok(!lines.some((l) => JSON.stringify(l).includes(t.token)), 'a token was logged');
  });
});

describe('token broker signing with a private key', () => {
  let idp: JwksServer;
  let key: SigningKey;
  before(async () => {
    ({ idp, key } = await startIdp());
  });
  after(() => idp.close());

  it('signs ES256 with signing_private_key when the server verifies with the public key only', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.client.token = { ...c.client.token, hmacSecretKey: '', ecdsaPublicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
        c.parsec.tokenBroker.signingPrivateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        c.channel.namespaces = [namespace('team', {})];
      }),
    );
    try {
      const t = await issue(server, await userToken(key, 'u-ec'), ['team:a']);
      assert.equal(JSON.parse(Buffer.from(t.token.split('.')[0]!, 'base64url').toString()).alg, 'ES256');
      const c = sdk('json', server.url, { token: t.token });
      c.connect();
      await c.ready(3000);
      c.disconnect();
    } finally {
      await server.close();
    }
  });

  it('refuses to start with an unusable private key, naming the key', async () => {
    await assert.rejects(
      startServer(
        testConfig((c) => {
          enableBroker(c, idp.url);
          c.parsec.tokenBroker.signingPrivateKey = 'not a pem';
        }),
      ),
      (err: Error & { key?: string }) => err.name === 'ConfigError' && err.key === 'parsec.token_broker.signing_private_key',
    );
  });
});
