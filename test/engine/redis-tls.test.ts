import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ConfigError, defaultConfig } from '../../src/config/index.js';
import type { RedisConfig, RedisTlsConfig } from '../../src/config/types.js';
import { EngineError } from '../../src/engine/index.js';
import { startRedisBroker, startRedisEngine, startRedisMapBroker, startRedisPresenceManager } from '../../src/engine/redis/index.js';
import { systemClock } from '../../src/lib/index.js';
import { startTlsRedis, skipWithoutTlsRedis, type OwnRedis } from '../helpers/redis-server.js';
import { randomPrefix } from '../helpers/services.js';
import type { Issued, TestCa } from '../helpers/tls.js';

/*
 * Redis over TLS with a client certificate (`tls-auth-clients yes`) and a server certificate
 * for a DNS name only: the connection must present the client certificate and check the
 * server's against `server_name`, as Centrifugo's Redis client does.
 */

const SERVER_NAME = 'redis.parsec.test';
const log = pino({ level: 'silent' });
const hist = { historySize: 10, historyTtl: 60_000, historyMetaTtl: 3_600_000 };
const skip = skipWithoutTlsRedis();

describe('Redis over TLS with a client certificate', { skip: skip || undefined }, () => {
  let ca: TestCa;
  let client: Issued;
  let redis: OwnRedis;

  before(async () => {
    ({ ca, client, redis } = await startTlsRedis(SERVER_NAME));
  });
  after(() => redis?.down());

  /** A Redis section reaching the TLS port, with `tls` over the full client identity given as PEM text. */
  function section(tls: Partial<RedisTlsConfig> = {}): RedisConfig {
    const base = defaultConfig().engine.redis;
    return {
      ...base,
      address: [redis.url],
      prefix: randomPrefix('tls'),
      connectTimeout: 2000,
      tls: {
        ...base.tls,
        enabled: true,
        certPem: client.cert,
        keyPem: client.key,
        serverCaPem: ca.cert,
        serverName: SERVER_NAME,
        ...tls,
      },
    };
  }

  it('runs the engine (engine.redis) with the certificate, the key and the CA as PEM text', async (t) => {
    const engine = await startRedisEngine({ ...defaultConfig().engine.redis, ...section() }, systemClock, log);
    t.after(() => engine.broker.close());
    const pos = await engine.broker.publish('ch', Buffer.from('"x"'), hist);
    assert.equal(pos.offset, 1);
    const page = await engine.broker.history('ch', { limit: -1, reverse: false, historyMetaTtl: hist.historyMetaTtl });
    assert.equal(page.publications.length, 1);
    await engine.presence.addPresence('ch', 'c1', { client: 'c1', user: 'u1' });
    assert.deepEqual(await engine.presence.presenceStats('ch'), { numClients: 1, numUsers: 1 });
    assert.equal(engine.broker.unhealthyReason(), undefined);
  });

  it('runs broker.redis with PEM files given by path, and presence_manager.redis with base64 PEM', async (t) => {
    const byPath = section({ certPem: client.certFile, keyPem: client.keyFile, serverCaPem: ca.certFile });
    const broker = await startRedisBroker({ ...byPath, clusterShardedPubSub: true }, systemClock, log);
    t.after(() => broker.close());
    assert.equal((await broker.publish('ch', Buffer.from('"y"'), hist)).offset, 1);
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    const inBase64 = section({ certPem: b64(client.cert), keyPem: b64(client.key), serverCaPem: b64(ca.cert) });
    const presence = await startRedisPresenceManager({ ...inBase64, presenceTtl: 60_000 }, systemClock);
    t.after(() => presence.close());
    await presence.addPresence('room', 'c2', { client: 'c2', user: 'u2' });
    assert.deepEqual(Object.keys(await presence.presence('room')), ['c2']);
    assert.equal(presence.unhealthyReason(), undefined);
  });

  it('runs map_broker.redis with the same TLS keys', async (t) => {
    const own = defaultConfig().mapBroker.redis;
    const maps = await startRedisMapBroker({ ...own, ...section(), cleanupInterval: -1 }, systemClock, log);
    t.after(() => maps.close());
    assert.equal(maps.unhealthyReason(), undefined);
  });

  it('is refused by a Redis that asks for a client certificate when none is given', async () => {
    await assert.rejects(startRedisEngine({ ...defaultConfig().engine.redis, ...section({ certPem: '', keyPem: '' }) }, systemClock, log), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.match(err.message, /^engine\.redis\.address: cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);
      return true;
    });
  });

  it("checks the server's certificate against server_name: without it 127.0.0.1 does not match; insecure_skip_verify skips the check", async (t) => {
    await assert.rejects(startRedisPresenceManager({ ...section({ serverName: '' }), presenceTtl: 60_000 }, systemClock), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.match(err.message, /^presence_manager\.redis\.address: .*(altnames|does not match)/i);
      return true;
    });
    await assert.rejects(startRedisPresenceManager({ ...section({ serverName: 'other.parsec.test' }), presenceTtl: 60_000 }, systemClock), /altnames|does not match/i);
    const skipped = await startRedisPresenceManager({ ...section({ serverName: '', insecureSkipVerify: true }), presenceTtl: 60_000 }, systemClock);
    t.after(() => skipped.close());
    assert.deepEqual(await skipped.presence('nobody'), {});
  });

  it('names the key of a certificate it cannot read, before connecting', async () => {
    await assert.rejects(startRedisBroker({ ...section({ certPem: '/nonexistent/client.pem' }), clusterShardedPubSub: true }, systemClock, log), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.key, 'broker.redis.tls.cert_pem');
      return true;
    });
  });
});
