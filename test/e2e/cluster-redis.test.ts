import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { collect, once, sdk, type Sdk } from '../helpers/sdk.js';
import { randomPrefix, redisUrl, skipWithout, skipWithoutProgram } from '../helpers/services.js';
import { OwnRedis } from '../helpers/redis-server.js';
import { RawClient } from '../helpers/raw.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';
import { connToken } from '../helpers/tokens.js';
import type { Config } from '../../src/config/types.js';

const KEY = 'cluster-api-key';
const skip = await skipWithout('Redis', redisUrl);

function nodeConfig(prefix: string, url = redisUrl) {
  return testConfig((c: Config) => {
    c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [url], prefix } };
    c.httpApi.key = KEY;
    c.httpStream.enabled = true;
    c.channel.namespaces = [
      namespace('chat', {
        presence: true,
        joinLeave: true,
        historySize: 100,
        historyTtl: 300_000,
        forceRecovery: true,
        allowSubscribeForClient: true,
        allowPublishForSubscriber: true,
        allowPresenceForSubscriber: true,
      }),
    ];
  });
}

const api = (s: TestServer, method: string, body: object) =>
  fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(body) }).then(async (r) => JSON.parse(await r.text()));

/** Two Parsec nodes sharing one Redis: any node publishes, every node delivers. */
describe('two nodes on the Redis engine', { skip: skip || undefined }, () => {
  let a: TestServer;
  let b: TestServer;
  const clients: Sdk[] = [];
  const connect = async (s: TestServer, user: string): Promise<Sdk> => {
    const c = sdk('json', s.url, { token: await connToken(user) });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };
  const subscribed = async (c: Sdk, channel: string, opts = {}) => {
    const sub = c.newSubscription(channel, opts);
    sub.subscribe();
    await sub.ready(3000);
    return sub;
  };

  before(async () => {
    const prefix = randomPrefix('cluster');
    a = await startServer(nodeConfig(prefix));
    b = await startServer(nodeConfig(prefix));
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all([a.close(), b.close()]);
  });

  it('lists both nodes in info', async () => {
    // Each node learns of the other from its next heartbeat.
    await until(async () => (await api(a, 'info', {})).result.nodes.length === 2 && (await api(b, 'info', {})).result.nodes.length === 2);
    const uids = (await api(b, 'info', {})).result.nodes.map((n: { uid: string }) => n.uid).sort();
    assert.deepEqual(uids, [a.app.node.id, b.app.node.id].sort());
  });

  it('delivers a publication made through node B to a subscriber on node A', async () => {
    const sub = await subscribed(await connect(a, 'reader'), 'chat:x');
    const got = once<{ data: unknown; offset: number }>(sub, 'publication');
    const res = await api(b, 'publish', { channel: 'chat:x', data: { via: 'b' } });
    assert.equal(res.result.offset, 1);
    const pub = await got;
    assert.deepEqual(pub.data, { via: 'b' });
    assert.equal(pub.offset, 1);
  });

  it('shares presence and join/leave across nodes', async () => {
    const sa = await subscribed(await connect(a, 'ann'), 'chat:room', { joinLeave: true });
    const joined = collect<{ info: { user: string } }>(sa, 'join', 2);
    const sb = await subscribed(await connect(b, 'bob'), 'chat:room');
    const users = (await joined).map((j) => j.info.user).sort();
    assert.deepEqual(users, ['ann', 'bob']);
    const presence = await sb.presence();
    assert.deepEqual(Object.values(presence.clients).map((i) => i.user).sort(), ['ann', 'bob']);
    const left = once<{ info: { user: string } }>(sa, 'leave');
    sb.unsubscribe();
    assert.equal((await left).info.user, 'bob');
  });

  it('recovers on node B from a position learned on node A', async () => {
    const ca = await connect(a, 'mover');
    const sa = await subscribed(ca, 'chat:move');
    const first = once<{ offset: number }>(sa, 'publication');
    await api(b, 'publish', { channel: 'chat:move', data: { n: 1 } });
    const p1 = await first;
    const { epoch } = (await api(a, 'history', { channel: 'chat:move', limit: 0 })).result;
    ca.disconnect();
    await api(a, 'publish', { channel: 'chat:move', data: { n: 2 } });
    await api(b, 'publish', { channel: 'chat:move', data: { n: 3 } });
    const cb = await connect(b, 'mover');
    const sb = cb.newSubscription('chat:move', { since: { offset: p1.offset, epoch } });
    const resub = once<{ recovered: boolean }>(sb, 'subscribed');
    const missed = collect<{ data: { n: number } }>(sb, 'publication', 2);
    sb.subscribe();
    assert.equal((await resub).recovered, true);
    assert.deepEqual((await missed).map((p) => p.data.n), [2, 3]);
  });

  it('disconnects a user on node A through node B', async () => {
    const c = await connect(a, 'victim');
    const gone = once<{ code: number }>(c, 'disconnected');
    await api(b, 'disconnect', { user: 'victim' });
    assert.equal((await gone).code, 3503);
  });

  it('takes emulation commands on node B for an HTTP-streaming session held by node A', async () => {
    await until(async () => (await api(b, 'info', {})).result.nodes.length === 2);
    const c = sdk('json', [{ transport: 'http_stream', endpoint: `${a.httpUrl}/connection/http_stream` }], {
      emulationEndpoint: `${b.httpUrl}/emulation`,
      token: await connToken('streamer'),
    });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    // Subscribing goes through node B's /emulation to the session on node A.
    const sub = c.newSubscription('chat:streamed');
    sub.subscribe();
    await sub.ready(3000);
    const got = once<{ data: unknown }>(sub, 'publication');
    await api(b, 'publish', { channel: 'chat:streamed', data: { ok: true } });
    assert.deepEqual((await got).data, { ok: true });
  });

  it('subscribes a user on node A through node B', async () => {
    const c = await connect(a, 'target');
    const sub = once<{ channel: string }>(c, 'subscribed');
    await api(b, 'subscribe', { user: 'target', channel: 'chat:pushed' });
    assert.equal((await sub).channel, 'chat:pushed');
  });
});

// This suite stops and starts a Redis of its own, from the machine's redis-server.
const noRedisServer = skipWithoutProgram('redis-server', 'redis-server', ['--version'], /^Redis server v=/m);

describe('Redis restart', { skip: skip || noRedisServer || undefined }, () => {
  it('reports 503 while Redis is down, then resubscribes and recovers what was published meanwhile', async (t) => {
    const redis = await OwnRedis.start();
    const prefix = randomPrefix('restart');
    const a = await startServer(nodeConfig(prefix, redis.url));
    const b = await startServer(nodeConfig(prefix, redis.url));
    const c = sdk('json', a.url, { token: await connToken('survivor') });
    t.after(async () => {
      c.disconnect();
      await Promise.all([a.close(), b.close()]);
      await redis.down();
    });
    c.connect();
    await c.ready(3000);
    const sub = c.newSubscription('chat:restart');
    sub.subscribe();
    await sub.ready(3000);
    const received: number[] = [];
    sub.on('publication', (ctx) => received.push((ctx.data as { n: number }).n));
    await api(b, 'publish', { channel: 'chat:restart', data: { n: 1 } });
    await until(() => received.length === 1);

    await redis.down();
    await until(async () => (await fetch(`${a.httpUrl}/health`)).status === 503);
    const health = JSON.parse(await (await fetch(`${a.httpUrl}/health`)).text());
    assert.match(health.reason, /redis/);
    const failed = await api(b, 'publish', { channel: 'chat:restart', data: { n: 0 } });
    assert.deepEqual(failed.error, { code: 100, message: 'engine unavailable: retry later' });
    assert.equal(c.state, 'connected', 'clients are not dropped while Redis is down');

    await redis.up();
    // Publish through node B as soon as it can, racing node A's resubscription.
    await until(async () => (await api(b, 'publish', { channel: 'chat:restart', data: { n: 2 } })).result !== undefined, 10_000, 50);
    await api(b, 'publish', { channel: 'chat:restart', data: { n: 3 } });
    await until(async () => (await fetch(`${a.httpUrl}/health`)).status === 200, 10_000);
    await until(() => received.length >= 3, 10_000);
    assert.deepEqual(received, [1, 2, 3], 'no loss and no duplicates');
  });
});

describe('node failures', { skip: skip || undefined }, () => {
  it('moves the clients of a crashed node to another node, where they recover', async (t) => {
    const prefix = randomPrefix('crash');
    const a = await startServer(nodeConfig(prefix));
    const b = await startServer(nodeConfig(prefix));
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: a.app.address().port });
    const c = sdk('json', `ws://127.0.0.1:${proxy.port}/connection/websocket`, { token: await connToken('roamer') });
    t.after(async () => {
      c.disconnect();
      await proxy.close();
      await Promise.all([a.close(), b.close()]);
    });
    c.connect();
    await c.ready(3000);
    const sub = c.newSubscription('chat:crash');
    sub.subscribe();
    await sub.ready(3000);
    const received: number[] = [];
    sub.on('publication', (ctx) => received.push((ctx.data as { n: number }).n));
    await api(b, 'publish', { channel: 'chat:crash', data: { n: 1 } });
    await until(() => received.length === 1);

    // Node A "crashes": its connections drop and the balancer now sends everyone to B.
    proxy.target = { host: '127.0.0.1', port: b.app.address().port };
    proxy.drop();
    await api(b, 'publish', { channel: 'chat:crash', data: { n: 2 } });
    await api(b, 'publish', { channel: 'chat:crash', data: { n: 3 } });
    const resubscribed = once<{ recovered: boolean }>(sub, 'subscribed', 5000);
    assert.equal((await resubscribed).recovered, true);
    await until(() => received.length === 3);
    assert.deepEqual(received, [1, 2, 3]);
  });

  it('does not let a slow subscriber on one node delay the others', async (t) => {
    const prefix = randomPrefix('slow');
    const cfg = nodeConfig(prefix);
    cfg.client.queueMaxSize = 64 * 1024;
    // The slow reader resumes only once the others got everything; until then its close
    // frame waits in the socket, which the write timeout would otherwise cut (1006, not 3008).
    cfg.websocket.writeTimeout = 30_000;
    // The paused reader cannot answer pings either: no ping may come before its queue overflows,
    // however slowly a loaded machine publishes (3012 instead of 3008).
    cfg.client.pingInterval = 0;
    const a = await startServer(cfg);
    const b = await startServer(nodeConfig(prefix));
    const slow = await RawClient.open(a.url);
    const fast = sdk('json', a.url, { token: await connToken('fast') });
    t.after(async () => {
      slow.close();
      fast.disconnect();
      await Promise.all([a.close(), b.close()]);
    });
    slow.send({ id: 1, connect: { token: await connToken('slow') } }, { id: 2, subscribe: { channel: 'chat:firehose' } });
    await slow.reply(2);
    slow.ws.pause();
    fast.connect();
    await fast.ready(3000);
    const sub = fast.newSubscription('chat:firehose');
    sub.subscribe();
    await sub.ready(3000);
    let got = 0;
    sub.on('publication', () => got++);
    const blob = 'x'.repeat(4000);
    // Publish until the slow reader's queue overflows (kernel buffers absorb the first MBs),
    // bounded. The paused reader cannot see its close frame yet, so the server's side says
    // when it was let go: stopping there keeps the time its close frame waits short.
    const slowHeld = (): boolean => [...a.app.node.hub.userClients('slow')].length > 0;
    let total = 0;
    for (let round = 0; round < 200 && slowHeld(); round++) {
      await api(b, 'batch', { commands: Array.from({ length: 50 }, () => ({ publish: { channel: 'chat:firehose', data: { blob } } })) });
      total += 50;
    }
    t.diagnostic(`published ${total}`);
    assert.equal(slowHeld(), false, "the slow reader was let go");
    await until(() => got === total, 10_000);
    slow.ws.resume();
    assert.equal((await slow.closeCode()).code, 3008);
  });
});
