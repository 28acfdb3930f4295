import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisRevocations } from '../../src/broker/index.js';
import { LIST_LIMIT } from '../../src/broker/redis-revocations.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { ManualClock, runRevocationStoreSuite } from './revocation-store-suite.js';

const skip = await skipWithout('Redis', redisUrl);

describe('Redis revocation store', { skip: skip || undefined }, () => {
  const clients: Redis[] = [];
  after(() => {
    for (const c of clients) c.disconnect();
  });
  const open = (): Redis => {
    const c = new Redis(redisUrl);
    clients.push(c);
    return c;
  };

  runRevocationStoreSuite(async () => {
    const clock = new ManualClock(Date.now());
    const prefix = randomPrefix('revocations');
    const client = open();
    const maxTtl = 3_600_000;
    const store = new RedisRevocations({ client, prefix, clock, maxTtl, ownsClient: false });
    // Ageing a Redis entry is shortening what is left of its TTL: only Redis forgets, so each
    // key must have one (PTTL is -1 for a key without), never longer than the max.
    const age = async (ms: number): Promise<void> => {
      for (const key of await client.keys(`${prefix}:tb:*`)) {
        const left = await client.pttl(key);
        assert.ok(left > 0 && left <= maxTtl, `${key} PTTL ${left}`);
        if (left <= ms) await client.del(key);
        else await client.pexpire(key, left - ms);
      }
    };
    return { store, clock, age };
  });

  it('keeps <prefix>:tb:revoked:<id> and <prefix>:tb:user_revoked_at:<uid> with the max TTL as EX', async () => {
    const client = open();
    const prefix = randomPrefix('revocation-keys');
    const now = Date.now();
    const store = new RedisRevocations({ client, prefix, clock: { now: () => now }, maxTtl: 24 * 3_600_000, ownsClient: false });
    await store.revokeTokens([{ tokenId: 'abc', reason: 'stolen', revokedAt: now }]);
    await store.revokeUser({ user: 'dave', revokedAt: now });
    assert.deepEqual(JSON.parse((await client.get(`${prefix}:tb:revoked:abc`))!), { reason: 'stolen', revoked_at: now });
    assert.equal(await client.get(`${prefix}:tb:user_revoked_at:dave`), String(now));
    for (const key of [`${prefix}:tb:revoked:abc`, `${prefix}:tb:user_revoked_at:dave`]) {
      const ttl = await client.ttl(key);
      assert.ok(ttl > 24 * 3600 - 5 && ttl <= 24 * 3600, `${key} TTL ${ttl}`);
    }
    await client.del(`${prefix}:tb:revoked:abc`, `${prefix}:tb:user_revoked_at:dave`);
  });

  it('lists around keys it cannot read: not JSON, another shape, not a time', async () => {
    const client = open();
    const prefix = randomPrefix('revocation-garbage');
    const now = Date.now();
    const store = new RedisRevocations({ client, prefix, clock: { now: () => now }, maxTtl: 3_600_000, ownsClient: false });
    await store.revokeTokens([{ tokenId: 'good', reason: 'r', revokedAt: now }]);
    await store.revokeUser({ user: 'good-user', revokedAt: now });
    await client.set(`${prefix}:tb:revoked:not-json`, 'revoked!', 'EX', 60);
    await client.set(`${prefix}:tb:revoked:other-shape`, '{"why":"x"}', 'EX', 60);
    await client.set(`${prefix}:tb:user_revoked_at:not-a-time`, 'yesterday', 'EX', 60);
    const { tokens, users } = await store.list();
    assert.deepEqual(tokens, [{ tokenId: 'good', reason: 'r', revokedAt: now }]);
    assert.deepEqual(users, [{ user: 'good-user', revokedAt: now }]);
    await client.del(...(await client.keys(`${prefix}:tb:*`)));
  });

  it(`lists at most ${LIST_LIMIT} token ids however many are revoked`, async () => {
    const client = open();
    const prefix = randomPrefix('revocation-limit');
    const now = Date.now();
    const store = new RedisRevocations({ client, prefix, clock: { now: () => now }, maxTtl: 3_600_000, ownsClient: false });
    const pipeline = client.pipeline();
    for (let i = 0; i < LIST_LIMIT + 700; i++) pipeline.set(`${prefix}:tb:revoked:t${i}`, JSON.stringify({ reason: '', revoked_at: now - i }), 'EX', 60);
    await pipeline.exec();
    const { tokens } = await store.list();
    assert.equal(tokens.length, LIST_LIMIT);
    assert.equal(new Set(tokens.map((t) => t.tokenId)).size, LIST_LIMIT);
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i - 1]!.revokedAt >= tokens[i]!.revokedAt);
    const keys = await client.keys(`${prefix}:tb:*`);
    for (let i = 0; i < keys.length; i += 1000) await client.del(...keys.slice(i, i + 1000));
  });
});
