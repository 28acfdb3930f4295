import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EngineError, Parsec } from '../../src/app.js';
import type { Config } from '../../src/config/types.js';
import { collect, once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { natsUrl, randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

/*
 * Centrifugo's split topologies: the engine's broker and presence manager replaced by others
 * (`broker.enabled`, `presence_manager.enabled`), each node of a cluster configured the same.
 */

const KEY = 'engine-parts-api-key';
const skipRedis = await skipWithout('Redis', redisUrl);
const skipNats = await skipWithout('NATS', natsUrl);

const chat = namespace('chat', {
  presence: true,
  joinLeave: true,
  historySize: 50,
  historyTtl: 300_000,
  forceRecovery: true,
  allowSubscribeForClient: true,
  allowPublishForSubscriber: true,
  allowPresenceForSubscriber: true,
  allowHistoryForSubscriber: true,
});
const room = namespace('room', { presence: true, joinLeave: true, allowSubscribeForClient: true, allowPresenceForSubscriber: true });

const api = async (s: TestServer, method: string, params: object): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string } }> => {
  const res = await fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(params) });
  return (await res.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
};

interface Readiness {
  status: number;
  checks: Record<string, { ok: boolean; reason?: string }>;
}

const ready = async (s: TestServer): Promise<Readiness> => {
  const res = await fetch(`${s.httpUrl}/health/ready`);
  return { status: res.status, checks: ((await res.json()) as { checks: Readiness['checks'] }).checks };
};

/** Two nodes and the SDK clients a test opens on them, closed after the suite. */
function cluster(config: () => Config) {
  const nodes: TestServer[] = [];
  const clients: Sdk[] = [];
  before(async () => {
    nodes.push(await startServer(config()), await startServer(config()));
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(nodes.map((n) => n.close()));
  });
  return {
    get a(): TestServer {
      return nodes[0]!;
    },
    get b(): TestServer {
      return nodes[1]!;
    },
    async connect(s: TestServer, user: string): Promise<Sdk> {
      const c = sdk('json', s.url, { token: await connToken(user) });
      clients.push(c);
      c.connect();
      await c.ready(3000);
      return c;
    },
  };
}

async function subscribed(c: Sdk, channel: string, opts = {}) {
  const sub = c.newSubscription(channel, opts);
  sub.subscribe();
  await sub.ready(3000);
  return sub;
}

describe('memory engine, NATS broker, Redis presence manager', { skip: skipRedis || skipNats || undefined }, () => {
  const pmPrefix = randomPrefix('pm');
  const natsPrefix = randomPrefix('pmnats');
  let relay: TcpProxy;
  const redis = new URL(redisUrl);
  before(async () => {
    relay = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
  });
  after(() => relay.close());
  const c = cluster(() =>
    testConfig((cfg) => {
      cfg.httpApi.key = KEY;
      cfg.engine.type = 'memory';
      cfg.broker = { ...cfg.broker, enabled: true, type: 'nats', nats: { ...cfg.broker.nats, url: natsUrl, prefix: natsPrefix } };
      cfg.presenceManager = { enabled: true, type: 'redis', redis: { ...cfg.presenceManager.redis, address: [`redis://127.0.0.1:${relay.port}`], prefix: pmPrefix } };
      cfg.channel.namespaces = [room];
    }),
  );

  it("shows an SDK client on node A the presence of a client on node B, and the stats", async () => {
    const sa = await subscribed(await c.connect(c.a, 'ann'), 'room:1', { joinLeave: true });
    const joined = once<{ info: { user: string } }>(sa, 'join');
    await subscribed(await c.connect(c.b, 'bob'), 'room:1');
    // Join/leave go through the broker (NATS), presence through Redis.
    let j = await joined;
    if (j.info.user === 'ann') j = await once(sa, 'join');
    assert.equal(j.info.user, 'bob');
    const presence = await sa.presence();
    assert.deepEqual(Object.values(presence.clients).map((i) => i.user).sort(), ['ann', 'bob']);
    assert.deepEqual(await sa.presenceStats(), { numClients: 2, numUsers: 2 });
    const fromB = await api(c.b, 'presence_stats', { channel: 'room:1' });
    assert.deepEqual(fromB.result, { num_clients: 2, num_users: 2 });
  });

  it('drops a client from presence on every node when it unsubscribes', async () => {
    const sa = await subscribed(await c.connect(c.a, 'cat'), 'room:2', { joinLeave: true });
    const sb = await subscribed(await c.connect(c.b, 'dan'), 'room:2');
    const left = once<{ info: { user: string } }>(sa, 'leave');
    sb.unsubscribe();
    assert.equal((await left).info.user, 'dan');
    await until(async () => Object.keys((await sa.presence()).clients).length === 1);
  });

  it('reports the presence manager in readiness: ready, then not while its Redis is cut off', async () => {
    assert.deepEqual(await ready(c.a), { status: 200, checks: { engine: { ok: true }, presence_manager: { ok: true } } });
    relay.cut();
    try {
      await until(async () => (await ready(c.a)).checks.presence_manager?.ok === false, 10_000, 100);
      const down = await ready(c.a);
      assert.equal(down.status, 503);
      assert.match(down.checks.presence_manager!.reason!, /redis shard 0: command connection/);
      // Delivery goes on: the broker is NATS.
      assert.deepEqual(down.checks.engine, { ok: true });
    } finally {
      relay.restore();
    }
    await until(async () => (await ready(c.a)).status === 200, 15_000, 100);
  });
});

describe('memory engine, Redis broker', { skip: skipRedis || undefined }, () => {
  const prefix = randomPrefix('rbroker');
  const config = (): Config =>
    testConfig((cfg) => {
      cfg.httpApi.key = KEY;
      cfg.engine.type = 'memory';
      cfg.broker = { ...cfg.broker, enabled: true, type: 'redis', redis: { ...cfg.broker.redis, address: [redisUrl], prefix } };
      cfg.channel.namespaces = [chat];
    });
  const c = cluster(config);

  it('delivers a publication made on node A to a subscriber on node B, with its stream position', async () => {
    const sb = await subscribed(await c.connect(c.b, 'reader'), 'chat:x');
    const got = once<{ data: unknown; offset: number }>(sb, 'publication');
    const res = await api(c.a, 'publish', { channel: 'chat:x', data: { via: 'a' } });
    assert.equal(res.result?.offset, 1);
    const pub = await got;
    assert.deepEqual(pub.data, { via: 'a' });
    assert.equal(pub.offset, 1);
    const history = await sb.history({ limit: 10 });
    assert.deepEqual(history.publications.map((p) => p.data), [{ via: 'a' }]);
  });

  it('recovers on node B from a position learned on node A', async () => {
    const ca = await c.connect(c.a, 'mover');
    const sa = await subscribed(ca, 'chat:move');
    const first = once<{ offset: number }>(sa, 'publication');
    await api(c.b, 'publish', { channel: 'chat:move', data: { n: 1 } });
    const p1 = await first;
    const epoch = (await api(c.a, 'history', { channel: 'chat:move', limit: 0 })).result?.epoch as string;
    ca.disconnect();
    await api(c.a, 'publish', { channel: 'chat:move', data: { n: 2 } });
    await api(c.b, 'publish', { channel: 'chat:move', data: { n: 3 } });
    const sb = (await c.connect(c.b, 'mover')).newSubscription('chat:move', { since: { offset: p1.offset, epoch } });
    const resub = once<{ recovered: boolean }>(sb, 'subscribed');
    const missed = collect<{ data: { n: number } }>(sb, 'publication', 2);
    sb.subscribe();
    assert.equal((await resub).recovered, true);
    assert.deepEqual((await missed).map((p) => p.data.n), [2, 3]);
  });

  it('carries join/leave and control messages; presence stays on each node (memory)', async () => {
    await until(async () => ((await api(c.a, 'info', {})).result?.nodes as unknown[]).length === 2);
    const sa = await subscribed(await c.connect(c.a, 'eve'), 'chat:room', { joinLeave: true });
    const joined = collect<{ info: { user: string } }>(sa, 'join', 2);
    await subscribed(await c.connect(c.b, 'fay'), 'chat:room');
    assert.deepEqual((await joined).map((j) => j.info.user).sort(), ['eve', 'fay']);
    assert.deepEqual(Object.values((await sa.presence()).clients).map((i) => i.user), ['eve']);
  });

  it('is ready with the Redis broker as its engine check', async () => {
    assert.deepEqual(await ready(c.a), { status: 200, checks: { engine: { ok: true } } });
  });

  it("keeps blocks and rate-limit settings in the broker's Redis, where a node started later finds them", async (t) => {
    assert.equal((await api(c.a, 'block_user', { user: 'latecomer-blocked', reason: 'test' })).error, undefined);
    const settings = { client_command: { enabled: true, publish: { enabled: true, buckets: [{ interval: '1m', rate: 7 }] } } };
    assert.equal((await api(c.b, 'rate_limits_set', { settings })).error, undefined);
    const late = await startServer(config());
    t.after(() => late.close());
    const listed = (await api(late, 'blocked_users', {})).result?.blocks as Array<{ user: string }>;
    assert.deepEqual(listed.map((b) => b.user), ['latecomer-blocked']);
    const limits = (await api(late, 'rate_limits_get', {})).result as { settings: { client_command: { publish: { buckets: Array<{ rate: number }> } } } };
    assert.equal(limits.settings.client_command.publish.buckets[0]?.rate, 7);
    const c2 = sdk('json', late.url, { token: await connToken('latecomer-blocked') });
    const d = once<{ code: number; reason: string }>(c2, 'disconnected');
    c2.connect();
    assert.deepEqual(await d.then(({ code, reason }) => ({ code, reason })), { code: 3503, reason: 'user blocked' });
  });
});

describe('a start with engine parts apart', () => {
  const unreachable = 'redis://127.0.0.1:1';
  it('names presence_manager.redis.address when its Redis is unreachable', async () => {
    const config = testConfig((c) => {
      c.presenceManager = { enabled: true, type: 'redis', redis: { ...c.presenceManager.redis, address: [unreachable], connectTimeout: 300 } };
    });
    await assert.rejects(Parsec.start({ config }), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.match(err.message, /^presence_manager\.redis\.address: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
      return true;
    });
  });

  it('names broker.redis.address when its Redis is unreachable', async () => {
    const config = testConfig((c) => {
      c.broker = { ...c.broker, enabled: true, type: 'redis', redis: { ...c.broker.redis, address: [unreachable], connectTimeout: 300 } };
    });
    await assert.rejects(Parsec.start({ config }), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.match(err.message, /^broker\.redis\.address: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
      return true;
    });
  });

  it('runs with both parts replaced and the engine left out', { skip: skipRedis || undefined }, async (t) => {
    const prefix = randomPrefix('both');
    const server = await startServer(
      testConfig((c) => {
        c.broker = { ...c.broker, enabled: true, type: 'redis', redis: { ...c.broker.redis, address: [redisUrl], prefix } };
        c.presenceManager = { enabled: true, type: 'redis', redis: { ...c.presenceManager.redis, address: [redisUrl], prefix } };
        c.channel.namespaces = [room];
        c.admin = { ...c.admin, enabled: true, insecure: true };
      }),
    );
    t.after(() => server.close());
    // The admin UI's overview says which parts run.
    const session = (await (await fetch(`${server.httpUrl}/admin/session`)).json()) as { engine: unknown };
    assert.deepEqual(session.engine, { type: 'memory', broker: 'redis', presence_manager: 'redis', state: 'ok' });
    const client = sdk('json', server.url, { token: await connToken('solo') });
    t.after(() => client.disconnect());
    client.connect();
    await client.ready(3000);
    const sub = await subscribed(client, 'room:solo');
    assert.deepEqual(Object.values((await sub.presence()).clients).map((i) => i.user), ['solo']);
    assert.deepEqual((await ready(server)).checks, { engine: { ok: true }, presence_manager: { ok: true } });
  });
});
