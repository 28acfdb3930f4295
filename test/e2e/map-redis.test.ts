import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MapSubscription } from 'centrifuge';
import { subscribeMap as subscribeTo, type MapEntry as Entry, type MapSubscriptionOptions, type MapUpdate as Update } from '../helpers/map-sdk.js';
import type { Config } from '../../src/config/types.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { collect, decoded, once, payload, sdk, type Sdk, type SdkProtocol } from '../helpers/sdk.js';
import { dropPrefix } from '../helpers/redis-keys.js';
import { freePort } from '../helpers/redis-server.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const KEY = 'map-redis-api-key-0123456789';
const skip = await skipWithout('Redis', redisUrl);

const map = (o: Record<string, unknown>) => ({ ...structuredClone(testConfig().channel.withoutNamespace.map), ...o });

/** A node on the Redis engine whose map broker uses the engine's Redis (map_broker.redis names no server). */
function nodeConfig(prefix: string): Config {
  return testConfig((c) => {
    c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
    c.mapBroker = { ...c.mapBroker, type: 'redis' };
    c.httpApi.key = KEY;
    c.client.allowAnonymousConnectWithoutToken = true;
    const open = { allowSubscribeForClient: true, allowSubscribeForAnonymous: true };
    c.channel.namespaces = [
      namespace('eph', { subscriptionType: 'map', map: map({ mode: 'ephemeral', keyTtl: 60_000, allowPublishForAnonymous: true, allowPublishForClient: true, allowRemoveForAnonymous: true, allowRemoveForClient: true }), ...open }),
      namespace('pers', { subscriptionType: 'map', map: map({ mode: 'persistent' }), ...open }),
      namespace('short', { subscriptionType: 'map', map: map({ mode: 'ephemeral', keyTtl: 1000 }), ...open }),
      namespace('delta', { subscriptionType: 'map', map: map({ mode: 'persistent' }), allowedDeltaTypes: ['fossil'], deltaPublish: true, ...open }),
      namespace('room', { subscriptionType: 'map', map: map({ mode: 'ephemeral', keyTtl: 60_000 }), mapClientsPresenceChannelPrefix: 'who:', ...open }),
      namespace('who', { subscriptionType: 'map_clients', map: map({ mode: 'ephemeral', keyTtl: 60_000 }), ...open }),
    ];
  });
}

/**
 * Map subscriptions with the SDK's MapSubscription on two Parsec nodes sharing Redis as the
 * map broker, in JSON and protobuf: any node reads and writes any map, live changes and TTL
 * removals reach the subscribers of both nodes once, and a client moved to the other node
 * recovers its map from the shared stream.
 */
for (const protocol of ['json', 'protobuf'] as SdkProtocol[]) {
  describe(`map subscriptions on two nodes sharing the Redis map broker (${protocol})`, { skip: skip || undefined }, () => {
    let a: TestServer;
    let b: TestServer;
    const clients: Sdk[] = [];
    const dec = <T = unknown>(d: unknown): T => decoded<T>(protocol, d);
    let n = 0;
    const uniq = (ns: string): string => `${ns}:${protocol}-${++n}`;
    const api = async (s: TestServer, method: string, body: object): Promise<Record<string, unknown>> => {
      const res = await fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY } });
      assert.equal(res.status, 200, `${method}: HTTP ${res.status}`);
      const json = (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
      assert.equal(json.error, undefined, `${method}: ${JSON.stringify(json.error)}`);
      return json.result ?? {};
    };
    const connected = async (url: string): Promise<Sdk> => {
      const c = sdk(protocol, url);
      clients.push(c);
      c.connect();
      await c.ready(3000);
      return c;
    };
    const subscribeMap = (c: Sdk, channel: string, opts: MapSubscriptionOptions = {}) => subscribeTo(protocol, c, channel, opts);
    const updatesOf = (sub: MapSubscription): Update[] => {
      const got: Update[] = [];
      sub.on('update', (ctx) => got.push(ctx as Update));
      return got;
    };

    const prefix = randomPrefix('map-nodes');
    before(async () => {
      a = await startServer(nodeConfig(prefix));
      b = await startServer(nodeConfig(prefix));
    });
    after(async () => {
      for (const c of clients) c.disconnect();
      await Promise.all([a.close(), b.close()]);
      await dropPrefix(redisUrl, prefix);
    });

    it('serves state written through one node to a subscriber of the other, and live changes to both', async () => {
      const channel = uniq('pers');
      for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) await api(b, 'map_publish', { channel, key: k, data: { v } });
      const onA = await subscribeMap(await connected(a.url), channel, { pageSize: 2 });
      const onB = await subscribeMap(await connected(b.url), channel);
      assert.deepEqual(onA.state, { a: { v: 1 }, b: { v: 2 }, c: { v: 3 } });
      assert.deepEqual(onB.state, onA.state);
      const [toA, toB] = [collect<Update>(onA.sub, 'update', 2), collect<Update>(onB.sub, 'update', 2)];
      await api(b, 'map_publish', { channel, key: 'a', data: { v: 10 } });
      await api(a, 'map_remove', { channel, key: 'b' });
      for (const got of await Promise.all([toA, toB])) {
        assert.deepEqual(got.map((u) => [u.key, u.removed ? null : dec(u.data)]), [['a', { v: 10 }], ['b', null]]);
      }
      const read = await api(a, 'map_read_state', { channel, limit: -1 });
      assert.deepEqual((read.entries as Entry[]).map((e) => e.key), ['a', 'c']);
      assert.equal(read.offset, 5);
      assert.deepEqual(await api(b, 'map_stats', { channel }), { num_keys: 2 });
    });

    it('delivers a client write made on one node to the subscribers of the other', async () => {
      const channel = uniq('eph');
      const writer = await subscribeMap(await connected(a.url), channel);
      const reader = await subscribeMap(await connected(b.url), channel);
      const update = once<Update>(reader.sub, 'update');
      await writer.sub.publish('cursor', payload(protocol, { x: 5 }));
      assert.deepEqual(dec((await update).data), { x: 5 });
    });

    it('pushes a key TTL removal once to the subscribers of every node', async () => {
      const channel = uniq('short');
      await api(a, 'map_publish', { channel, key: 'brief', data: { on: true } });
      const onA = await subscribeMap(await connected(a.url), channel);
      const onB = await subscribeMap(await connected(b.url), channel);
      assert.deepEqual([onA.state, onB.state], [{ brief: { on: true } }, { brief: { on: true } }]);
      const [gotA, gotB] = [updatesOf(onA.sub), updatesOf(onB.sub)];
      // Both nodes run the expiry; the removal must still arrive once.
      await until(() => gotA.length === 1 && gotB.length === 1, 8000);
      // A later change comes after any duplicate would have.
      await api(b, 'map_publish', { channel, key: 'marker', data: 1 });
      await until(() => gotA.length >= 2 && gotB.length >= 2, 5000);
      for (const got of [gotA, gotB]) assert.deepEqual(got.map((u) => [u.key, u.removed ?? false]), [['brief', true], ['marker', false]]);
    });

    it('recovers a map from the shared stream after a reconnect to the other node', async (t) => {
      const channel = uniq('delta');
      const big = (n: number) => ({ text: 'x'.repeat(200), n });
      await api(a, 'map_publish', { channel, key: 'p1', data: big(1) });
      const proxy = await TcpProxy.start({ host: '127.0.0.1', port: a.app.address().port });
      t.after(() => proxy.close());
      const c = await connected(`ws://127.0.0.1:${proxy.port}/connection/websocket`);
      const { sub, state } = await subscribeMap(c, channel, { delta: 'fossil' });
      assert.deepEqual(state, { p1: big(1) });
      const before = b.app.node.hub.numClients;
      // Node A goes away for this client: the balancer now sends it to B.
      proxy.target = { host: '127.0.0.1', port: b.app.address().port };
      const resubscribed = once<{ recovered?: boolean }>(sub, 'subscribed', 5000);
      const updates = collect<Update>(sub, 'update', 3, 5000);
      proxy.drop();
      await api(a, 'map_publish', { channel, key: 'p1', data: big(2) });
      await api(a, 'map_publish', { channel, key: 'p2', data: big(3) });
      await api(b, 'map_remove', { channel, key: 'p2' });
      assert.equal((await resubscribed).recovered, true);
      const got = await updates;
      assert.deepEqual(got.map((u) => [u.key, u.removed ? null : dec(u.data)]), [['p1', big(2)], ['p2', big(3)], ['p2', null]]);
      assert.equal(b.app.node.hub.numClients, before + 1);
      // Live again, now from node B, and per-key delta still decodes against the recovered value.
      const next = once<Update>(sub, 'update');
      await api(a, 'map_publish', { channel, key: 'p1', data: big(4) });
      assert.deepEqual(dec((await next).data), big(4));
    });

    it('keeps map presence across nodes', async () => {
      const channel = uniq('room');
      const watcher = await connected(b.url);
      const presence = watcher.newMapClientsSubscription(`who:${channel}`);
      const synced = once<{ entries: Entry[] }>(presence, 'sync', 5000);
      presence.subscribe();
      assert.deepEqual((await synced).entries, []);
      const joined = once<Update>(presence, 'update', 5000);
      const { sub } = await subscribeMap(await connected(a.url), channel);
      assert.equal((await joined).removed ?? false, false);
      const left = once<Update>(presence, 'update', 5000);
      sub.unsubscribe();
      assert.equal((await left).removed, true);
    });
  });
}

describe('the Redis map broker at the edges', { skip: skip || undefined }, () => {
  it('refuses to start when its Redis is unreachable, naming the key', async () => {
    const port = await freePort();
    const config = testConfig((c) => {
      c.mapBroker = { ...c.mapBroker, type: 'redis', redis: { ...c.mapBroker.redis, address: [`redis://127.0.0.1:${port}`] } };
    });
    await assert.rejects(startServer(config), (err: Error) => err.message.includes(`map_broker.redis.address: cannot connect to Redis at redis://127.0.0.1:${port}`));
  });

  it('resyncs a subscriber whose node lost its Redis connection while changes were made through another node', async (t) => {
    const prefix = randomPrefix('map-outage');
    const link = await TcpProxy.start({ host: new URL(redisUrl).hostname, port: Number(new URL(redisUrl).port || 6379) });
    const config = (address: string) =>
      testConfig((c) => {
        c.mapBroker = { ...c.mapBroker, type: 'redis', redis: { ...c.mapBroker.redis, address: [address], prefix } };
        c.httpApi.key = KEY;
        c.client.allowAnonymousConnectWithoutToken = true;
        c.channel.namespaces = [namespace('pers', { subscriptionType: 'map', map: map({ mode: 'persistent' }), allowSubscribeForAnonymous: true })];
      });
    const cut = await startServer(config(`redis://127.0.0.1:${link.port}`));
    const other = await startServer(config(redisUrl));
    const c = sdk('json', cut.url);
    t.after(async () => {
      c.disconnect();
      await Promise.all([cut.close(), other.close()]);
      await link.close();
      await dropPrefix(redisUrl, prefix);
    });
    const publish = (key: string, data: unknown) =>
      fetch(`${other.httpUrl}/api/map_publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel: 'pers:x', key, data }) });
    await publish('a', 1);
    c.connect();
    const { sub, state } = await subscribeTo('json', c, 'pers:x');
    assert.deepEqual(state, { a: 1 });
    const got: Update[] = [];
    sub.on('update', (ctx) => got.push(ctx as Update));
    // The node's link to Redis breaks: PUB/SUB messages published meanwhile never reach it.
    link.cut();
    await publish('b', 2);
    await publish('a', 3);
    link.restore();
    // Back, the node compares the subscription with the stream top and the client recovers what it missed.
    await until(() => got.length >= 2, 10_000);
    assert.deepEqual(got.map((u) => [u.key, u.data]), [['b', 2], ['a', 3]]);
  });
});
