import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { OwnCluster } from '../helpers/redis-server.js';
import { once, sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig } from '../helpers/server.js';
import { randomPrefix, skipWithoutProgram } from '../helpers/services.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'cluster-api-key';
// The test starts its own cluster: nodes from the machine's redis-server, joined by redis-cli.
const skip =
  skipWithoutProgram('Redis Cluster', 'redis-server', ['--version'], /^Redis server v=/m) ||
  skipWithoutProgram('Redis Cluster', 'redis-cli', ['--cluster', 'help'], /^\s*create\s/m);

describe('Redis Cluster engine', { skip: skip || undefined }, () => {
  it('publishes with history, delivers, deduplicates and tracks presence across two nodes on a cluster', async (t) => {
    const cluster = await OwnCluster.start();
    const prefix = randomPrefix('rcluster');
    const cfg = () =>
      testConfig((c) => {
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [], clusterAddress: cluster.addresses, prefix } };
        c.httpApi.key = KEY;
        c.channel.namespaces = [namespace('room', { presence: true, historySize: 20, historyTtl: 60_000, forceRecovery: true, allowSubscribeForClient: true })];
      });
    const a = await startServer(cfg());
    const b = await startServer(cfg());
    const client = sdk('json', a.url, { token: await connToken('c-user') });
    t.after(async () => {
      client.disconnect();
      await Promise.all([a.close(), b.close()]);
      await cluster.down();
    });
    const api = async (method: string, body: object) =>
      JSON.parse(await (await fetch(`${b.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(body) })).text());
    client.connect();
    await client.ready(3000);
    // Channels hash to different slots, so several cluster nodes take part.
    for (const ch of ['room:a', 'room:b', 'room:c', 'room:d']) {
      const sub = client.newSubscription(ch);
      sub.subscribe();
      await sub.ready(3000);
      const got = once<{ data: unknown; offset: number }>(sub, 'publication');
      const res = await api('publish', { channel: ch, data: { ch }, idempotency_key: `k-${ch}` });
      assert.equal(res.result.offset, 1, JSON.stringify(res));
      assert.deepEqual((await got).data, { ch });
      const again = await api('publish', { channel: ch, data: { ch }, idempotency_key: `k-${ch}` });
      assert.deepEqual(again.result, res.result);
      const presence = await api('presence', { channel: ch });
      assert.deepEqual(Object.values(presence.result.presence).map((p) => (p as { user: string }).user), ['c-user']);
    }
    const hist = await api('history', { channel: 'room:c', limit: -1 });
    assert.equal(hist.result.publications.length, 1);
  });

  /** PUB/SUB channels of each cluster node matching `pattern`: classic and sharded. */
  async function pubsubOf(cluster: OwnCluster, pattern: string): Promise<Array<{ classic: string[]; sharded: string[] }>> {
    return Promise.all(
      cluster.nodes.map(async (n) => {
        const r = new Redis(n.port, '127.0.0.1', { lazyConnect: true });
        await r.connect();
        try {
          const classic = (await r.call('pubsub', 'channels', pattern)) as string[];
          const sharded = (await r.call('pubsub', 'shardchannels', pattern)) as string[];
          return { classic, sharded };
        } finally {
          r.disconnect();
        }
      }),
    );
  }

  for (const sharded of [true, false]) {
    it(`delivers publications, joins and leaves between two nodes over ${sharded ? 'sharded' : 'classic (configured off)'} PUB/SUB`, async (t) => {
      const cluster = await OwnCluster.start();
      const prefix = randomPrefix('rshard');
      const cfg = () =>
        testConfig((c) => {
          c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [], clusterAddress: cluster.addresses, prefix, clusterShardedPubSub: sharded } };
          c.httpApi.key = KEY;
          c.channel.namespaces = [namespace('room', { joinLeave: true, allowPresenceForSubscriber: true, historySize: 20, historyTtl: 60_000, forceRecovery: true, allowSubscribeForClient: true })];
        });
      const a = await startServer(cfg());
      const b = await startServer(cfg());
      const onA = sdk('json', a.url, { token: await connToken('on-a') });
      const onB = sdk('protobuf', b.url, { token: await connToken('on-b') });
      t.after(async () => {
        onA.disconnect();
        onB.disconnect();
        await Promise.all([a.close(), b.close()]);
        await cluster.down();
      });
      onA.connect();
      onB.connect();
      await Promise.all([onA.ready(3000), onB.ready(3000)]);
      const channels = ['room:s1', 'room:s2', 'room:s3', 'room:s4', 'room:s5'];
      for (const ch of channels) {
        const sub = onA.newSubscription(ch, { joinLeave: true });
        sub.subscribe();
        await sub.ready(3000);
        // A subscriber on the other node: its join crosses nodes the way publications do (the
        // watcher's own join may come first).
        const joined = new Promise<void>((resolve) =>
          sub.on('join', (ctx) => {
            if (ctx.info.user === 'on-b') resolve();
          }),
        );
        const other = onB.newSubscription(ch);
        other.subscribe();
        await other.ready(3000);
        await joined;
        const got: number[] = [];
        const all = new Promise<void>((resolve) =>
          sub.on('publication', (ctx) => {
            got.push((ctx.data as { n: number }).n);
            if (got.length === 3) resolve();
          }),
        );
        for (let n = 1; n <= 3; n++) {
          const res = await fetch(`${b.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel: ch, data: { n } }) });
          assert.equal(res.status, 200);
        }
        await all;
        assert.deepEqual(got, [1, 2, 3], ch);
        const left = once<{ info: { user: string } }>(sub, 'leave');
        other.unsubscribe();
        assert.equal((await left).info.user, 'on-b');
      }
      const seen = await pubsubOf(cluster, `${prefix}.*`);
      const classic = seen.flatMap((n) => n.classic);
      const shardChannels = seen.map((n) => n.sharded);
      if (sharded) {
        // Only the control channel is classic; each channel is a shard channel of one node only.
        assert.deepEqual([...new Set(classic)], [`${prefix}.control`]);
        for (const ch of channels) {
          const holders = shardChannels.filter((list) => list.some((name) => name.endsWith(`}.${ch}`)));
          assert.equal(holders.length, 1, `${ch} on ${holders.length} nodes: ${JSON.stringify(seen)}`);
        }
        assert.ok(shardChannels.filter((l) => l.length > 0).length > 1, 'the channels spread over several shards');
      } else {
        assert.deepEqual(shardChannels.flat(), []);
        for (const ch of channels) assert.ok(classic.includes(`${prefix}.client.${ch}`), `${ch}: ${JSON.stringify(seen)}`);
      }
    });
  }
});
