import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { subscribeMap as subscribeTo, type MapEntry as Entry, type MapSubscriptionOptions, type MapUpdate as Update } from '../helpers/map-sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { collect, decoded, once, payload, sdk, type Sdk, type SdkProtocol } from '../helpers/sdk.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'sdk-map-api-key-0123456789';

const map = (o: Record<string, unknown>) => ({ ...structuredClone(testConfig().channel.withoutNamespace.map), ...o });

/**
 * Map subscriptions with the official SDK (its MapSubscription) on the memory map broker, in
 * JSON and protobuf: state snapshots in pages, live updates and removals, client writes,
 * recovery by stream or from scratch, key TTL expiry, per-key delta, tags filters and map
 * presence, with the server API writing and reading the same maps.
 */
for (const protocol of ['json', 'protobuf'] as SdkProtocol[]) {
  describe(`map subscriptions with the SDK (${protocol})`, () => {
    let server: TestServer;
    const clients: Sdk[] = [];
    const dec = <T = unknown>(d: unknown): T => decoded<T>(protocol, d);
    let n = 0;
    const uniq = (ns: string): string => `${ns}:${protocol}-${++n}`;
    const api = async (method: string, body: object): Promise<Record<string, unknown>> => {
      const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY } });
      assert.equal(res.status, 200, `${method}: HTTP ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const connected = async (): Promise<Sdk> => {
      const c = sdk(protocol, server.url);
      clients.push(c);
      c.connect();
      await c.ready(3000);
      return c;
    };
    const subscribeMap = (c: Sdk, channel: string, opts: MapSubscriptionOptions = {}) => subscribeTo(protocol, c, channel, opts);

    before(async () => {
      server = await startServer(
        testConfig((c) => {
          c.httpApi.key = KEY;
          c.client.allowAnonymousConnectWithoutToken = true;
          c.channel.namespaces = [
            namespace('eph', { subscriptionType: 'map', map: map({ mode: 'ephemeral', keyTtl: 60_000, allowPublishForAnonymous: true, allowPublishForClient: true, allowRemoveForClient: true, allowRemoveForAnonymous: true }), allowSubscribeForClient: true, allowSubscribeForAnonymous: true }),
            namespace('pers', { subscriptionType: 'map', map: map({ mode: 'persistent' }), allowSubscribeForAnonymous: true }),
            namespace('small', { subscriptionType: 'map', map: map({ mode: 'persistent', streamSize: 2, streamTtl: 60_000 }), allowSubscribeForAnonymous: true }),
            namespace('short', { subscriptionType: 'map', map: map({ mode: 'ephemeral', keyTtl: 1000 }), allowSubscribeForAnonymous: true }),
            namespace('delta', { subscriptionType: 'map', map: map({ mode: 'persistent' }), allowedDeltaTypes: ['fossil'], deltaPublish: true, allowSubscribeForAnonymous: true }),
            namespace('tagged', { subscriptionType: 'map', map: map({ mode: 'persistent' }), allowTagsFilter: true, allowSubscribeForAnonymous: true }),
            namespace('mine', { subscriptionType: 'map', map: map({ mode: 'ephemeral', keyTtl: 60_000, clientKey: 'client_id', allowPublishForSubscriber: true, allowPublishForAnonymous: true }), allowSubscribeForAnonymous: true }),
            namespace('room', { subscriptionType: 'map', map: map({ mode: 'ephemeral', keyTtl: 60_000 }), mapClientsPresenceChannelPrefix: 'who:', allowSubscribeForAnonymous: true }),
            namespace('who', { subscriptionType: 'map_clients', map: map({ mode: 'ephemeral', keyTtl: 60_000 }), allowSubscribeForAnonymous: true }),
            namespace('plain', { allowSubscribeForAnonymous: true }),
          ];
        }),
      );
    });

    after(async () => {
      for (const c of clients) c.disconnect();
      await server.close();
    });

    it('subscribes to an empty map, then gets a pre-seeded state and live changes', async () => {
      const c = await connected();
      const empty = await subscribeMap(c, uniq('eph'));
      assert.deepEqual(empty.state, {});
      const channel = uniq('eph');
      for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) await api('map_publish', { channel, key: k, data: { v } });
      const { sub, state } = await subscribeMap(c, channel);
      assert.deepEqual(state, { a: { v: 1 }, b: { v: 2 }, c: { v: 3 } });
      const updates = collect<Update>(sub, 'update', 2);
      await api('map_publish', { channel, key: 'a', data: { v: 10 } });
      await api('map_remove', { channel, key: 'b' });
      const [set, removed] = await updates;
      assert.deepEqual({ key: set!.key, data: dec(set!.data), removed: set!.removed ?? false }, { key: 'a', data: { v: 10 }, removed: false });
      assert.deepEqual({ key: removed!.key, removed: removed!.removed }, { key: 'b', removed: true });
    });

    it('lets a client write and remove keys where the namespace allows it, and refuses elsewhere', async () => {
      const c = await connected();
      const channel = uniq('eph');
      const { sub } = await subscribeMap(c, channel);
      const updates = collect<Update>(sub, 'update', 2);
      await sub.publish('k1', payload(protocol, { from: 'client' }));
      await sub.remove('k1');
      const [set, removed] = await updates;
      assert.deepEqual(dec(set!.data), { from: 'client' });
      assert.equal(removed!.removed, true);
      const other = await subscribeMap(c, uniq('pers'));
      await assert.rejects(other.sub.publish('x', payload(protocol, 1)), (err: { code?: number }) => err.code === 103);
    });

    it('refuses a map channel as a server-side subscription, from a token or the subscribe API, saying why', async () => {
      const channel = uniq('eph');
      const c = sdk(protocol, server.url, { token: await connToken('srv', { channels: [channel] }) });
      clients.push(c);
      const gone = once<{ code: number; reason: string }>(c, 'disconnected');
      c.connect();
      const { code, reason } = await gone;
      assert.equal(code, 107);
      assert.match(reason, /is a map channel: it can only be subscribed from the client/);
      const { error } = (await api('subscribe', { channel, user: 'srv' })) as { error?: { code: number; message: string } };
      assert.equal(error?.code, 107);
      assert.match(error?.message ?? '', /is a map channel/);
    });

    it('forces the key to the connection id with client_key', async () => {
      const c = await connected();
      const channel = uniq('mine');
      const { sub } = await subscribeMap(c, channel);
      const update = once<Update>(sub, 'update');
      await sub.publish('ignored', payload(protocol, { cursor: 1 }));
      const key = (await update).key;
      assert.notEqual(key, 'ignored');
      assert.match(key, /^[0-9a-f-]{8,}$/);
    });

    it('pages a large state and applies writes made during the flow exactly once', async () => {
      const channel = uniq('pers');
      const body = Array.from({ length: 250 }, (_, i) => ({ map_publish: { channel, key: `k${String(i).padStart(3, '0')}`, data: { i } } }));
      await api('batch', { commands: body });
      const c = await connected();
      const { sub, state } = await subscribeMap(c, channel, { pageSize: 100 });
      assert.equal(Object.keys(state).length, 250);
      assert.deepEqual(state.k249, { i: 249 });
      const update = once<Update>(sub, 'update');
      await api('map_publish', { channel, key: 'k000', data: { i: -1 } });
      assert.deepEqual(dec((await update).data), { i: -1 });
    });

    it('recovers missed changes after a reconnect from the stream', async () => {
      const channel = uniq('pers');
      await api('map_publish', { channel, key: 'p1', data: 1 });
      const c = await connected();
      const { sub } = await subscribeMap(c, channel);
      c.disconnect();
      await api('map_publish', { channel, key: 'p2', data: 2 });
      await api('map_remove', { channel, key: 'p1' });
      const updates = collect<Update>(sub, 'update', 2);
      const resubscribed = once<{ recovered?: boolean; wasRecovering?: boolean }>(sub, 'subscribed', 5000);
      c.connect();
      const ctx = await resubscribed;
      assert.equal(ctx.recovered, true);
      const got = await updates;
      assert.deepEqual(got.map((u) => [u.key, u.removed ?? false]), [['p2', false], ['p1', true]]);
    });

    it('answers 112 when the stream cannot cover the gap, and the SDK resyncs from scratch', async () => {
      const channel = uniq('small');
      const c = await connected();
      const { sub } = await subscribeMap(c, channel);
      c.disconnect();
      for (let i = 0; i < 6; i++) await api('map_publish', { channel, key: `k${i}`, data: i });
      const synced = once<{ entries: Entry[] }>(sub, 'sync', 5000);
      c.connect();
      assert.equal((await synced).entries.length, 6);
    });

    it('with the fatal strategy, 112 leaves the subscription unsubscribed', async () => {
      const channel = uniq('small');
      const c = await connected();
      const { sub } = await subscribeMap(c, channel, { unrecoverableStrategy: 'fatal' });
      c.disconnect();
      for (let i = 0; i < 6; i++) await api('map_publish', { channel, key: `k${i}`, data: i });
      const unsubscribed = once<{ code: number }>(sub, 'unsubscribed', 5000);
      c.connect();
      assert.equal((await unsubscribed).code, 112);
    });

    it('pushes the removal of a key whose TTL expired', async () => {
      const channel = uniq('short');
      await api('map_publish', { channel, key: 'ephemeral', data: { on: true } });
      const c = await connected();
      const { sub, state } = await subscribeMap(c, channel);
      assert.deepEqual(state, { ephemeral: { on: true } });
      const removed = await once<Update>(sub, 'update', 5000);
      assert.deepEqual({ key: removed.key, removed: removed.removed }, { key: 'ephemeral', removed: true });
    });

    it('sends per-key fossil deltas the SDK applies to the right key', async () => {
      const channel = uniq('delta');
      const big = (tag: string, n: number) => ({ tag, text: 'x'.repeat(200), n });
      await api('map_publish', { channel, key: 'a', data: big('a', 0) });
      await api('map_publish', { channel, key: 'b', data: big('b', 0) });
      const c = await connected();
      const { sub, state } = await subscribeMap(c, channel, { delta: 'fossil' });
      assert.deepEqual(state.a, big('a', 0));
      const updates = collect<Update>(sub, 'update', 4);
      await api('map_publish', { channel, key: 'a', data: big('a', 1) });
      await api('map_publish', { channel, key: 'b', data: big('b', 1) });
      await api('map_publish', { channel, key: 'a', data: big('a', 2) });
      await api('map_publish', { channel, key: 'c', data: big('c', 0) });
      const got = await updates;
      assert.deepEqual(got.map((u) => [u.key, dec(u.data)]), [['a', big('a', 1)], ['b', big('b', 1)], ['a', big('a', 2)], ['c', big('c', 0)]]);
    });

    it('filters state and updates by tags', async () => {
      const channel = uniq('tagged');
      await api('map_publish', { channel, key: 'r1', data: 1, tags: { color: 'red' } });
      await api('map_publish', { channel, key: 'b1', data: 2, tags: { color: 'blue' } });
      const c = await connected();
      const { sub, state } = await subscribeMap(c, channel, { tagsFilter: { key: 'color', cmp: 'eq', val: 'red' } });
      assert.deepEqual(state, { r1: 1 });
      const update = once<Update>(sub, 'update');
      await api('map_publish', { channel, key: 'b2', data: 3, tags: { color: 'blue' } });
      await api('map_publish', { channel, key: 'r2', data: 4, tags: { color: 'red' } });
      assert.equal((await update).key, 'r2');
    });

    it('keeps map presence: a subscriber appears in the map_clients channel and leaves it', async () => {
      const channel = uniq('room');
      const watcher = await connected();
      const presence = watcher.newMapClientsSubscription(`who:${channel}`);
      const synced = once<{ entries: Entry[] }>(presence, 'sync', 5000);
      presence.subscribe();
      assert.deepEqual((await synced).entries, []);
      const c = await connected();
      const joined = once<Update>(presence, 'update');
      const { sub } = await subscribeMap(c, channel);
      assert.equal((await joined).removed ?? false, false);
      const left = once<Update>(presence, 'update');
      sub.unsubscribe();
      assert.equal((await left).removed, true);
    });

    it('refuses a map subscribe to a stream namespace and a stream subscribe to a map one', async () => {
      const c = await connected();
      const wrong = c.newMapSubscription(uniq('plain'));
      const refused = once<{ code: number }>(wrong, 'unsubscribed');
      wrong.subscribe();
      assert.equal((await refused).code, 103);
      const stream = c.newSubscription(uniq('pers'));
      const refused2 = once<{ code: number }>(stream, 'unsubscribed');
      stream.subscribe();
      assert.equal((await refused2).code, 103);
    });
  });
}

describe('map server API', () => {
  let server: TestServer;
  const call = async (method: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.channel.namespaces = [
          namespace('pers', { subscriptionType: 'map', map: map({ mode: 'persistent', streamSize: 3 }) }),
          namespace('eph', { subscriptionType: 'map', map: map({ mode: 'ephemeral', keyTtl: 60_000 }) }),
          namespace('plain', {}),
        ];
      }),
    );
  });
  after(() => server.close());

  it('writes with offsets, suppresses by idempotency, version and key mode, and reads state and stream', async () => {
    const channel = 'pers:api';
    const first = (await call('map_publish', { channel, key: 'a', data: { v: 1 }, idempotency_key: 'once' })).json.result as Record<string, unknown>;
    assert.equal(first.offset, 1);
    assert.equal(typeof first.epoch, 'string');
    const again = (await call('map_publish', { channel, key: 'a', data: { v: 9 }, idempotency_key: 'once' })).json.result;
    assert.deepEqual(again, { offset: 1, epoch: first.epoch, suppressed: true, suppress_reason: 'idempotency' });
    assert.equal(((await call('map_publish', { channel, key: 'a', data: 2, key_mode: 'if_new' })).json.result as Record<string, unknown>).suppress_reason, 'key_exists');
    assert.equal(((await call('map_publish', { channel, key: 'z', data: 2, key_mode: 'if_exists' })).json.result as Record<string, unknown>).suppress_reason, 'key_not_found');
    await call('map_publish', { channel, key: 'b', data: 2, version: 5 });
    assert.equal(((await call('map_publish', { channel, key: 'b', data: 3, version: 4 })).json.result as Record<string, unknown>).suppress_reason, 'version');
    assert.equal(((await call('map_remove', { channel, key: 'nope' })).json.result as Record<string, unknown>).suppress_reason, 'key_not_found');
    await call('map_remove', { channel, key: 'a' });
    const state = (await call('map_read_state', { channel, limit: -1 })).json.result as { entries: Array<{ key: string; data: unknown }>; offset: number };
    assert.deepEqual(state.entries.map((e) => [e.key, e.data]), [['b', 2]]);
    assert.equal(state.offset, 3);
    const stream = (await call('map_read_stream', { channel, limit: -1 })).json.result as { entries: Array<{ key: string; removed?: boolean; offset: number }> };
    assert.deepEqual(stream.entries.map((e) => [e.offset, e.key, e.removed ?? false]), [[1, 'a', false], [2, 'b', false], [3, 'a', true]]);
    assert.deepEqual((await call('map_stats', { channel })).json.result, { num_keys: 1 });
    const paged = (await call('map_read_state', { channel, limit: 1, key: 'b' })).json.result as { entries: unknown[] };
    assert.equal(paged.entries.length, 1);
  });

  it('answers 112 for a stale position, and clear starts a new epoch', async () => {
    const channel = 'pers:clear';
    const { epoch } = (await call('map_publish', { channel, key: 'k', data: 1 })).json.result as { epoch: string };
    for (let i = 0; i < 4; i++) await call('map_publish', { channel, key: `k${i}`, data: i });
    assert.equal(((await call('map_read_stream', { channel, since_offset: 1, since_epoch: epoch, limit: 10 })).json.error as { code: number }).code, 112);
    await call('map_clear', { channel });
    assert.deepEqual((await call('map_stats', { channel })).json.result, { num_keys: 0 });
    const next = (await call('map_publish', { channel, key: 'k', data: 1 })).json.result as { epoch: string; offset: number };
    assert.notEqual(next.epoch, epoch);
    assert.equal(next.offset, 1);
  });

  it('refuses non-map channels, unknown namespaces, missing keys and versions on ephemeral maps', async () => {
    assert.equal(((await call('map_publish', { channel: 'plain:x', key: 'k', data: 1 })).json.error as { code: number }).code, 107);
    assert.equal(((await call('publish', { channel: 'eph:x', data: 1 })).json.error as { code: number }).code, 107);
    assert.equal(((await call('map_stats', { channel: 'nowhere:x' })).json.error as { code: number }).code, 102);
    assert.equal(((await call('map_publish', { channel: 'eph:x', key: '', data: 1 })).json.error as { code: number }).code, 107);
    assert.equal(((await call('map_publish', { channel: 'eph:x', key: 'k', data: 1, version: 2 })).json.error as { code: number }).code, 107);
    assert.equal(((await call('map_publish', { channel: 'eph:x', key: 'k', data: 1, key_mode: 'sometimes' })).json.error as { code: number }).code, 107);
  });

  it('runs map methods in a batch', async () => {
    const { json } = await call('batch', { commands: [{ map_publish: { channel: 'eph:b', key: 'k', data: 1 } }, { map_stats: { channel: 'eph:b' } }] });
    assert.deepEqual((json.replies as unknown[])[1], { map_stats: { num_keys: 1 } });
  });
});
