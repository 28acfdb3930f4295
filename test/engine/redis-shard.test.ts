import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import { connectShards } from '../../src/engine/redis/connection.js';
import { RedisShard } from '../../src/engine/redis/shard.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const skip = await skipWithout('Redis', redisUrl);

describe('a Redis shard coming back from an outage', { skip: skip || undefined }, () => {
  it('says it resumed only once its command connection is ready too, so a resync can read stream tops', async (t) => {
    const target = { host: new URL(redisUrl).hostname, port: Number(new URL(redisUrl).port || 6379) };
    // Each connection through its own relay, so the test decides which one comes back first.
    const [toCommands, toPubSub] = await Promise.all([TcpProxy.start(target), TcpProxy.start(target)]);
    const cfg = (port: number) => ({ ...defaultConfig().engine.redis, address: [`redis://127.0.0.1:${port}`], prefix: randomPrefix('shard') });
    const [cmd] = connectShards(cfg(toCommands.port), 'engine.redis', 'command');
    const [sub] = connectShards(cfg(toPubSub.port), 'engine.redis', 'subscriber');
    const statusAtResume: string[] = [];
    const shard = new RedisShard(0, cmd!, sub!, pino({ level: 'silent' }), { message: () => {}, resumed: () => statusAtResume.push(shard.cmd.status) }, []);
    t.after(async () => {
      await shard.close();
      await Promise.all([toCommands.close(), toPubSub.close()]);
    });
    await shard.connect();
    await shard.subscribe('parsec-test-shard-channel');

    toCommands.cut();
    toPubSub.cut();
    await until(() => shard.unhealthyReason() !== undefined);
    // PUB/SUB is back and resubscribed while commands still fail.
    toPubSub.restore();
    await until(() => shard.unhealthyReason()?.includes('command connection') === true, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(statusAtResume, [], 'resumed while the command connection was down');

    toCommands.restore();
    await until(() => statusAtResume.length > 0, 10_000);
    assert.deepEqual(statusAtResume, ['ready']);
    assert.equal(shard.unhealthyReason(), undefined);
  });
});
