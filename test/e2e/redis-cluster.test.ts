import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
