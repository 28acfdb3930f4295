import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { sweepRevoked } from '../../../src/node/cluster/revocation.js';
import { enableBroker, startIdp } from '../../helpers/broker.js';
import type { JwksServer } from '../../helpers/jwks-server.js';
import { once, sdk, type Sdk } from '../../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../../helpers/services.js';
import { connToken, nowSec } from '../../helpers/tokens.js';

const skip = await skipWithout('Redis', redisUrl);

/**
 * The sweep that runs when engine delivery resumes: revocations written to the shared store
 * while their notices were lost must still end the sessions they cover, and only those.
 */
describe('revocation sweep over a shared store', { skip: skip || undefined }, () => {
  let idp: JwksServer;
  let server: TestServer;
  let redis: Redis;
  let prefix: string;
  const clients: Sdk[] = [];

  before(async () => {
    ({ idp } = await startIdp());
    prefix = randomPrefix('sweep');
    server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.engine.redis = { ...c.engine.redis, address: [redisUrl], prefix };
        c.parsec.tokenBroker.revocations.store = 'redis';
      }),
    );
    redis = new Redis(redisUrl);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
    const keys = await redis.keys(`${prefix}:tb:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await idp.close();
  });

  const connected = async (user: string, claims: Record<string, unknown>): Promise<Sdk> => {
    const c = sdk('json', server.url, { token: await connToken(user, claims) });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };

  it('ends the sessions of revoked token ids and revoked users, counts them, and leaves the rest', async () => {
    const revokedJti = await connected('sw-a', { jti: 'sw-j1' });
    const keptJti = await connected('sw-a', { jti: 'sw-j2' });
    const revokedUser = await connected('sw-b', { iat: nowSec() - 60 });
    const otherUser = await connected('sw-c', { jti: 'sw-j4' });
    const laterToken = await connected('sw-b', { iat: nowSec() + 120 });

    // Written straight to the store, as if the notices had been lost on the way.
    await redis.set(`${prefix}:tb:revoked:sw-j1`, JSON.stringify({ reason: 'lost notice', revoked_at: Date.now() }), 'EX', 600);
    await redis.set(`${prefix}:tb:user_revoked_at:sw-b`, String(Date.now()), 'EX', 600);
    const ends = [once<{ code: number; reason: string }>(revokedJti, 'disconnected', 5000), once<{ code: number; reason: string }>(revokedUser, 'disconnected', 5000)];

    assert.equal(await sweepRevoked(server.app.node), 2);
    assert.deepEqual(await Promise.all(ends), [
      { code: 3500, reason: 'token revoked' },
      { code: 3500, reason: 'token revoked' },
    ]);
    const hub = server.app.node.hub;
    assert.equal([...hub.userClients('sw-a')].length, 1, 'the other token of the same user stays');
    assert.equal([...hub.userClients('sw-b')].length, 1, 'a token issued after the user revocation stays');
    assert.equal([...hub.userClients('sw-c')].length, 1);
    for (const c of [keptJti, otherUser, laterToken]) assert.equal(c.state, 'connected');

    assert.equal(await sweepRevoked(server.app.node), 0, 'a second sweep finds nothing left to end');
  });

  it('checks every session when there are more than it checks at once', async () => {
    const many = await Promise.all(Array.from({ length: 70 }, () => connected('sw-bulk', { iat: nowSec() - 60 })));
    const ends = many.map((c) => once(c, 'disconnected', 5000));
    await redis.set(`${prefix}:tb:user_revoked_at:sw-bulk`, String(Date.now()), 'EX', 600);
    assert.equal(await sweepRevoked(server.app.node), 70);
    await Promise.all(ends);
  });
});
