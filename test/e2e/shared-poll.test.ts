import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as GrpcClient, credentials, Metadata } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { SharedPollSubscription } from 'centrifuge';
import { protoPath } from '../../src/protocol/index.js';
import { connToken, nowSec, subToken } from '../helpers/tokens.js';
import { signTrackGrant } from '../../src/auth/index.js';
import type { Config, NamedProxyConfig, SharedPollOptions } from '../../src/config/types.js';
import { startBackend, type Backend, type BackendKind, type Body } from '../helpers/proxy-backend.js';
import { collect, decoded, once, sdk, type Sdk, type SdkProtocol } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';

// Before any suite registers: those run at once and would load the machine while this waits.
const noRedis = await skipWithout('Redis', redisUrl);

const POLL_SECRET = 'test-poll-secret';
const API_KEY = 'test-api-key';

interface Item {
  data: unknown;
  version?: number;
  removed?: boolean;
  prev_data?: unknown;
}

/** The application backend: answers with the items it knows, as the SDK's own test backend does. */
class ItemStore {
  readonly items = new Map<string, Item>();
  epoch = '';
  answer = (body: Body): unknown => {
    const asked = (body.items as Array<{ key: string }> | undefined) ?? [];
    const items = asked.flatMap(({ key }) => {
      const it = this.items.get(key);
      return it ? [{ key, ...it }] : [];
    });
    return { result: { items, epoch: this.epoch || undefined } };
  };
}

function sign(channel: string, keys: string[], ttl = 3600, user = ''): string {
  const now = Math.floor(Date.now() / 1000);
  return signTrackGrant(POLL_SECRET, { issuedAt: now, expireAt: now + ttl, user, channel, keys });
}

function pollNamespace(name: string, proxyName: string, o: Partial<SharedPollOptions>) {
  const base = testConfig().channel.withoutNamespace.sharedPoll;
  return namespace(name, {
    subscriptionType: 'shared_poll',
    allowSubscribeForClient: true,
    allowedDeltaTypes: ['fossil'],
    sharedPoll: { ...base, proxyName, refreshInterval: 200, refreshBatchSize: 100, maxKeysPerConnection: 5, ...o },
  });
}

function proxyEntry(c: Config, name: string, endpoint: string): NamedProxyConfig {
  return { ...structuredClone(c.channel.proxy.subscribe), name, endpoint, timeout: 5000 };
}

interface Setup {
  server: TestServer;
  backend: Backend;
  store: ItemStore;
}

async function setup(kind: BackendKind, shared?: { backend: Backend; store: ItemStore; redisPrefix: string }, edit?: (c: Config) => void): Promise<Setup> {
  const store = shared?.store ?? new ItemStore();
  const backend = shared?.backend ?? (await startBackend(kind, { shared_poll_refresh: store.answer }));
  const config = testConfig((c) => {
    if (shared) c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix: shared.redisPrefix } };
    c.client.insecure = true;
    c.httpApi.key = API_KEY;
    c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, insecure: true };
    c.sharedPoll.hmacSecretKey = POLL_SECRET;
    c.proxies = [proxyEntry(c, 'items', backend.endpoint('shared_poll_refresh'))];
    c.channel.namespaces = [
      pollNamespace('poll', 'items', { mode: 'versioned', publishEnabled: true }),
      pollNamespace('pollvl', 'items', { mode: 'versionless' }),
      pollNamespace('polld', 'items', { mode: 'versioned' }),
      namespace('stream', { allowSubscribeForClient: true }),
    ];
    edit?.(c);
  });
  const server = await startServer(config);
  return { server, backend, store };
}

async function connect(s: Setup, protocol: SdkProtocol): Promise<Sdk> {
  const c = sdk(protocol, s.server.url);
  c.connect();
  await once(c, 'connected');
  return c;
}

async function subscribed(c: Sdk, channel: string, opts: Parameters<Sdk['newSharedPollSubscription']>[1] = {}): Promise<SharedPollSubscription> {
  const sub = c.newSharedPollSubscription(channel, opts);
  const ready = once(sub, 'subscribed');
  sub.subscribe();
  await ready;
  return sub;
}

interface Update {
  key: string;
  data: unknown;
  version?: number;
  removed?: boolean;
  channel: string;
}

const callsFor = (b: Backend, channel: string) => b.calls.filter((c) => c.method === 'shared_poll_refresh' && c.body.channel === channel);

/** One rpc of CentrifugoApi over a plain grpc-js client. */
function grpcCall(port: number, rpc: string, req: object): Promise<Record<string, unknown>> {
  const def = loadSync(protoPath('api.proto'), { keepCase: true, longs: Number, bytes: Buffer, defaults: false, oneofs: true });
  const svc = def['centrifugal.centrifugo.api.CentrifugoApi'] as unknown as Record<string, { path: string; requestSerialize: (v: unknown) => Buffer; responseDeserialize: (b: Buffer) => unknown }>;
  const m = svc[rpc]!;
  const client = new GrpcClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, new Metadata(), (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res as Record<string, unknown>);
    });
  });
}

async function api(s: Setup, method: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.server.httpUrl}/api/${method}`, { method: 'POST', headers: { 'x-api-key': API_KEY }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

for (const protocol of ['json', 'protobuf'] as const) {
  describe(`shared poll over ${protocol}`, () => {
    let s: Setup;
    const clients: Sdk[] = [];
    before(async () => {
      s = await setup('http');
    });
    after(async () => {
      for (const c of clients) c.disconnect();
      await s.server.close();
      await s.backend.close();
    });
    const client = async (): Promise<Sdk> => {
      const c = await connect(s, protocol);
      clients.push(c);
      return c;
    };

    it('tracked keys arrive with their data and version; unchanged versions are not sent again', async () => {
      s.store.items.set('a1', { data: { votes: 1 }, version: 3 });
      s.store.items.set('a2', { data: { votes: 2 }, version: 1 });
      const c = await client();
      const sub = await subscribed(c, 'poll:a');
      const got = collect<Update>(sub, 'update', 2);
      sub.track(
        [
          { key: 'a1', version: 0 },
          { key: 'a2', version: 0 },
          { key: 'unknown', version: 0 },
        ],
        sign('poll:a', ['a1', 'a2', 'unknown']),
      );
      const updates = (await got).sort((x, y) => x.key.localeCompare(y.key));
      assert.deepEqual(
        updates.map((u) => [u.key, u.version, decoded(protocol, u.data), u.removed ?? false, u.channel]),
        [
          ['a1', 3, { votes: 1 }, false, 'poll:a'],
          ['a2', 1, { votes: 2 }, false, 'poll:a'],
        ],
      );
      // The backend is asked for the keys the node polls, with the versions it holds.
      const before = callsFor(s.backend, 'poll:a').length;
      await until(() => callsFor(s.backend, 'poll:a').length >= before + 2);
      const last = callsFor(s.backend, 'poll:a').at(-1)!.body.items as Array<{ key: string; version?: number }>;
      assert.deepEqual(
        last.map((i) => [i.key, i.version ?? 0]).sort(),
        [
          ['a1', 3],
          ['a2', 1],
          ['unknown', 0],
        ],
      );
      const next = once<Update>(sub, 'update');
      s.store.items.set('a1', { data: { votes: 5 }, version: 4 });
      const u = await next;
      assert.deepEqual([u.key, u.version, decoded(protocol, u.data)], ['a1', 4, { votes: 5 }]);
    });

    it('a removal reaches the client and the key is no longer polled', async () => {
      s.store.items.set('r1', { data: { x: 1 }, version: 1 });
      const c = await client();
      const sub = await subscribed(c, 'poll:r');
      const first = once<Update>(sub, 'update');
      sub.track([{ key: 'r1', version: 0 }], sign('poll:r', ['r1']));
      await first;
      const removal = once<Update>(sub, 'update');
      s.store.items.set('r1', { data: null, removed: true });
      const u = await removal;
      assert.equal(u.key, 'r1');
      assert.equal(u.removed, true);
      const calls = callsFor(s.backend, 'poll:r').length;
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(callsFor(s.backend, 'poll:r').length, calls, 'no poll once the only key was removed');
    });

    it('two clients on the same key share one backend call per interval; a latecomer gets the current data at once', async () => {
      s.store.items.set('s1', { data: 'shared', version: 2 });
      const a = await client();
      const b = await client();
      const subA = await subscribed(a, 'poll:s');
      const subB = await subscribed(b, 'poll:s');
      const gotA = once<Update>(subA, 'update');
      subA.track([{ key: 's1', version: 0 }], sign('poll:s', ['s1']));
      await gotA;
      const gotB = once<Update>(subB, 'update');
      subB.track([{ key: 's1', version: 0 }], sign('poll:s', ['s1']));
      const ub = await gotB;
      assert.deepEqual([ub.version, decoded(protocol, ub.data)], [2, 'shared']);
      const start = callsFor(s.backend, 'poll:s').length;
      await new Promise((r) => setTimeout(r, 1000));
      const made = callsFor(s.backend, 'poll:s').length - start;
      // One call per 200 ms interval for both clients (timer slack allowed), not one per client.
      assert.ok(made >= 3 && made <= 6, `${made} calls in 1 s`);
    });

    it('untrack stops updates for the key; the loop stops when the last tracker leaves', async () => {
      s.store.items.set('u1', { data: 1, version: 1 });
      s.store.items.set('u2', { data: 1, version: 1 });
      const c = await client();
      const sub = await subscribed(c, 'poll:u');
      const both = collect<Update>(sub, 'update', 2);
      sub.track(
        [
          { key: 'u1', version: 0 },
          { key: 'u2', version: 0 },
        ],
        sign('poll:u', ['u1', 'u2']),
      );
      await both;
      const seen: Update[] = [];
      sub.on('update', (u: Update) => seen.push(u));
      sub.untrack(['u1']);
      await until(() => (callsFor(s.backend, 'poll:u').at(-1)!.body.items as unknown[]).length === 1);
      s.store.items.set('u1', { data: 2, version: 2 });
      s.store.items.set('u2', { data: 2, version: 2 });
      await until(() => seen.length === 1);
      await new Promise((r) => setTimeout(r, 400));
      assert.deepEqual(
        seen.map((u) => u.key),
        ['u2'],
      );
      sub.unsubscribe();
      await new Promise((r) => setTimeout(r, 300));
      const calls = callsFor(s.backend, 'poll:u').length;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(callsFor(s.backend, 'poll:u').length, calls, 'polling stopped after the last tracker left');
    });

    it('a bad signature is refused with 103, an expired one with 109, and too many keys with 106', async () => {
      const c = await client();
      const sub = await subscribed(c, 'poll:e');
      const errors: Array<{ type: string; error: { code: number } }> = [];
      sub.on('error', (e: { type: string; error: { code: number } }) => errors.push(e));
      sub.track([{ key: 'k', version: 0 }], sign('poll:other', ['k']));
      await until(() => errors.length === 1);
      assert.equal(errors[0]!.type, 'track');
      assert.equal(errors[0]!.error.code, 103);
      sub.track([{ key: 'k2', version: 0 }], sign('poll:e', ['k2'], -60));
      await until(() => errors.length === 2);
      assert.equal(errors[1]!.error.code, 109);
      const many = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
      sub.track(
        many.map((key) => ({ key, version: 0 })),
        sign('poll:e', many),
      );
      await until(() => errors.length === 3);
      assert.equal(errors[2]!.error.code, 106);
    });

    it('versionless: the server numbers changes itself and gives an 8-character epoch', async () => {
      s.store.items.set('v1', { data: { n: 1 } });
      const c = await client();
      const sub = await subscribed(c, 'pollvl:a');
      const first = once<Update>(sub, 'update');
      sub.track([{ key: 'v1', version: 0 }], sign('pollvl:a', ['v1']));
      const u1 = await first;
      assert.ok((u1.version ?? 0) > 0);
      const second = once<Update>(sub, 'update');
      s.store.items.set('v1', { data: { n: 2 } });
      const u2 = await second;
      assert.ok((u2.version ?? 0) > (u1.version ?? 0));
      assert.deepEqual(decoded(protocol, u2.data), { n: 2 });
    });

    it('shared_poll_publish pushes an item at once; API errors say what is wrong', async () => {
      s.store.items.set('p1', { data: 'v1', version: 1 });
      const c = await client();
      const sub = await subscribed(c, 'poll:p');
      const first = once<Update>(sub, 'update');
      sub.track([{ key: 'p1', version: 0 }], sign('poll:p', ['p1']));
      await first;
      const pushed = once<Update>(sub, 'update');
      const ok = await api(s, 'shared_poll_publish', { channel: 'poll:p', key: 'p1', data: { fresh: true }, version: 7 });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, { result: {} });
      const u = await pushed;
      assert.deepEqual([u.version, decoded(protocol, u.data)], [7, { fresh: true }]);
      assert.equal((await api(s, 'shared_poll_publish', { channel: 'pollvl:p', key: 'p1', data: 1, version: 2 })).json.error !== undefined, true);
      const notPoll = await api(s, 'shared_poll_publish', { channel: 'stream:x', key: 'p1', data: 1, version: 2 });
      assert.equal((notPoll.json.error as { code: number }).code, 107);
      const zero = await api(s, 'shared_poll_publish', { channel: 'poll:p', key: 'p1', data: 1, version: 0 });
      assert.match((zero.json.error as { message: string }).message, /version/);
    });

    it('shared_poll_publish works in a batch and over gRPC', async () => {
      s.store.items.set('b1', { data: 'v1', version: 1 });
      const c = await client();
      const sub = await subscribed(c, 'poll:b');
      const first = once<Update>(sub, 'update');
      sub.track([{ key: 'b1', version: 0 }], sign('poll:b', ['b1']));
      await first;
      const fromBatch = once<Update>(sub, 'update');
      const res = await api(s, 'batch', { commands: [{ shared_poll_publish: { channel: 'poll:b', key: 'b1', data: 'batched', version: 2 } }] });
      assert.deepEqual(res.json, { replies: [{ shared_poll_publish: {} }] });
      assert.deepEqual(decoded(protocol, (await fromBatch).data), 'batched');
      const fromGrpc = once<Update>(sub, 'update');
      const reply = await grpcCall(s.server.app.grpcPort!, 'SharedPollPublish', { channel: 'poll:b', key: 'b1', data: Buffer.from('"grpc"'), version: 3 });
      assert.equal(reply.error, undefined);
      const u = await fromGrpc;
      assert.deepEqual([u.version, decoded(protocol, u.data)], [3, 'grpc']);
    });

    it('a signature is bound to the connection user', async () => {
      s.store.items.set('w1', { data: 'mine', version: 1 });
      const c = sdk(protocol, s.server.url, { token: await connToken('alice') });
      clients.push(c);
      c.connect();
      await once(c, 'connected');
      const sub = await subscribed(c, 'poll:w');
      const errors: Array<{ error: { code: number } }> = [];
      sub.on('error', (e: { error: { code: number } }) => errors.push(e));
      sub.track([{ key: 'w1', version: 0 }], sign('poll:w', ['w1'], 3600, ''));
      await until(() => errors.length === 1);
      assert.equal(errors[0]!.error.code, 103);
      const got = once<Update>(sub, 'update');
      sub.track([{ key: 'w1', version: 0 }], sign('poll:w', ['w1'], 3600, 'alice'));
      assert.equal((await got).key, 'w1');
    });

    it('fossil delta: the first delivery of a key is full, later ones patch the previous data', async () => {
      const big = (n: number) => ({ text: 'lorem ipsum '.repeat(40), n });
      s.store.items.set('d1', { data: big(1), version: 1 });
      const c = await client();
      const sub = await subscribed(c, 'polld:a', { delta: 'fossil' });
      const first = once<Update>(sub, 'update');
      sub.track([{ key: 'd1', version: 0 }], sign('polld:a', ['d1']));
      assert.deepEqual(decoded(protocol, (await first).data), big(1));
      const second = once<Update>(sub, 'update');
      s.store.items.set('d1', { data: big(2), version: 2, prev_data: big(1) });
      const u2 = await second;
      assert.deepEqual([u2.version, decoded(protocol, u2.data)], [2, big(2)]);
      const third = once<Update>(sub, 'update');
      s.store.items.set('d1', { data: big(3), version: 3, prev_data: big(2) });
      assert.deepEqual(decoded(protocol, (await third).data), big(3));
      const stats = sub.deltaStats();
      assert.deepEqual([stats.numFullPayloads, stats.numDeltaPayloads], [1, 2]);
    });

    it('subscribe type and namespace must agree', async () => {
      const c = await client();
      // A refused subscribe leaves the SDK subscription unsubscribed with the error code.
      const wrong = c.newSubscription('poll:plain');
      const err = once<{ code: number }>(wrong, 'unsubscribed');
      wrong.subscribe();
      assert.equal((await err).code, 107);
      const notPoll = c.newSharedPollSubscription('stream:sp');
      const err2 = once<{ code: number }>(notPoll, 'unsubscribed');
      notPoll.subscribe();
      assert.equal((await err2).code, 108);
    });
  });
}

describe('shared poll with a gRPC backend', () => {
  let s: Setup;
  before(async () => {
    s = await setup('grpc');
  });
  after(async () => {
    await s.server.close();
    await s.backend.close();
  });

  it('polls through CentrifugoProxy.SharedPollRefresh, removals included', async () => {
    s.store.items.set('g1', { data: { via: 'grpc' }, version: 2 });
    const c = await connect(s, 'protobuf');
    try {
      const sub = await subscribed(c, 'poll:g');
      const first = once<Update>(sub, 'update');
      sub.track([{ key: 'g1', version: 0 }], sign('poll:g', ['g1']));
      const u = await first;
      assert.deepEqual([u.key, u.version, decoded('protobuf', u.data)], ['g1', 2, { via: 'grpc' }]);
      const removal = once<Update>(sub, 'update');
      s.store.items.set('g1', { data: null, removed: true });
      assert.equal((await removal).removed, true);
    } finally {
      c.disconnect();
    }
  });
});


describe('shared poll on two nodes sharing Redis', { skip: noRedis || undefined }, () => {
  let a: Setup;
  let b: Setup;
  before(async () => {
    a = await setup('http');
    await a.server.close();
    const redisPrefix = randomPrefix('poll');
    a = await setup('http', { backend: a.backend, store: a.store, redisPrefix });
    b = await setup('http', { backend: a.backend, store: a.store, redisPrefix });
  });
  after(async () => {
    await a.server.close();
    await b.server.close();
    await a.backend.close();
  });

  it('each node polls the channel once per interval for its own trackers; shared_poll_publish on one node reaches trackers on the other', async () => {
    a.store.items.set('n1', { data: 'v1', version: 1 });
    const ca = await connect(a, 'json');
    const cb = await connect(b, 'protobuf');
    try {
      const subA = await subscribed(ca, 'poll:n');
      const subB = await subscribed(cb, 'poll:n');
      const gotA = once<Update>(subA, 'update');
      const gotB = once<Update>(subB, 'update');
      subA.track([{ key: 'n1', version: 0 }], sign('poll:n', ['n1']));
      subB.track([{ key: 'n1', version: 0 }], sign('poll:n', ['n1']));
      await Promise.all([gotA, gotB]);
      const start = callsFor(a.backend, 'poll:n').length;
      await new Promise((r) => setTimeout(r, 1000));
      const made = callsFor(a.backend, 'poll:n').length - start;
      // Two nodes, 200 ms interval: about ten calls in a second, not one per client.
      assert.ok(made >= 6 && made <= 12, `${made} calls in 1 s from two nodes`);
      const pushedA = once<Update>(subA, 'update');
      const pushedB = once<Update>(subB, 'update');
      const res = await api(b, 'shared_poll_publish', { channel: 'poll:n', key: 'n1', data: { from: 'b' }, version: 9 });
      assert.deepEqual(res.json, { result: {} });
      const [ua, ub] = await Promise.all([pushedA, pushedB]);
      assert.deepEqual([ua.version, decoded('json', ua.data)], [9, { from: 'b' }]);
      assert.deepEqual([ub.version, decoded('protobuf', ub.data)], [9, { from: 'b' }]);
      // The relay channel is the broker's business: the channels API does not list it.
      const listed = await api(a, 'channels', {});
      assert.deepEqual(Object.keys((listed.json.result as { channels: object }).channels), []);
    } finally {
      ca.disconnect();
      cb.disconnect();
    }
  });
});

describe('shared-poll subscription expiry', () => {
  let s: Setup;
  const clients: Sdk[] = [];
  before(async () => {
    // A short close delay, so the server ends an unrefreshed subscription within a test.
    s = await setup('http', undefined, (c) => {
      c.client.expiredSubCloseDelay = 1000;
      c.client.expiredCloseDelay = 1000;
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await s.server.close();
    await s.backend.close();
  });
  const client = async (): Promise<Sdk> => {
    const c = await connect(s, 'json');
    clients.push(c);
    return c;
  };
  /**
   * Resolves with the first `subscribing` of a subscription (`connecting` of a client) that
   * carries a code: the server ended it.
   */
  const ended = (target: SharedPollSubscription | Sdk): Promise<{ code: number }> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not ended')), 10_000);
      const emitter = target as unknown as { on(event: string, fn: (ctx: { code: number }) => void): void };
      emitter.on('newSubscription' in target ? 'connecting' : 'subscribing', (ctx) => {
        if (ctx.code === 0) return;
        clearTimeout(timer);
        resolve(ctx);
      });
    });
  const tracking = (channel: string, key: string): number => s.server.app.node.sharedPoll.get(channel)?.hub.count(key) ?? 0;

  it('a subscription whose token is not refreshed ends with 2501 and its keys leave the poll; the connection stays', async () => {
    s.store.items.set('x1', { data: 1, version: 1 });
    const c = await client();
    let calls = 0;
    const sub = c.newSharedPollSubscription('poll:lapsed', {
      getToken: async () => {
        if (++calls > 1) throw new Error('no new token');
        return subToken('', 'poll:lapsed', { exp: nowSec() + 2 });
      },
    });
    const end = ended(sub);
    const first = once<Update>(sub, 'update');
    sub.subscribe();
    await once(sub, 'subscribed');
    sub.track([{ key: 'x1', version: 0 }], sign('poll:lapsed', ['x1']));
    await first;
    assert.equal(tracking('poll:lapsed', 'x1'), 1);
    assert.equal((await end).code, 2501);
    assert.ok(calls >= 2, 'the SDK tried to refresh');
    assert.equal(tracking('poll:lapsed', 'x1'), 0);
    assert.equal(c.state, 'connected');
  });

  it('a subscription refreshed with sub_refresh and a fresh token outlives its first token and still gets updates', async () => {
    s.store.items.set('y1', { data: 1, version: 1 });
    const c = await client();
    const exp = nowSec() + 2;
    let calls = 0;
    const sub = c.newSharedPollSubscription('poll:kept', {
      getToken: async () => {
        calls++;
        return subToken('', 'poll:kept', { exp: calls === 1 ? exp : nowSec() + 3600 });
      },
    });
    const interruptions: Array<{ code: number }> = [];
    const first = once<Update>(sub, 'update');
    sub.subscribe();
    await once(sub, 'subscribed');
    sub.on('subscribing', (ctx: { code: number }) => interruptions.push(ctx));
    sub.track([{ key: 'y1', version: 0 }], sign('poll:kept', ['y1']));
    await first;
    // The witness: a subscription of the same client expiring a second later, never refreshed.
    // Its end proves the server's deadline for the refreshed one has passed.
    let witnessCalls = 0;
    const witness = c.newSharedPollSubscription('poll:witness', {
      getToken: async () => {
        if (++witnessCalls > 1) throw new Error('no new token');
        return subToken('', 'poll:witness', { exp: exp + 1 });
      },
    });
    const witnessEnded = ended(witness);
    witness.subscribe();
    assert.equal((await witnessEnded).code, 2501);
    const next = once<Update>(sub, 'update');
    s.store.items.set('y1', { data: 2, version: 2 });
    assert.equal((await next).version, 2);
    assert.equal(calls, 2);
    assert.deepEqual(interruptions, []);
    assert.equal(sub.state, 'subscribed');
  });

  it('a connection whose token expires unrefreshed ends (3005), and its keys leave the poll', async () => {
    s.store.items.set('z1', { data: 1, version: 1 });
    const c = sdk('json', s.server.url, {
      token: await connToken('carl', { exp: nowSec() + 2 }),
      getToken: async () => {
        throw new Error('no new token');
      },
    });
    clients.push(c);
    const gone = ended(c);
    c.connect();
    await once(c, 'connected');
    const sub = await subscribed(c, 'poll:conn');
    const first = once<Update>(sub, 'update');
    sub.track([{ key: 'z1', version: 0 }], sign('poll:conn', ['z1'], 3600, 'carl'));
    await first;
    assert.equal(tracking('poll:conn', 'z1'), 1);
    assert.equal((await gone).code, 3005);
    await until(() => tracking('poll:conn', 'z1') === 0);
    c.disconnect();
  });
});
