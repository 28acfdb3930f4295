import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Config } from '../../src/config/types.js';
import { API_KEY, call, enableBroker, startIdp, userToken } from '../helpers/broker.js';
import type { JwksServer, SigningKey } from '../helpers/jwks-server.js';
import { JumpClock } from '../helpers/clock.js';
import { grpcApi } from '../helpers/grpc-api.js';
import { once, sdk, sdkOver, transportCases, type Sdk } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { postgresUrl, randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { connToken, nowSec } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'blocking-api-key';
const redisSkip = await skipWithout('Redis', redisUrl);
const pgSkip = await skipWithout('Postgres', postgresUrl);

interface Disconnected {
  code: number;
  reason: string;
}

interface BlockEntry {
  id: string;
  user: string;
  reason: string;
  blocked_by: string;
  blocked_at: number;
  expire_at: number;
  lifted_at: number;
  lifted_by: string;
}

const api = async <T = Record<string, unknown>>(s: TestServer, method: string, body: object, key = KEY): Promise<{ result?: T; error?: { code: number; message: string } }> => {
  const r = await fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': key }, body: JSON.stringify(body) });
  return JSON.parse(await r.text()) as { result?: T; error?: { code: number; message: string } };
};

const clients: Sdk[] = [];
after(() => {
  for (const c of clients) c.disconnect();
});

/** An SDK session; resolves once connected. */
async function connected(make: () => Sdk | Promise<Sdk>): Promise<Sdk> {
  const c = await make();
  clients.push(c);
  c.connect();
  await c.ready(3000);
  return c;
}

/** A connect attempt that the server must refuse: resolves with the disconnect it got. */
async function refused(s: TestServer, user: string): Promise<Disconnected> {
  const c = sdk('json', s.url, { token: await connToken(user) });
  clients.push(c);
  const d = once<Disconnected>(c, 'disconnected');
  c.connect();
  return d;
}

function clusterConfig(prefix: string): Config {
  return testConfig((c) => {
    c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
    c.httpApi.key = KEY;
    c.httpStream.enabled = true;
    c.sse.enabled = true;
    c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, key: KEY };
  });
}

/** Two nodes on Redis: a block taken through one node ends the user's sessions on the other. */
describe('user blocking across two nodes', { skip: redisSkip || undefined }, () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    const prefix = randomPrefix('blocking');
    a = await startServer(clusterConfig(prefix));
    b = await startServer(clusterConfig(prefix));
    await until(async () => ((await api<{ nodes: unknown[] }>(a, 'info', {})).result?.nodes.length ?? 0) === 2);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('disconnects every live session of the user on the other node (all transports), then refuses reconnects until unblocked', async (t) => {
    const token = await connToken('mallory');
    const sessions = await Promise.all(transportCases.map((c) => connected(() => sdkOver(c, b.httpUrl, { token }))));
    const started = performance.now();
    const ends = sessions.map((s) => once<Disconnected>(s, 'disconnected', 5000).then((d) => ({ ...d, ms: performance.now() - started })));
    const res = await api(a, 'block_user', { user: 'mallory', reason: 'spam' });
    const answered = performance.now() - started;
    assert.deepEqual(res, { result: {} });
    const got = await Promise.all(ends);
    for (const d of got) assert.deepEqual({ code: d.code, reason: d.reason }, { code: 3503, reason: 'user blocked' });
    const ms = got.map((d) => d.ms).sort((x, y) => x - y);
    t.diagnostic(
      `block → disconnect on the other node: ${ms.map((m) => m.toFixed(1)).join(', ')} ms (${transportCases.map((c) => `${c.transport}/${c.protocol}`).join(', ')}); the API answered after ${answered.toFixed(1)} ms`,
    );

    for (const s of [a, b]) assert.deepEqual(await refused(s, 'mallory'), { code: 3503, reason: 'user blocked' });

    const listed = await api<{ blocks: BlockEntry[] }>(b, 'blocked_users', {});
    assert.equal(listed.result?.blocks.length, 1);
    const entry = listed.result!.blocks[0]!;
    assert.deepEqual({ ...entry, id: '', blocked_at: 0 }, { id: '', user: 'mallory', reason: 'spam', blocked_by: 'apikey', blocked_at: 0, expire_at: 0, lifted_at: 0, lifted_by: '' });
    assert.ok(Math.abs(entry.blocked_at - nowSec()) <= 5);

    assert.deepEqual(await api(b, 'unblock_user', { user: 'mallory' }), { result: {} });
    // The unblock reaches node A through the control plane too.
    await until(async () => {
      const c = sdk('json', a.url, { token });
      clients.push(c);
      c.connect();
      try {
        await c.ready(1000);
        return true;
      } catch {
        c.disconnect();
        return false;
      }
    }, 5000, 100);
    await connected(() => sdk('json', b.url, { token }));
    const history = await api<{ blocks: BlockEntry[] }>(a, 'blocked_users', { user: 'mallory', history: true });
    assert.equal(history.result?.blocks[0]?.lifted_by, 'apikey');
    assert.ok((history.result?.blocks[0]?.lifted_at ?? 0) >= entry.blocked_at);
    assert.deepEqual((await api<{ blocks: BlockEntry[] }>(a, 'blocked_users', {})).result, { blocks: [] });
  });

  it('spares other users, and says what is wrong with a bad request', async () => {
    const bob = await connected(async () => sdk('json', b.url, { token: await connToken('bob') }));
    await api(a, 'block_user', { user: 'eve' });
    await assert.rejects(once(bob, 'disconnected', 500));
    assert.equal((await api(a, 'block_user', {})).error?.code, 107);
    assert.match((await api(a, 'block_user', { user: 'x', expire_at: 1000 })).error?.message ?? '', /expire_at is in the past/);
    assert.equal((await api(a, 'blocked_users', { cursor: 'nonsense' })).error?.code, 107);
    await api(a, 'unblock_user', { user: 'eve' });
  });

  it('serves block_user, unblock_user and blocked_users over gRPC, with the caller as blocker', async () => {
    const client = grpcApi(a.app.grpcPort!, KEY);
    const { rpc } = client;
    try {
      const expireAt = nowSec() + 3600;
      assert.deepEqual(await rpc('BlockUser', { user: 'grpc-user', expire_at: expireAt, reason: 'via grpc' }), { result: {} });
      const listed = await rpc<{ result: { blocks: BlockEntry[] } }>('BlockedUsers', { user: 'grpc-user' });
      assert.equal(listed.result.blocks.length, 1);
      assert.deepEqual({ ...listed.result.blocks[0], id: '', blocked_at: 0 }, {
        id: '',
        user: 'grpc-user',
        reason: 'via grpc',
        blocked_by: 'apikey',
        blocked_at: 0,
        expire_at: expireAt,
        lifted_at: 0,
        lifted_by: '',
      });
      assert.deepEqual(await refused(b, 'grpc-user'), { code: 3503, reason: 'user blocked' });
      assert.deepEqual(await rpc('UnblockUser', { user: 'grpc-user' }), { result: {} });
      const batch = await rpc<{ replies: Array<Record<string, unknown>> }>('Batch', { commands: [{ block_user: { user: 'batch-user' } }, { unblocked: {} }, { unblock_user: { user: 'batch-user' } }] });
      assert.deepEqual(batch.replies.map((r) => Object.keys(r)), [['block_user'], ['error'], ['unblock_user']]);
    } finally {
      client.close();
    }
  });
});

/** Blocks lapse at their expiry, and the token broker issues nothing to a blocked user. */
describe('user blocking on one node', () => {
  let idp: JwksServer;
  let key: SigningKey;
  let server: TestServer;
  const clock = new JumpClock();
  before(async () => {
    ({ idp, key } = await startIdp());
    server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
      }),
      undefined,
      clock,
    );
  });
  after(async () => {
    await server.close();
    await idp.close();
  });
  const adminApi = (method: string, body: object) => api(server, method, body, API_KEY);

  it('refuses tokens for a blocked user with 403, asked for by the user or delegated', async () => {
    const bearer = await userToken(key, 'u-banned');
    assert.equal((await call(server, '/token', { bearer, body: { channels: ['user:u-banned'] } })).status, 200);
    await adminApi('block_user', { user: 'u-banned', reason: 'abuse' });
    const own = await call<{ error: string; code: string }>(server, '/token', { bearer, body: { channels: ['user:u-banned'] } });
    assert.deepEqual({ status: own.status, body: own.body }, { status: 403, body: { error: 'user "u-banned" is blocked', code: 'PARSEC_BROKER_FORBIDDEN' } });
    const delegated = await call(server, '/token/delegate', { bearer: 'billing-service-key-0123456789', body: { on_behalf_of: 'u-banned', channels: ['team:a'] } });
    assert.equal(delegated.status, 403);
    await adminApi('unblock_user', { user: 'u-banned' });
    assert.equal((await call(server, '/token', { bearer, body: { channels: ['user:u-banned'] } })).status, 200);
  });

  it('lets a block lapse by itself at expire_at', async () => {
    const expireAt = Math.floor(clock.now() / 1000) + 60;
    await adminApi('block_user', { user: 'temp', expire_at: expireAt });
    assert.deepEqual(await refused(server, 'temp'), { code: 3503, reason: 'user blocked' });
    clock.jump(61_000);
    await connected(async () => sdk('json', server.url, { token: await connToken('temp', { exp: Math.floor(clock.now() / 1000) + 600 }) }));
    const history = await adminApi('blocked_users', { user: 'temp', history: true });
    assert.equal((history.result as { blocks: BlockEntry[] }).blocks[0]?.lifted_at, 0, 'lapsed, not lifted');
  });
});

/** Blocks in PostgreSQL survive a restart; a database gone later leaves connects checked from memory. */
describe('user blocking with PostgreSQL', { skip: pgSkip || undefined }, () => {
  const schema = `parsec_mod_e2e_${randomBytes(4).toString('hex')}`;
  let db: pg.Client;
  let proxy: TcpProxy;
  before(async () => {
    db = new pg.Client({ connectionString: postgresUrl });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(postgresUrl);
    proxy = await TcpProxy.start({ host: u.hostname, port: Number(u.port || 5432) });
  });
  after(async () => {
    await proxy.close();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  });
  const config = () =>
    testConfig((c) => {
      c.httpApi.key = KEY;
      const u = new URL(postgresUrl);
      u.port = String(proxy.port);
      u.searchParams.set('options', `-c search_path=${schema}`);
      c.parsec.store.postgresDsn = u.toString();
    });

  it('keeps blocks over a restart, and degrades to the block set in memory when the database goes away', async () => {
    let server = await startServer(config());
    await api(server, 'block_user', { user: 'persisted', reason: 'kept' });
    const { rows } = await db.query(`SELECT user_id, reason, blocked_by FROM ${schema}.parsec_user_blocks`);
    assert.deepEqual(rows, [{ user_id: 'persisted', reason: 'kept', blocked_by: 'apikey' }]);
    await server.close();

    server = await startServer(config());
    try {
      assert.deepEqual(await refused(server, 'persisted'), { code: 3503, reason: 'user blocked' });
      proxy.cut();
      assert.deepEqual(await refused(server, 'persisted'), { code: 3503, reason: 'user blocked' }, 'checked from memory');
      await connected(async () => sdk('json', server.url, { token: await connToken('fine') }));
      const res = await api(server, 'block_user', { user: 'later' });
      assert.deepEqual(res.error, { code: 100, message: 'moderation store unavailable: retry later' });
    } finally {
      proxy.restore();
      await server.close();
    }
  });

  it('does not start when the database cannot be reached', async () => {
    proxy.cut();
    try {
      await assert.rejects(startServer(config()), /parsec\.store\.postgres_dsn: cannot use PostgreSQL/);
    } finally {
      proxy.restore();
    }
  });
});
