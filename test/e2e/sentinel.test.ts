import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { OwnRedis, OwnSentinel } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { namespace, startServer, testConfig } from '../helpers/server.js';
import { sdk } from '../helpers/sdk.js';
import { randomPrefix, skipWithoutProgram } from '../helpers/services.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'sentinel-api-key';
// The test starts its own master, replica and sentinel, all from the machine's redis-server.
const skip = skipWithoutProgram('Redis Sentinel', 'redis-server', ['--version'], /^Redis server v=/m);

describe('Redis Sentinel', { skip: skip || undefined }, () => {
  it('follows the new master after a failover, resubscribes, and keeps delivering', async (t) => {
    const master = await OwnRedis.start();
    const replica = await OwnRedis.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const sentinel = await OwnSentinel.start(master.port);
    const server = await startServer(
      testConfig((c) => {
        c.engine = {
          type: 'redis',
          redis: { ...c.engine.redis, address: [], sentinelAddress: [`127.0.0.1:${sentinel.port}`], sentinelMasterName: 'mymaster', prefix: randomPrefix('sentinel') },
        };
        c.httpApi.key = KEY;
        c.channel.namespaces = [namespace('feed', { historySize: 50, historyTtl: 300_000, forceRecovery: true, allowSubscribeForClient: true })];
      }),
    );
    const client = sdk('json', server.url, { token: await connToken('watcher') });
    t.after(async () => {
      client.disconnect();
      await server.close();
      await sentinel.down();
      await Promise.all([master.down(), replica.down()]);
    });
    const publish = async (n: number) =>
      JSON.parse(await (await fetch(`${server.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel: 'feed:x', data: { n } }) })).text());
    client.connect();
    await client.ready(3000);
    const sub = client.newSubscription('feed:x');
    const received: number[] = [];
    sub.on('publication', (ctx) => received.push((ctx.data as { n: number }).n));
    sub.subscribe();
    await sub.ready(3000);
    assert.equal((await publish(1)).result.offset, 1);
    await until(() => received.length === 1, 3000);

    // The replica must hold the stream before the master dies, or the promoted one starts empty.
    // Its first sync (a fork and a transfer) can take seconds on a loaded machine: wait for the link first.
    const linkUp = () => spawnSync('redis-cli', ['-p', String(replica.port), 'INFO', 'replication'], { encoding: 'utf8' }).stdout.includes('master_link_status:up');
    await until(linkUp, 20_000, 100);
    const synced = spawnSync('redis-cli', ['-p', String(master.port), 'WAIT', '1', '15000'], { encoding: 'utf8' });
    assert.equal(synced.stdout.trim(), '1');
    await master.down('SIGKILL');
    // Sentinel notices after down-after-milliseconds and promotes the replica.
    // Each poll is a publish: poll gently while the failover runs.
    await until(async () => (await publish(2)).result !== undefined, 20_000, 100);
    await until(() => received.includes(2), 20_000);
    assert.equal((await fetch(`${server.httpUrl}/health`)).status, 200);
    assert.deepEqual(received.slice(0, 2), [1, 2]);
  });
});
