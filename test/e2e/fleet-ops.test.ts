import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'fleet-api-key';
const skip = await skipWithout('Redis', redisUrl);

function nodeConfig(prefix: string, name: string): Config {
  return testConfig((c) => {
    c.node.name = name;
    c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
    c.httpApi.key = KEY;
    c.channel.namespaces = [namespace('pricing', {}), namespace('chat', { allowSubscribeForClient: true })];
  });
}

type Reply = { result?: Record<string, unknown>; error?: { code: number; message: string } };

const api = (s: TestServer, method: string, body: object): Promise<Reply> =>
  fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Reply>);

/** The seed's examples, on two nodes sharing Redis, observed by SDK clients on both. */
describe('fleet operations by label across two nodes', { skip: skip || undefined }, () => {
  let a: TestServer;
  let b: TestServer;
  let clients: Sdk[] = [];

  const connect = async (s: TestServer, user: string, labels: Record<string, string>): Promise<Sdk> => {
    const c = sdk('json', s.url, { token: await connToken(user, { labels }), name: 'fleet-test', version: labels.app_version ?? '' });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };
  /** The fleet the examples act on: EU/US, pro/free, app versions, platforms, spread over both nodes. */
  const fleet = async () => ({
    euProA: await connect(a, 'alice', { region: 'eu', tier: 'pro', app_version: '2.0.0' }),
    euProB: await connect(b, 'bob', { region: 'eu', tier: 'pro', app_version: '1.0.0' }),
    euFreeB: await connect(b, 'dave', { region: 'eu', tier: 'free', app_version: '1.1.0' }),
    usProA: await connect(a, 'carol', { region: 'us', tier: 'pro', app_version: '2.0.0' }),
  });
  /** Records `event` on `target` (those `which` picks) from now on. */
  const watch = <T>(target: object, event: string, which: (ctx: T) => boolean = () => true): T[] => {
    const seen: T[] = [];
    (target as { on(event: string, fn: (ctx: T) => void): void }).on(event, (ctx) => which(ctx) && seen.push(ctx));
    return seen;
  };
  let markers = 0;
  /**
   * Proves that an operation sent through `via` left `watched` events alone on `user`'s
   * connection `c`: a server-side subscription sent through the same node after it reaches
   * the connection after anything the operation did there, and none came before it.
   */
  const untouched = async (via: TestServer, c: Sdk, user: string, watched: unknown[]): Promise<void> => {
    const channel = `chat:marker-${++markers}`;
    const marked = watch<{ channel: string }>(c, 'subscribed', (ctx) => ctx.channel === channel);
    await api(via, 'subscribe', { user, channel });
    await until(() => marked.length > 0 || watched.length > 0);
    assert.deepEqual(watched, [], `${user} was left alone`);
    await until(() => marked.length > 0);
  };

  before(async () => {
    const prefix = randomPrefix('fleet');
    a = await startServer(nodeConfig(prefix, 'fleet-a'));
    b = await startServer(nodeConfig(prefix, 'fleet-b'));
    // Both nodes must know each other before a survey can count on both.
    const peers = async (s: TestServer) => ((await api(s, 'info', {})).result!.nodes as unknown[]).length;
    await until(async () => (await peers(a)) === 2 && (await peers(b)) === 2);
  });
  beforeEach(() => {
    for (const c of clients) c.disconnect();
    clients = [];
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('disconnects every EU pro-tier client on every node', async () => {
    const f = await fleet();
    const gone = [once<{ code: number }>(f.euProA, 'disconnected'), once<{ code: number }>(f.euProB, 'disconnected')];
    const spared = [watch(f.euFreeB, 'disconnected'), watch(f.usProA, 'disconnected')];
    const res = await api(a, 'disconnect', {
      all_users: true,
      label_filter: { op: 'and', nodes: [{ key: 'region', cmp: 'eq', val: 'eu' }, { key: 'tier', cmp: 'eq', val: 'pro' }] },
    });
    assert.deepEqual(res, { result: { affected: 2 } });
    for (const d of await Promise.all(gone)) assert.equal(d.code, 3503);
    await Promise.all([untouched(a, f.euFreeB, 'dave', spared[0]!), untouched(a, f.usProA, 'carol', spared[1]!)]);
  });

  it('refreshes every client on a deprecated app version: they reconnect with 3005', async () => {
    const f = await fleet();
    const reconnecting = [once<{ code: number }>(f.euProB, 'connecting'), once<{ code: number }>(f.euFreeB, 'connecting')];
    const spared = watch(f.euProA, 'connecting');
    const res = await api(b, 'refresh', { all_users: true, expired: true, label_filter: { key: 'app_version', cmp: 'in', vals: ['1.0.0', '1.1.0'] } });
    assert.deepEqual(res, { result: { affected: 2 } });
    for (const r of await Promise.all(reconnecting)) assert.equal(r.code, 3005);
    await untouched(b, f.euProA, 'alice', spared);
    await Promise.all([f.euProB.ready(3000), f.euFreeB.ready(3000)]);
  });

  it('subscribes every pro-tier connection to a feature channel, server-side', async () => {
    const f = await fleet();
    const subscribed = [f.euProA, f.euProB, f.usProA].map((c) => once<{ channel: string }>(c, 'subscribed'));
    const spared = watch<{ channel: string }>(f.euFreeB, 'subscribed', (ctx) => ctx.channel === 'pricing:v2');
    const res = await api(a, 'subscribe', { all_users: true, channel: 'pricing:v2', label_filter: { key: 'tier', cmp: 'eq', val: 'pro' } });
    assert.deepEqual(res, { result: { affected: 3 } });
    for (const s of await Promise.all(subscribed)) assert.equal(s.channel, 'pricing:v2');
    await untouched(a, f.euFreeB, 'dave', spared);
    // The server-side subscription is live: a publication reaches the pro clients on both nodes.
    const got = once<{ data: unknown }>(f.euProB, 'publication');
    await api(a, 'publish', { channel: 'pricing:v2', data: { price: 42 } });
    assert.deepEqual((await got).data, { price: 42 });
  });

  it("narrows one user's connections by label", async () => {
    const desktopOld = await connect(b, 'user42', { platform: 'desktop', app_version: '2.5.0' });
    const desktopNew = await connect(a, 'user42', { platform: 'desktop', app_version: '3.1.0' });
    const mobile = await connect(a, 'user42', { platform: 'mobile', app_version: '2.0.0' });
    const subs = [desktopOld, desktopNew, mobile].map((c) => c.newSubscription('chat:lobby'));
    for (const s of subs) s.subscribe();
    await Promise.all(subs.map((s) => s.ready(3000)));
    const left = once<{ code: number }>(subs[0]!, 'unsubscribed');
    const spared = [watch(subs[1]!, 'unsubscribed'), watch(subs[2]!, 'unsubscribed')];
    const res = await api(a, 'unsubscribe', {
      user: 'user42',
      channel: 'chat:lobby',
      label_filter: { op: 'and', nodes: [{ key: 'platform', cmp: 'eq', val: 'desktop' }, { key: 'app_version', cmp: 'lt', val: '3.0.0' }] },
    });
    assert.deepEqual(res, { result: { affected: 1 } });
    assert.equal((await left).code, 2000);
    await Promise.all([untouched(a, desktopNew, 'user42', spared[0]!), untouched(a, mobile, 'user42', spared[1]!)]);
  });

  it('evacuates every connection with a maintenance code', async () => {
    const f = await fleet();
    const anonymousOff = await api(a, 'disconnect', { disconnect: { code: 4000, reason: 'scheduled maintenance' } });
    assert.deepEqual(anonymousOff, { result: { affected: 0 } }, 'without all_users an empty user means the anonymous connections only');
    // 4000-4499 let the SDK reconnect, so each one reports it as `connecting` with the code.
    const all = Object.values(f).map((c) => once<{ code: number; reason: string }>(c, 'connecting'));
    const res = await api(b, 'disconnect', { all_users: true, disconnect: { code: 4000, reason: 'scheduled maintenance' } });
    assert.deepEqual(res, { result: { affected: 4 } });
    for (const d of await Promise.all(all)) assert.deepEqual([d.code, d.reason], [4000, 'scheduled maintenance']);
  });

  it('refuses a bad filter with 107 and touches nothing', async () => {
    const f = await fleet();
    const spared = watch(f.euProA, 'disconnected');
    for (const [filter, message] of [
      [{ op: 'xor', nodes: [] }, 'label_filter: filter: unknown op "xor"'],
      [{ op: 'and', nodes: [{ key: 'tier', cmp: 'eq', val: 'pro' }, { cmp: 'eq', val: 'x' }] }, 'label_filter: nodes[1]: leaf without key'],
      [{ key: 'tier', cmp: 'in' }, 'label_filter: filter: "in" needs vals'],
    ] as const) {
      const res = await api(a, 'disconnect', { all_users: true, label_filter: filter });
      assert.deepEqual(res.error, { code: 107, message: `bad request: ${message}` });
    }
    await untouched(a, f.euProA, 'alice', spared);
  });

  it('lists connections from both nodes, paged by cursor, and from a snapshot', async () => {
    const f = await fleet();
    const everyone = await api(b, 'connections', {});
    const all = everyone.result!.connections as Record<string, { user: string; labels: Record<string, string>; node: string; node_uid: string; transport: string; app_version: string; remote_addr: string }>;
    assert.deepEqual(Object.values(all).map((c) => c.user).sort(), ['alice', 'bob', 'carol', 'dave']);
    const alice = Object.values(all).find((c) => c.user === 'alice')!;
    assert.deepEqual([alice.node, alice.node_uid, alice.transport, alice.app_version, alice.remote_addr], ['fleet-a', a.app.node.id, 'websocket', '2.0.0', '127.0.0.1']);
    const nodes = new Set(Object.values(all).map((c) => `${c.node} ${c.node_uid}`));
    assert.deepEqual([...nodes].sort(), [`fleet-a ${a.app.node.id}`, `fleet-b ${b.app.node.id}`], 'each connection names its node, and gives its uid');
    assert.deepEqual(alice.labels, { region: 'eu', tier: 'pro', app_version: '2.0.0' });

    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 4, 'paging does not end');
      const page = (await api(a, 'connections', { label_filter: { key: 'tier', cmp: 'eq', val: 'pro' }, limit: 2, cursor })).result!;
      seen.push(...Object.values(page.connections as Record<string, { user: string }>).map((c) => c.user));
      if (!page.next_cursor) break;
      cursor = page.next_cursor as string;
    }
    assert.deepEqual(seen.sort(), ['alice', 'bob', 'carol']);

    const snap = (await api(a, 'connections_snapshot', { label_filter: { key: 'region', cmp: 'eq', val: 'eu' } })).result!;
    assert.equal(snap.total, 3);
    f.euFreeB.disconnect();
    const first = (await api(a, 'connections', { snapshot: snap.snapshot, limit: 2 })).result!;
    const rest = (await api(a, 'connections', { snapshot: snap.snapshot, limit: 2, cursor: first.next_cursor })).result!;
    const users = [...Object.values(first.connections as object), ...Object.values(rest.connections as object)].map((c: { user: string }) => c.user);
    assert.deepEqual(users.sort(), ['alice', 'bob', 'dave'], 'the snapshot keeps what was there when it was taken');
    assert.equal(rest.next_cursor, undefined);
    const unknown = await api(b, 'connections', { snapshot: snap.snapshot });
    assert.equal(unknown.error?.code, 107, 'a snapshot lives on the node that took it');
    assert.equal((await api(a, 'connections', { expression: 'conn.user == "alice"' })).error?.code, 107);
  });
});

describe('connection labels from the token', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(testConfig((c) => (c.httpApi.key = KEY)));
  });
  after(() => server.close());

  it('refuses a token with malformed labels with 3500', async () => {
    for (const labels of [{ tier: 1 }, ['eu'], Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])), { 'bad key': 'x' }, { k: 'x'.repeat(257) }]) {
      const c = sdk('json', server.url, { token: await connToken('u', { labels }) });
      const d = once<{ code: number }>(c, 'disconnected');
      c.connect();
      assert.equal((await d).code, 3500, JSON.stringify(labels).slice(0, 60));
    }
  });

  it('acts on a single node with the memory engine, anonymous bucket included', async () => {
    const c = sdk('json', server.url, { token: await connToken('', { labels: { tier: 'pro' } }) });
    c.connect();
    await c.ready(3000);
    const gone = once<{ code: number }>(c, 'disconnected');
    const res = await api(server, 'disconnect', { label_filter: { key: 'tier', cmp: 'eq', val: 'pro' } });
    assert.deepEqual(res, { result: { affected: 1 } });
    assert.equal((await gone).code, 3503);
  });
});
