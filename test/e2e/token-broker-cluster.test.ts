import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { API_KEY, call, enableBroker, issue, startIdp, userToken } from '../helpers/broker.js';
import type { JwksServer, SigningKey } from '../helpers/jwks-server.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const skip = await skipWithout('Redis', redisUrl);

/** Two nodes on the Redis engine: a token revoked on one node ends the session held by the other. */
for (const store of ['redis', 'memory'] as const) {
  describe(`token broker on two Redis nodes, ${store} revocation store`, { skip: skip || undefined }, () => {
    let idp: JwksServer;
    let key: SigningKey;
    let a: TestServer;
    let b: TestServer;
    let redis: Redis;
    let prefix: string;
    const clients: Sdk[] = [];

    before(async () => {
      ({ idp, key } = await startIdp());
      prefix = randomPrefix('broker-cluster');
      const config = testConfig((c) => {
        enableBroker(c, idp.url);
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
        c.parsec.tokenBroker.revocations.store = store;
        c.channel.namespaces = [namespace('team', {})];
      });
      a = await startServer(config);
      b = await startServer(config);
      redis = new Redis(redisUrl);
    });
    after(async () => {
      for (const c of clients) c.disconnect();
      await Promise.all([a.close(), b.close()]);
      const keys = await redis.keys(`${prefix}:tb:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await idp.close();
    });

    const connected = async (s: TestServer, token: string): Promise<Sdk> => {
      const c = sdk('json', s.url, { token });
      clients.push(c);
      c.connect();
      await c.ready(3000);
      return c;
    };

    it('disconnects a session on the other node when its token is revoked', async () => {
      const bearer = await userToken(key, 'u-x');
      const t = await issue(a, bearer, ['team:a']);
      const c = await connected(b, t.token);
      const disconnected = once<{ code: number; reason: string }>(c, 'disconnected', 5000);
      assert.equal((await call(a, '/revoke', { bearer, body: { token_id: t.token_id } })).status, 200);
      assert.deepEqual(await disconnected, { code: 3500, reason: 'token revoked' });

      // The other node refuses the token from now on, whichever store keeps the revocation.
      const again = sdk('json', b.url, { token: t.token });
      clients.push(again);
      const refused = once<{ code: number }>(again, 'disconnected', 3000);
      again.connect();
      assert.equal((await refused).code, 3500);
      if (store === 'redis') {
        const ttl = await redis.ttl(`${prefix}:tb:revoked:${t.token_id}`);
        assert.ok(ttl > 24 * 3600 - 10 && ttl <= 24 * 3600, `TTL ${ttl}`);
      }
    });

    it('ends every session of a revoked user on both nodes', async () => {
      const bearer = await userToken(key, 'u-y');
      const [t1, t2] = [await issue(a, bearer, ['team:a']), await issue(b, bearer, ['team:b'])];
      const [c1, c2] = [await connected(a, t1.token), await connected(b, t2.token)];
      const gone = Promise.all([once<{ code: number }>(c1, 'disconnected', 5000), once<{ code: number }>(c2, 'disconnected', 5000)]);
      const revoking = Date.now();
      assert.equal((await call(b, '/revoke', { apiKey: API_KEY, body: { user_id: 'u-y', reason: 'offboarded' } })).status, 200);
      const revoked = Date.now();
      assert.deepEqual((await gone).map((d) => d.code), [3500, 3500]);
      if (store === 'redis') {
        const at = Number(await redis.get(`${prefix}:tb:user_revoked_at:u-y`));
        assert.ok(at >= revoking && at <= revoked, `revoked at ${at}, asked between ${revoking} and ${revoked}`);
        assert.ok((await redis.ttl(`${prefix}:tb:user_revoked_at:u-y`)) > 24 * 3600 - 10);
      }
    });
  });
}

describe('a revocation sent while a node was cut off from Redis', { skip: skip || undefined }, () => {
  it('ends the session once the node is back: it sweeps its sessions against the shared store', async (t) => {
    const { idp, key } = await startIdp();
    const prefix = randomPrefix('broker-sweep');
    const relay = await TcpProxy.start({ host: new URL(redisUrl).hostname, port: Number(new URL(redisUrl).port || 6379) });
    const config = (url: string) =>
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [url], prefix } };
        c.parsec.tokenBroker.revocations.store = 'redis';
        c.channel.namespaces = [namespace('team', {})];
      });
    const a = await startServer(config(redisUrl));
    const b = await startServer(config(`redis://127.0.0.1:${relay.port}`));
    const bearer = await userToken(key, 'u-cut');
    const issued = await issue(a, bearer, ['team:a']);
    const c = sdk('json', b.url, { token: issued.token });
    t.after(async () => {
      c.disconnect();
      await Promise.all([a.close(), b.close()]);
      await relay.close();
      await idp.close();
    });
    c.connect();
    await c.ready(3000);

    relay.cut();
    const disconnected = once<{ code: number; reason: string }>(c, 'disconnected', 15_000);
    let restored = false;
    let endedWhileCut: boolean | undefined;
    c.on('disconnected', () => (endedWhileCut ??= !restored));
    assert.equal((await call(a, '/revoke', { bearer, body: { token_id: issued.token_id } })).status, 200);
    // Node B never hears the notice: its PUB/SUB connection is down. A command the session
    // sends after the revocation is still answered on node B.
    await assert.rejects(c.rpc('marker', {}), (e: { code: number }) => e.code === 108);
    assert.equal(c.state, 'connected');
    restored = true;
    relay.restore();
    assert.deepEqual(await disconnected, { code: 3500, reason: 'token revoked' });
    assert.equal(endedWhileCut, false);
  });
});
