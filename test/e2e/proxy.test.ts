import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { Parsec } from '../../src/app.js';
import { defaultConfig } from '../../src/config/index.js';
import type { Config, ProxyConfig } from '../../src/config/types.js';
import { RawText, Status, startBackend, type Backend, type BackendKind, type Body, type SeenCall } from '../helpers/proxy-backend.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, testConfig } from '../helpers/server.js';
import { until } from '../helpers/until.js';

/**
 * Proxies to a real backend, HTTP and gRPC, driven by the centrifuge SDK: the backend
 * authenticates connections, answers RPC, decides subscriptions and rewrites publications;
 * a backend that is down, slow or talks nonsense costs the client one error 100, not its
 * connection.
 */

const nowSec = (): number => Math.floor(Date.now() / 1000);
const API_KEY = 'proxy-test-api-key-0123456789';

function proxyConfig(endpoint: string, edit: Partial<ProxyConfig> = {}): ProxyConfig {
  return { ...structuredClone(defaultConfig().rpc.proxy), endpoint, ...edit };
}

interface RpcError {
  code: number;
  message: string;
  temporary?: boolean;
}

async function rpcError(c: Sdk, method: string, data: unknown): Promise<RpcError> {
  try {
    await c.rpc(method, data);
  } catch (err) {
    return err as RpcError;
  }
  assert.fail(`rpc ${method} succeeded`);
}

/**
 * The backend's 'slow' RPC: `reached` settles when a call arrives; every call then waits
 * until `release()`, so a test sees what happens while the backend has not answered.
 */
class SlowRpc {
  private arrived = (): void => undefined;
  private opened = (): void => undefined;
  readonly reached = new Promise<void>((resolve) => (this.arrived = resolve));
  private readonly released = new Promise<void>((resolve) => (this.opened = resolve));

  async call(): Promise<void> {
    this.arrived();
    await this.released;
  }

  release(): void {
    this.opened();
  }
}

/** The backend of these tests: what each method answers. */
function handlers(slow: SlowRpc) {
  const subRefreshes = new Map<string, number>();
  return {
    connect: (b: Body) => {
      const data = (b.data ?? {}) as { ban?: boolean; refuse?: boolean; anonymous?: boolean; manyLabels?: boolean };
      if (data.ban) return { disconnect: { code: 4501, reason: 'banned' } };
      if (data.refuse) return { error: { code: 1403, message: 'who are you' } };
      if (data.anonymous) return {};
      if (data.manyLabels) return { result: { user: 'x', labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) } };
      return {
        result: {
          user: 'alice',
          info: { name: 'Alice' },
          data: { welcome: true },
          channels: ['news'],
          meta: { tenant: 7 },
          labels: { plan: 'pro' },
        },
      };
    },
    rpc: async (b: Body) => {
      switch (b.method) {
        case 'echo':
        case 'billing:charge':
          return { result: { data: { method: b.method, got: b.data, user: b.user, meta: b.meta } } };
        case 'fail':
          return { error: { code: 1001, message: 'nope' } };
        case 'slow':
          await slow.call();
          return { result: { data: { late: true } } };
        case 'bad':
          // A disconnect code no WebSocket can carry: not proxy.proto's contract.
          return { disconnect: { code: 42 } };
        case 'down':
          return new Status(503);
        case 'text':
          return new RawText('this is not json');
        default:
          return { error: { code: 1004, message: `unknown ${String(b.method)}` } };
      }
    },
    subscribe: (b: Body) =>
      b.channel === 'room:secret' ? { error: { code: 1403, message: 'forbidden' } } : { result: { info: { role: 'guest' }, data: { motd: 'hi' }, expire_at: nowSec() + 1 } },
    sub_refresh: (b: Body) => {
      const calls = (subRefreshes.get(String(b.channel)) ?? 0) + 1;
      subRefreshes.set(String(b.channel), calls);
      if (b.channel === 'room:ending') return { result: { expired: true } };
      // The first extension is short, so the server asks again once it applied it.
      if (b.channel === 'room:twice' && calls === 1) return { result: { expire_at: nowSec() + 1 } };
      return { result: { expire_at: nowSec() + 3600 } };
    },
    publish: (b: Body) => {
      const d = b.data as { text: string };
      if (d.text === 'spam') return { error: { code: 1429, message: 'no spam' } };
      return { result: { data: { text: d.text.toUpperCase(), by: b.user } } };
    },
  };
}

for (const kind of ['http', 'grpc'] as BackendKind[]) {
  describe(`proxy to a ${kind} backend`, () => {
    let backend: Backend;
    let app: Parsec;
    let url: string;
    const logs: string[] = [];
    const clients: Sdk[] = [];
    const slow = new SlowRpc();

    const client = (opts: Parameters<typeof sdk>[2] = {}): Sdk => {
      const c = sdk('json', url, opts);
      clients.push(c);
      return c;
    };
    const connected = async (opts: Parameters<typeof sdk>[2] = {}): Promise<Sdk> => {
      const c = client(opts);
      c.connect();
      await c.ready(3000);
      return c;
    };

    const apiPublish = async (channel: string, data: unknown): Promise<void> => {
      const res = await fetch(`http://127.0.0.1:${app.address().port}/api/publish`, {
        method: 'POST',
        body: JSON.stringify({ channel, data }),
        headers: { 'X-API-Key': API_KEY },
      });
      assert.equal(res.status, 200);
    };

    before(async () => {
      backend = await startBackend(kind, handlers(slow));
      const config: Config = testConfig((c) => {
        c.httpApi.key = API_KEY;
        c.client.proxy.connect = { enabled: true, ...proxyConfig(backend.endpoint('connect'), { emulatedHeaders: ['Authorization'], httpHeaders: ['X-App'] }) };
        c.channel.proxy.subscribe = proxyConfig(backend.endpoint('subscribe'));
        c.channel.proxy.publish = proxyConfig(backend.endpoint('publish'));
        c.channel.proxy.subRefresh = proxyConfig(backend.endpoint('sub_refresh'));
        // Long enough that another client's RPC is surely answered while a slow call waits.
        c.rpc.proxy = proxyConfig(backend.endpoint('rpc'), { timeout: 1000, includeConnectionMeta: true });
        c.rpc.withoutNamespace = { proxyEnabled: true, proxyName: 'default' };
        c.rpc.namespaces = [
          { name: 'billing', proxyEnabled: true, proxyName: 'payments' },
          { name: 'off', proxyEnabled: false, proxyName: 'default' },
        ];
        c.proxies = [{ name: 'payments', ...proxyConfig(backend.endpoint('rpc'), { includeConnectionMeta: true }) }];
        c.channel.namespaces = [
          namespace('news', { allowSubscribeForClient: true }),
          namespace('room', { subscribeProxyEnabled: true, subRefreshProxyEnabled: true }),
          namespace('chat', { subscribeProxyEnabled: true, publishProxyEnabled: true, historySize: 10, historyTtl: 60_000 }),
        ];
        c.channel.withoutNamespace.allowSubscribeForClient = true;
      });
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(chunk.toString('utf8'));
          done();
        },
      });
      app = await Parsec.start({ config, logger: pino({ level: 'error' }, sink) });
      url = `ws://127.0.0.1:${app.address().port}/connection/websocket`;
    });

    after(async () => {
      for (const c of clients) c.disconnect();
      slow.release();
      await app.close();
      await backend.close();
    });

    it('a client without a token connects as the user the backend names, with its data, channels and labels', async () => {
      const c = client({ headers: { Authorization: 'Bearer opaque-token' } });
      const subscribed = once<{ channel: string }>(c, 'subscribed');
      const connectedCtx = once<{ client: string; data: unknown }>(c, 'connected');
      c.connect();
      const ctx = await connectedCtx;
      assert.deepEqual(ctx.data, { welcome: true });
      assert.equal((await subscribed).channel, 'news');
      const call = backend.calls.find((k) => k.method === 'connect' && k.body.client === ctx.client);
      assert.ok(call, 'the backend saw the connect');
      assert.equal(call.body.transport, 'websocket');
      assert.equal(call.body.protocol, 'json');
      assert.equal(call.body.encoding, 'json');
      assert.equal(call.body.name, 'js');
      // The opaque token travels as an emulated header the proxy forwards.
      assert.equal(call.headers.authorization, 'Bearer opaque-token');
      assert.equal(call.headers['x-real-ip'], '127.0.0.1');
      const session = [...app.node.hub.allClients()].find((s) => s.id === ctx.client);
      assert.equal(session?.user, 'alice');
      assert.deepEqual({ ...session?.credentials.labels }, { plan: 'pro' });
      assert.deepEqual(JSON.parse(Buffer.from(session!.credentials.info!).toString()), { name: 'Alice' });
    });

    it("the backend's error and disconnect reach the client", async () => {
      const refused = client({ data: { refuse: true } });
      const gone = once<{ code: number; reason: string }>(refused, 'disconnected');
      refused.connect();
      assert.equal((await gone).code, 1403);
      const banned = client({ data: { ban: true } });
      const ban = once<{ code: number; reason: string }>(banned, 'disconnected');
      banned.connect();
      assert.deepEqual({ ...(await ban) }, { code: 4501, reason: 'banned' });
    });

    it('labels beyond the bounds tokens have are the backend\'s fault: error 100, and the SDK retries', async () => {
      const c = client({ data: { manyLabels: true } });
      const failed = once<{ error: { code: number; temporary: boolean } }>(c, 'error');
      c.connect();
      const { error } = await failed;
      assert.deepEqual([error.code, error.temporary], [100, true]);
      c.disconnect();
      assert.ok(logs.some((l) => l.includes('connect proxy answered unusable labels')));
    });

    it('an empty answer gives no credentials: without anonymous access the connect is refused', async () => {
      const c = client({ data: { anonymous: true } });
      const gone = once<{ code: number }>(c, 'disconnected');
      c.connect();
      assert.equal((await gone).code, 3501);
    });

    it('rpc returns the backend result, with the user and connection meta; namespaces pick their proxy', async () => {
      const c = await connected();
      const res = await c.rpc('echo', { n: 1 });
      assert.deepEqual(res.data, { method: 'echo', got: { n: 1 }, user: 'alice', meta: { tenant: 7 } });
      const named = await c.rpc('billing:charge', { cents: 5 });
      assert.deepEqual(named.data, { method: 'billing:charge', got: { cents: 5 }, user: 'alice', meta: { tenant: 7 } });
      const failed = await rpcError(c, 'fail', {});
      assert.deepEqual([failed.code, failed.message], [1001, 'nope']);
      assert.equal((await rpcError(c, 'nowhere:x', {})).code, 104);
      assert.equal((await rpcError(c, 'off:x', {})).code, 108);
      assert.equal(c.state, 'connected');
    });

    it('a subscription the backend refuses gets its error; an allowed one its data and info', async () => {
      const c = await connected();
      const secret = c.newSubscription('room:secret');
      // A permanent subscribe error leaves the subscription unsubscribed with the error's code.
      const denied = once<{ code: number; reason: string }>(secret, 'unsubscribed');
      secret.subscribe();
      const ctx = await denied;
      assert.deepEqual([ctx.code, ctx.reason], [1403, 'forbidden']);
      const open = c.newSubscription('room:open');
      const ok = once<{ data: unknown }>(open, 'subscribed');
      open.subscribe();
      assert.deepEqual((await ok).data, { motd: 'hi' });
      const sub = backend.calls.find((k) => k.method === 'subscribe' && k.body.channel === 'room:open');
      assert.equal(sub?.body.user, 'alice');
    });

    it('the sub_refresh proxy extends a subscription at its expiry, without the client: it stays subscribed and receives', async () => {
      const c = await connected();
      const s = c.newSubscription('room:twice');
      s.subscribe();
      await s.ready(3000);
      const ends: Array<{ code: number }> = [];
      s.on('subscribing', (ctx) => ends.push(ctx));
      s.on('unsubscribed', (ctx) => ends.push(ctx));
      // The backend extends by a second the first time: its second call comes only after
      // the server applied the first reply, past the subscription's first expire_at.
      const refreshes = (): SeenCall[] => backend.calls.filter((k) => k.method === 'sub_refresh' && k.body.channel === 'room:twice');
      await until(() => refreshes().length >= 2, 6000, 20);
      assert.equal(refreshes()[0]?.body.user, 'alice');
      const got = once<{ data: unknown }>(s, 'publication');
      await apiPublish('room:twice', { after: 'refresh' });
      assert.deepEqual((await got).data, { after: 'refresh' });
      assert.deepEqual(ends, []);
      assert.equal(s.state, 'subscribed');
    });

    it('a sub_refresh proxy reply of expired ends the subscription with 2501; the connection stays', async () => {
      const c = await connected();
      const interruptions: Array<{ code: number }> = [];
      c.on('connecting', (ctx) => interruptions.push(ctx));
      const s = c.newSubscription('room:ending');
      const ended = new Promise<{ code: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('subscription not ended')), 6000);
        s.on('subscribing', (ctx) => {
          if (ctx.code === 0) return;
          clearTimeout(timer);
          resolve(ctx);
        });
      });
      s.subscribe();
      await s.ready(3000);
      assert.equal((await ended).code, 2501);
      assert.equal(c.state, 'connected');
      assert.deepEqual(interruptions, []);
      c.removeSubscription(s);
    });

    it('a publication goes out as the backend rewrote it; a refused one gets the error', async () => {
      const c = await connected();
      const s = c.newSubscription('chat:lobby');
      s.subscribe();
      await s.ready(3000);
      const got = once<{ data: unknown }>(s, 'publication');
      await s.publish({ text: 'hello' });
      assert.deepEqual((await got).data, { text: 'HELLO', by: 'alice' });
      await assert.rejects(s.publish({ text: 'spam' }), (err: RpcError) => err.code === 1429 && err.message === 'no spam');
    });

    it('a slow backend times out with error 100 and holds up no other client', async () => {
      const a = await connected();
      const b = await connected();
      let slowSettled = false;
      const slowCall = rpcError(a, 'slow', {}).finally(() => (slowSettled = true));
      await slow.reached;
      const fast = await b.rpc('echo', { n: 2 });
      assert.equal(slowSettled, false, 'the other client was answered while the slow call waited');
      assert.deepEqual((fast.data as { got: unknown }).got, { n: 2 });
      // The backend holds every slow call until the suite ends: this error is the timeout's.
      const err = await slowCall;
      assert.equal(err.code, 100);
      assert.equal(err.temporary, true);
      assert.equal(a.state, 'connected');
      assert.deepEqual((await a.rpc('echo', { again: true })).data, { method: 'echo', got: { again: true }, user: 'alice', meta: { tenant: 7 } });
    });

    it('a backend failing or answering nonsense gives error 100, logged with the proxy name', async () => {
      const c = await connected();
      for (const method of kind === 'http' ? ['bad', 'down', 'text'] : ['bad', 'down']) {
        const err = await rpcError(c, method, {});
        assert.equal(err.code, 100, method);
      }
      assert.equal(c.state, 'connected');
      const failures = logs.map((l) => JSON.parse(l) as { msg: string; proxy?: string; code?: string }).filter((l) => l.msg === 'proxy call failed');
      assert.ok(failures.some((l) => l.proxy === 'rpc' && l.code === 'PARSEC_PROXY_MALFORMED_REPLY'));
      assert.ok(failures.some((l) => l.proxy === 'rpc' && (l.code === 'PARSEC_PROXY_STATUS' || l.code === 'PARSEC_PROXY_UNREACHABLE')));
    });
  });
}

describe('proxy failures and forwarding', () => {
  it('a backend that is down costs the client error 100, not its connection', async (t) => {
    const backend = await startBackend('http', {});
    const endpoint = backend.endpoint('rpc');
    await backend.close();
    const app = await Parsec.start({
      config: testConfig((c) => {
        c.client.insecure = true;
        c.rpc.proxy = proxyConfig(endpoint);
        c.rpc.withoutNamespace.proxyEnabled = true;
      }),
      logger: pino({ level: 'silent' }),
    });
    t.after(() => app.close());
    const c = sdk('json', `ws://127.0.0.1:${app.address().port}/connection/websocket`);
    t.after(() => c.disconnect());
    c.connect();
    await c.ready(3000);
    const err = await rpcError(c, 'anything', {});
    assert.equal(err.code, 100);
    assert.equal(err.temporary, true);
    assert.equal(c.state, 'connected');
  });

  it('listed request headers and cookies go to the backend, with the client address from a trusted X-Forwarded-For', async (t) => {
    const backend = await startBackend('http', { connect: () => ({ result: { user: 'bob' } }) });
    t.after(() => backend.close());
    const app = await Parsec.start({
      config: testConfig((c) => {
        c.client.proxy.connect = { enabled: true, ...proxyConfig(backend.endpoint('connect'), { httpHeaders: ['Cookie', 'X-App'] }) };
        c.parsec.trustedProxies = ['127.0.0.1', '10.0.0.0/8'];
      }),
      logger: pino({ level: 'silent' }),
    });
    t.after(() => app.close());
    const headers = { cookie: 'session=s1; theme=dark', 'x-app': 'web', 'x-other': 'not forwarded', 'x-forwarded-for': '203.0.113.7, 10.1.2.3' };
    const WithHeaders = class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    };
    const c = sdk('json', `ws://127.0.0.1:${app.address().port}/connection/websocket`, { websocket: WithHeaders });
    t.after(() => c.disconnect());
    c.connect();
    await c.ready(3000);
    const seen = backend.calls[0]!.headers;
    assert.equal(seen.cookie, 'session=s1; theme=dark');
    assert.equal(seen['x-app'], 'web');
    assert.equal(seen['x-other'], undefined);
    // 10.1.2.3 is a trusted proxy too, so the client is the address before it.
    assert.equal(seen['x-real-ip'], '203.0.113.7');
  });

  it('the refresh proxy extends a session at its expiry and ends it when the backend says expired', async (t) => {
    let refreshes = 0;
    const backend = await startBackend('http', {
      connect: () => ({ result: { user: 'carol', expire_at: nowSec() + 1 } }),
      refresh: () => (++refreshes === 1 ? { result: { expire_at: nowSec() + 1 } } : { result: { expired: true } }),
    });
    t.after(() => backend.close());
    const app = await Parsec.start({
      config: testConfig((c) => {
        c.client.proxy.connect = { enabled: true, ...proxyConfig(backend.endpoint('connect')) };
        c.client.proxy.refresh = { enabled: true, ...proxyConfig(backend.endpoint('refresh')) };
      }),
      logger: pino({ level: 'silent' }),
    });
    t.after(() => app.close());
    const c = sdk('json', `ws://127.0.0.1:${app.address().port}/connection/websocket`);
    t.after(() => c.disconnect());
    const expired = new Promise<void>((resolve) => c.on('connecting', (ctx) => ctx.code === 3005 && resolve()));
    c.connect();
    await c.ready(3000);
    await expired;
    assert.equal(refreshes, 2);
    const refresh = backend.calls.find((k) => k.method === 'refresh')!;
    assert.equal(refresh.body.user, 'carol');
  });
});
