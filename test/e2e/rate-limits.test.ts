import { connect } from 'node:net';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { Config } from '../../src/config/types.js';
import { grpcApi } from '../helpers/grpc-api.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { RawClient } from '../helpers/raw.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'rate-limit-api-key';
const redisSkip = await skipWithout('Redis', redisUrl);

type ApiReply<T> = { result?: T; error?: { code: number; message: string } };
const api = async <T = Record<string, unknown>>(s: TestServer, method: string, body: object): Promise<ApiReply<T>> => {
  const r = await fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(body) });
  return JSON.parse(await r.text()) as ApiReply<T>;
};

const clients: Sdk[] = [];
after(() => {
  for (const c of clients) c.disconnect();
});

async function connected(s: TestServer, user: string): Promise<Sdk> {
  const c = sdk('json', s.url, { token: await connToken(user) });
  clients.push(c);
  c.connect();
  await c.ready(3000);
  return c;
}

/** A client publish: resolves with the error code (0 when it went through). */
async function publish(c: Sdk, channel = 'chat:room'): Promise<number> {
  try {
    await c.publish(channel, { text: 'hi' });
    return 0;
  } catch (err) {
    return (err as { code: number }).code;
  }
}

const bucket = (interval: string, rate: number) => ({ enabled: true, buckets: [{ interval, rate }] });

function config(edit?: (c: Config) => void): Config {
  return testConfig((c) => {
    c.httpApi.key = KEY;
    c.channel.namespaces = [namespace('chat', { allowPublishForClient: true, allowSubscribeForClient: true }), namespace('news', { allowPublishForClient: true })];
    edit?.(c);
  });
}

/** A WebSocket upgrade's outcome: 101 (the socket then handed to `opened`), the refusal's HTTP status, or -1. */
function upgradeStatus(url: string, opened: (ws: WebSocket) => void): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => (opened(ws), resolve(101)));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}
describe('rate limits of map writes and shared-poll tracking', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(
      config((c) => {
        c.client.insecure = true;
        const base = structuredClone(c.channel.withoutNamespace.map);
        c.channel.namespaces.push(
          namespace('board', { subscriptionType: 'map', map: { ...base, mode: 'ephemeral', keyTtl: 60_000, allowPublishForClient: true, allowRemoveForClient: true }, allowSubscribeForClient: true }),
        );
        const cc = c.client.rateLimit.clientCommand;
        cc.enabled = true;
        const one = { enabled: true, buckets: [{ interval: 3_600_000, rate: 1 }], namespaceOverrides: [] };
        cc.mapPublish = one;
        cc.mapRemove = one;
        cc.track = one;
        cc.untrack = one;
      }),
    );
  });
  after(() => server.close());

  it('charges a map write to map_publish or map_remove, shared-poll keys to track (refused with 111) and untrack (never refused)', async (t) => {
    const c = await RawClient.open(server.url, { deflate: false });
    t.after(() => c.close());
    c.send({ id: 1, connect: {} });
    assert.ok((await c.reply(1)).connect);
    let id = 1;
    const ask = async (cmd: object): Promise<number> => {
      const reply = await c.reply((c.send({ id: ++id, ...cmd }), id));
      return (reply.error as { code: number } | undefined)?.code ?? 0;
    };
    const mapWrite = (removed: boolean) => ask({ publish: { channel: 'board:a', type: 1, key: 'k', data: { n: 1 }, removed } });
    assert.deepEqual([await mapWrite(false), await mapWrite(false)], [0, 111]);
    assert.deepEqual([await mapWrite(true), await mapWrite(true)], [0, 111]);
    // A stream publish has buckets of its own (none here).
    assert.equal(await ask({ publish: { channel: 'chat:room', data: { text: 'hi' } } }), 0);
    // Not subscribed: below the limit the command reaches its handler, which refuses it; past it, 111 first.
    const track = () => ask({ sub_refresh: { channel: 'board:a', type: 1, track: [{ signature: 'x', items: [{ key: 'k' }] }] } });
    const first = await track();
    assert.ok(first !== 0 && first !== 111, `handler's refusal, got ${first}`);
    assert.equal(await track(), 111);
    const untrack = () => ask({ sub_refresh: { channel: 'board:a', type: 2, untrack: ['k'] } });
    const untracks = [await untrack(), await untrack(), await untrack()];
    assert.ok(!untracks.includes(111), `untrack is never refused: ${untracks.join(',')}`);
    const hits = (await api<{ hits: Array<{ layer: string; command: string; count: number }> }>(server, 'rate_limits_get', {})).result?.hits ?? [];
    const counted = (command: string) => hits.find((h) => h.layer === 'client_command' && h.command === command)?.count ?? 0;
    assert.deepEqual([counted('map_publish'), counted('map_remove'), counted('track'), counted('untrack'), counted('publish')], [1, 1, 1, 2, 0]);
  });
});

describe('rate limits on one node', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(
      config((c) => {
        c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, key: KEY };
        const cc = c.client.rateLimit.clientCommand;
        cc.enabled = true;
        cc.publish = { enabled: true, buckets: [{ interval: 1000, rate: 2 }], namespaceOverrides: [] };
      }),
    );
  });
  after(() => server.close());

  it('refuses a publish over the connection\'s bucket with 111, and lets it through once the bucket refilled', async () => {
    const c = await connected(server, 'alice');
    assert.deepEqual([await publish(c), await publish(c), await publish(c)], [0, 0, 111]);
    // Another connection of the same user has its own buckets.
    const other = await connected(server, 'alice');
    assert.equal(await publish(other), 0);
    await until(async () => (await publish(c)) === 0, 3000, 100);
    const hits = (await api<{ hits: Array<{ layer: string; command: string; dry_run: boolean; count: number }> }>(server, 'rate_limits_get', {})).result?.hits;
    assert.ok(hits?.some((h) => h.layer === 'client_command' && h.command === 'publish' && !h.dry_run && h.count >= 1));
  });

  it('changes limits at runtime (dry run counts and lets through), back to the file with {}', async () => {
    const set = await api(server, 'rate_limits_set', { settings: { client_command: { enabled: true, dry_run: true, publish: bucket('1h', 1) } } });
    assert.deepEqual(set, { result: {} });
    const c = await connected(server, 'bob');
    assert.deepEqual([await publish(c), await publish(c), await publish(c)], [0, 0, 0]);
    const got = await api<{ settings: { client_command: { dry_run: boolean; publish: unknown } }; overrides: unknown; updated_by: string; hits: Array<{ layer: string; command: string; dry_run: boolean; count: number }> }>(server, 'rate_limits_get', {});
    assert.equal(got.result?.settings.client_command.dry_run, true);
    assert.deepEqual(got.result?.settings.client_command.publish, { enabled: true, buckets: [{ interval: '1h', rate: 1 }], namespace_overrides: [] });
    assert.equal(got.result?.updated_by, 'apikey');
    assert.equal(got.result?.hits.find((h) => h.command === 'publish' && h.dry_run)?.count, 2);

    assert.deepEqual(await api(server, 'rate_limits_set', { settings: {} }), { result: {} });
    const d = await connected(server, 'bob');
    assert.deepEqual([await publish(d), await publish(d), await publish(d)], [0, 0, 111], 'the file\'s 2 per second again');
  });

  it('says which field of the settings is wrong', async () => {
    const bad = await api(server, 'rate_limits_set', { settings: { client_command: { publish: { enabled: true, buckets: [{ interval: '100ms', rate: 1 }] } } } });
    assert.equal(bad.error?.code, 107);
    assert.match(bad.error?.message ?? '', /settings\.client_command\.publish\.buckets\.0\.interval: expected a duration from "1s" to "1h"/);
    assert.match((await api(server, 'rate_limits_set', { settings: { client_commands: {} } })).error?.message ?? '', /client_commands/);
  });

  it('disconnects a connection over its client error budget with 3509', async () => {
    await api(server, 'rate_limits_set', { settings: { client_command: { enabled: true, publish: bucket('1h', 1) }, client_error: { enabled: true, total: bucket('1h', 2) } } });
    try {
      const c = await connected(server, 'carol');
      const gone = once<{ code: number; reason: string }>(c, 'disconnected', 3000);
      const codes = [await publish(c), await publish(c), await publish(c)];
      assert.deepEqual(codes.slice(0, 3), [0, 111, 111]);
      await publish(c).catch(() => 0);
      assert.deepEqual(await gone, { code: 3509, reason: 'too many errors' });
    } finally {
      await api(server, 'rate_limits_set', { settings: {} });
    }
  });

  it('answers the rate_limit API method per key', async () => {
    const key = `quota-${Date.now()}`;
    assert.deepEqual(await api(server, 'rate_limit', { key, interval: 60_000, rate: 2 }), { result: { allowed: true, tokens_left: 1 } });
    assert.deepEqual(await api(server, 'rate_limit', { key, interval: 60_000, rate: 2 }), { result: { allowed: true, tokens_left: 0 } });
    const refused = await api<{ allowed: boolean; tokens_left: number; allowed_in: number; server_time: number }>(server, 'rate_limit', { key, interval: 60_000, rate: 2 });
    assert.equal(refused.result?.allowed, false);
    assert.ok((refused.result?.allowed_in ?? 0) > 0 && (refused.result?.allowed_in ?? 0) <= 30_000);
    assert.ok(Math.abs((refused.result?.server_time ?? 0) - Date.now()) < 5000);
    assert.equal((await api(server, 'rate_limit', { key })).error?.code, 107);
  });

  it('serves rate_limit, rate_limits_get and rate_limits_set over gRPC', async () => {
    const client = grpcApi(server.app.grpcPort!, KEY);
    try {
      const key = `grpc-quota-${Date.now()}`;
      assert.deepEqual(await client.rpc('RateLimit', { key, interval: 1000, rate: 1 }), { result: { allowed: true, tokens_left: 0 } });
      const refused = await client.rpc<{ result: { allowed: boolean; allowed_in: number } }>('RateLimit', { key, interval: 1000, rate: 1 });
      assert.equal(refused.result.allowed, false);
      assert.ok(refused.result.allowed_in > 0);
      const settings = { client_command: { enabled: true, history: { enabled: true, buckets: [{ interval: '1m', rate: 7 }] } } };
      assert.deepEqual(await client.rpc('RateLimitsSet', { settings: Buffer.from(JSON.stringify(settings)) }), { result: {} });
      const got = await client.rpc<{ result: { settings: Buffer; overrides: Buffer; updated_by: string } }>('RateLimitsGet', {});
      assert.deepEqual(JSON.parse(got.result.overrides.toString()), settings);
      assert.deepEqual(JSON.parse(got.result.settings.toString()).client_command.history, { enabled: true, buckets: [{ interval: '1m', rate: 7 }], namespace_overrides: [] });
      assert.equal(got.result.updated_by, 'apikey');
    } finally {
      client.close();
      await api(server, 'rate_limits_set', { settings: {} });
    }
  });

  it('refuses connect attempts over the per-address buckets with HTTP 429', async () => {
    await api(server, 'rate_limits_set', { settings: { ip_connect: { enabled: true, buckets: [{ interval: '1h', rate: 2 }] } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(
          await upgradeStatus(server.url, (ws) => ws.close()),
        );
      }
      assert.deepEqual(statuses, [101, 101, 429]);
    } finally {
      await api(server, 'rate_limits_set', { settings: {} });
    }
  });

  it('caps the connections one address holds open (max_concurrent_per_ip), freeing a place when one closes', async () => {
    await api(server, 'rate_limits_set', { settings: { ip_connect: { enabled: true, max_concurrent_per_ip: 2 } } });
    const open: WebSocket[] = [];
    const attempt = () => upgradeStatus(server.url, (ws) => open.push(ws));
    try {
      assert.deepEqual([await attempt(), await attempt(), await attempt()], [101, 101, 429]);
      const closed = new Promise((r) => open[0]!.once('close', r));
      open[0]!.close();
      await closed;
      // The server sees the close a moment after the client does.
      await until(async () => (await attempt()) === 101, 3000, 50);
      const hits = (await api<{ hits: Array<{ layer: string; command: string; count: number }> }>(server, 'rate_limits_get', {})).result?.hits;
      assert.ok(hits?.some((h) => h.layer === 'ip_connect' && h.command === 'concurrent' && h.count >= 1));
    } finally {
      for (const ws of open) ws.close();
      await api(server, 'rate_limits_set', { settings: {} });
    }
  });

  it('holds no place for an upgrade refused at the handshake (max_concurrent_per_ip)', async () => {
    await api(server, 'rate_limits_set', { settings: { ip_connect: { enabled: true, max_concurrent_per_ip: 1 } } });
    const open: WebSocket[] = [];
    const attempt = () => upgradeStatus(server.url, (ws) => open.push(ws));
    // An upgrade without Sec-WebSocket-Key, refused with 400 after the address was admitted.
    const keyless = () =>
      new Promise<number>((resolve, reject) => {
        const { hostname, port, pathname } = new URL(server.url);
        const s = connect(Number(port), hostname, () => s.write(`GET ${pathname} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`));
        let got = '';
        s.on('data', (d) => (got += d.toString()));
        s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 0)));
        s.on('error', reject);
      });
    try {
      assert.deepEqual([await keyless(), await keyless()], [400, 400]);
      // Their places were freed at once: one connection is taken, the next refused.
      assert.deepEqual([await attempt(), await attempt()], [101, 429]);
    } finally {
      for (const ws of open) ws.close();
      await api(server, 'rate_limits_set', { settings: {} });
    }
  });

  it('ends a connection whose unsubscribes run over their buckets with 3503 (disconnect_on_accounted_limit)', async () => {
    await api(server, 'rate_limits_set', {
      settings: { client_command: { enabled: true, disconnect_on_accounted_limit: true, unsubscribe: bucket('1h', 1) }, ip_connect: { enabled: true, buckets: [{ interval: '1s', rate: 100 }] } },
    });
    try {
      const c = await connected(server, 'erin');
      const gone = once<{ code: number; reason: string }>(c, 'disconnected', 5000);
      const sub = c.newSubscription('chat:a');
      sub.subscribe();
      await sub.ready(3000);
      const left = once(sub, 'unsubscribed', 3000);
      sub.unsubscribe();
      await left;
      sub.subscribe();
      await sub.ready(3000);
      sub.unsubscribe();
      assert.deepEqual(await gone, { code: 3503, reason: 'too many requests' });
    } finally {
      await api(server, 'rate_limits_set', { settings: {} });
    }
  });

  it('gives a namespace\'s channels the buckets of its override', async () => {
    await api(server, 'rate_limits_set', {
      settings: { client_command: { enabled: true, publish: { enabled: true, buckets: [{ interval: '1h', rate: 1 }], namespace_overrides: [{ namespace_name: 'chat', enabled: true, buckets: [{ interval: '1h', rate: 3 }] }] } } },
    });
    try {
      const c = await connected(server, 'hana');
      assert.deepEqual([await publish(c, 'news:1'), await publish(c, 'news:2')], [0, 111], 'the base bucket');
      assert.deepEqual([await publish(c, 'chat:1'), await publish(c, 'chat:2'), await publish(c, 'chat:1'), await publish(c, 'chat:1')], [0, 0, 0, 111], 'the override instead');
      const got = await api<{ settings: { client_command: { publish: { namespace_overrides: unknown } } } }>(server, 'rate_limits_get', {});
      assert.deepEqual(got.result?.settings.client_command.publish.namespace_overrides, [{ namespace_name: 'chat', enabled: true, buckets: [{ interval: '1h', rate: 3 }] }]);
    } finally {
      await api(server, 'rate_limits_set', { settings: {} });
    }
  });

  it('limits a user across their connections on the node (user_command)', async () => {
    await api(server, 'rate_limits_set', { settings: { user_command: { enabled: true, publish: bucket('1h', 2) } } });
    try {
      const [a, b] = [await connected(server, 'frank'), await connected(server, 'frank')];
      assert.deepEqual([await publish(a), await publish(b), await publish(a), await publish(b)], [0, 0, 111, 111]);
      assert.equal(await publish(await connected(server, 'grace')), 0, 'another user');
    } finally {
      await api(server, 'rate_limits_set', { settings: {} });
    }
  });
});

describe('rate limits across two nodes on Redis', { skip: redisSkip || undefined }, () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    const prefix = randomPrefix('ratelimits');
    const cfg = () =>
      config((c) => {
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
      });
    a = await startServer(cfg());
    b = await startServer(cfg());
    await until(async () => ((await api<{ nodes: unknown[] }>(a, 'info', {})).result?.nodes.length ?? 0) === 2);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('applies a change made through one node on the other', async (t) => {
    const c = await connected(b, 'dave');
    assert.equal(await publish(c), 0);
    const started = performance.now();
    await api(a, 'rate_limits_set', { settings: { client_command: { enabled: true, publish: bucket('1h', 1) } } });
    const d = await connected(b, 'dave');
    await until(async () => {
      const fresh = await connected(b, 'dave');
      return (await publish(fresh)) === 0 && (await publish(fresh)) === 111;
    }, 3000, 20);
    t.diagnostic(`rate_limits_set on node A → in force on node B within ${(performance.now() - started).toFixed(1)} ms`);
    assert.equal(await publish(d), 0);
    assert.equal(await publish(d), 111);
    const got = await api<{ overrides: unknown }>(b, 'rate_limits_get', {});
    assert.deepEqual(got.result?.overrides, { client_command: { enabled: true, publish: bucket('1h', 1) } });
    await api(b, 'rate_limits_set', { settings: {} });
  });

  it('shares per-user buckets and rate_limit keys between nodes', async () => {
    await api(a, 'rate_limits_set', { settings: { redis_user_command: { enabled: true, publish: bucket('1h', 2) } } });
    try {
      await until(async () => ((await api<{ settings: { redis_user_command: { enabled: boolean } } }>(b, 'rate_limits_get', {})).result?.settings.redis_user_command.enabled ?? false));
      const onA = await connected(a, 'erin');
      const onB = await connected(b, 'erin');
      assert.deepEqual([await publish(onA), await publish(onB), await publish(onA), await publish(onB)], [0, 0, 111, 111]);
      const other = await connected(b, 'frank');
      assert.equal(await publish(other), 0, 'another user has their own buckets');
    } finally {
      await api(a, 'rate_limits_set', { settings: {} });
    }
    const key = randomPrefix('quota');
    assert.equal((await api<{ allowed: boolean }>(a, 'rate_limit', { key, interval: 60_000, rate: 1 })).result?.allowed, true);
    const onB = await api<{ allowed: boolean; allowed_in: number }>(b, 'rate_limit', { key, interval: 60_000, rate: 1 });
    assert.equal(onB.result?.allowed, false);
    assert.ok((onB.result?.allowed_in ?? 0) > 50_000);
  });
});
