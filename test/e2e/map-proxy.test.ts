import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { MapSubscription } from 'centrifuge';
import { pino } from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import type { ProxyConfig } from '../../src/config/types.js';
import { startBackend, type Backend, type BackendKind, type Body } from '../helpers/proxy-backend.js';
import { collect, decoded, once, payload, sdk, type Sdk, type SdkProtocol } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';

/**
 * Client map writes through the map_publish and map_remove proxies, with the SDK's
 * MapSubscription in JSON and protobuf against a real HTTP and gRPC backend: the backend
 * decides in place of the namespace's permissions, may change key, data, tags, key mode and
 * version, and refuses with its error or disconnect.
 */

const KEY = 'map-proxy-api-key-0123456789';

interface Update {
  key: string;
  data: unknown;
  removed?: boolean;
  info?: { user: string };
}

interface Refusal {
  code?: number;
  message?: string;
}

function proxyConfig(endpoint: string): ProxyConfig {
  return { ...structuredClone(defaultConfig().rpc.proxy), endpoint };
}

const map = (o: Record<string, unknown>) => ({ ...structuredClone(testConfig().channel.withoutNamespace.map), ...o });

/** The backend: what it answers for each write, by what the client sent. */
const handlers = {
  map_publish: (b: Body) => {
    const d = (b.data ?? {}) as { text?: string; v?: number; n?: number };
    switch (d.text) {
      case 'spam':
        return { error: { code: 1429, message: 'no spam' } };
      case 'ban':
        return { disconnect: { code: 4501, reason: 'banned' } };
      case 'auto':
        // The backend chooses the key and keeps the client's data.
        return { result: { key: `auto-${String(b.user)}` } };
      case 'once':
        return { result: { key_mode: 'if_new' } };
      case 'versioned':
        return { result: { version: d.v, version_epoch: 'e1' } };
      case 'tagged':
        return { result: { tags: { color: 'red' } } };
      default:
        return { result: { data: { text: String(d.text).toUpperCase(), by: b.user } } };
    }
  },
  map_remove: (b: Body) => {
    if (b.key === 'locked') return { error: { code: 1403, message: 'locked' } };
    if (b.key === 'alias') return { result: { key: 'real' } };
    return {};
  },
};

for (const kind of ['http', 'grpc'] as BackendKind[]) {
  describe(`map write proxies to a ${kind} backend`, () => {
    let backend: Backend;
    let server: TestServer;
    const logs: string[] = [];
    const clients: Sdk[] = [];
    let n = 0;

    const api = async (method: string, body: object): Promise<Record<string, unknown>> => {
      const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY } });
      assert.equal(res.status, 200, `${method}: HTTP ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const state = async (channel: string): Promise<Record<string, unknown>> => {
      const { result } = (await api('map_read_state', { channel, limit: -1 })) as { result: { entries?: Array<{ key: string; data: unknown }> } };
      return Object.fromEntries((result.entries ?? []).map((e) => [e.key, e.data]));
    };

    before(async () => {
      backend = await startBackend(kind, handlers);
      const config = testConfig((c) => {
        c.httpApi.key = KEY;
        c.channel.proxy.mapPublish = proxyConfig(backend.endpoint('map_publish'));
        c.channel.proxy.mapRemove = proxyConfig(backend.endpoint('map_remove'));
        c.proxies = [{ name: 'writes', ...proxyConfig(backend.endpoint('map_publish')) }];
        c.channel.namespaces = [
          // No allow_* option: only the backend lets clients write here.
          namespace('board', {
            subscriptionType: 'map',
            map: map({ mode: 'persistent', publishProxyEnabled: true, removeProxyEnabled: true }),
            allowSubscribeForClient: true,
          }),
          // A named proxy for writes; removals are not proxied and not allowed.
          namespace('eph', {
            subscriptionType: 'map',
            map: map({ mode: 'ephemeral', keyTtl: 60_000, publishProxyEnabled: true, publishProxyName: 'writes' }),
            allowSubscribeForClient: true,
          }),
        ];
      });
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(chunk.toString('utf8'));
          done();
        },
      });
      server = await startServer(config, pino({ level: 'info' }, sink));
    });

    after(async () => {
      for (const c of clients) c.disconnect();
      await server.close();
      await backend.close();
    });

    for (const protocol of ['json', 'protobuf'] as SdkProtocol[]) {
      const dec = <T = unknown>(d: unknown): T => decoded<T>(protocol, d);
      const uniq = (ns: string): string => `${ns}:${kind}-${protocol}-${++n}`;
      const connected = async (user = 'alice'): Promise<Sdk> => {
        const c = sdk(protocol, server.url, { token: await connToken(user) });
        clients.push(c);
        c.connect();
        await c.ready(3000);
        return c;
      };
      const subscribed = async (c: Sdk, channel: string): Promise<MapSubscription> => {
        const sub = c.newMapSubscription(channel);
        const synced = once(sub, 'sync', 5000);
        sub.subscribe();
        await synced;
        return sub;
      };
      const callsFor = (channel: string) => backend.calls.filter((k) => k.body.channel === channel);

      describe(protocol, () => {
        it('a write goes out as the backend rewrote it, after the backend saw who wrote what', async () => {
          const c = await connected();
          const channel = uniq('board');
          const sub = await subscribed(c, channel);
          const update = once<Update>(sub, 'update');
          await sub.publish('k1', payload(protocol, { text: 'hello' }));
          const u = await update;
          assert.deepEqual({ key: u.key, data: dec(u.data), user: u.info?.user }, { key: 'k1', data: { text: 'HELLO', by: 'alice' }, user: 'alice' });
          const [call] = callsFor(channel);
          assert.equal(call?.method, 'map_publish');
          const { client, ...rest } = call!.body;
          assert.equal(typeof client, 'string');
          assert.deepEqual(rest, { transport: 'websocket', protocol, encoding: 'json', user: 'alice', channel, key: 'k1', data: { text: 'hello' } });
        });

        it("the backend's error refuses the write: nothing is stored", async () => {
          const c = await connected();
          const channel = uniq('board');
          const sub = await subscribed(c, channel);
          await assert.rejects(sub.publish('s', payload(protocol, { text: 'spam' })), (e: Refusal) => e.code === 1429 && e.message === 'no spam');
          assert.deepEqual(await state(channel), {});
          assert.equal(c.state, 'connected');
        });

        it("the backend's disconnect ends the connection with its code", async () => {
          const c = await connected();
          const sub = await subscribed(c, uniq('board'));
          const gone = once<{ code: number; reason: string }>(c, 'disconnected');
          sub.publish('b', payload(protocol, { text: 'ban' })).catch(() => undefined);
          assert.deepEqual({ ...(await gone) }, { code: 4501, reason: 'banned' });
        });

        it('the backend chooses the key, the tags, the key mode and the version', async () => {
          const c = await connected('bob');
          const channel = uniq('board');
          const sub = await subscribed(c, channel);
          await sub.publish('', payload(protocol, { text: 'auto' }));
          await sub.publish('t', payload(protocol, { text: 'tagged' }));
          // if_new: the second write of a key is suppressed.
          await sub.publish('o', payload(protocol, { text: 'once', n: 1 }));
          await sub.publish('o', payload(protocol, { text: 'once', n: 2 }));
          // An older version than the stored one is suppressed.
          await sub.publish('v', payload(protocol, { text: 'versioned', v: 2 }));
          await sub.publish('v', payload(protocol, { text: 'versioned', v: 1 }));
          assert.deepEqual(await state(channel), {
            'auto-bob': { text: 'auto' },
            t: { text: 'tagged' },
            o: { text: 'once', n: 1 },
            v: { text: 'versioned', v: 2 },
          });
          const { result } = (await api('map_read_state', { channel, key: 't' })) as { result: { entries: Array<{ tags?: Record<string, string> }> } };
          assert.deepEqual(result.entries[0]?.tags, { color: 'red' });
        });

        it('a removal goes through the backend, which may redirect it or refuse it', async () => {
          const c = await connected();
          const channel = uniq('board');
          await api('map_publish', { channel, key: 'real', data: { v: 1 } });
          await api('map_publish', { channel, key: 'locked', data: { v: 2 } });
          const sub = await subscribed(c, channel);
          const removed = once<Update>(sub, 'update');
          await sub.remove('alias');
          const u = await removed;
          assert.deepEqual({ key: u.key, removed: u.removed }, { key: 'real', removed: true });
          await assert.rejects(sub.remove('locked'), (e: Refusal) => e.code === 1403 && e.message === 'locked');
          assert.deepEqual(await state(channel), { locked: { v: 2 } });
          assert.deepEqual(
            callsFor(channel).map((k) => [k.method, k.body.key]),
            [
              ['map_remove', 'alias'],
              ['map_remove', 'locked'],
            ],
          );
        });

        it('a named proxy serves one namespace; what it does not proxy follows the namespace rules', async () => {
          const c = await connected();
          const channel = uniq('eph');
          const sub = await subscribed(c, channel);
          const updates = collect<Update>(sub, 'update', 1);
          await sub.publish('k', payload(protocol, { text: 'named' }));
          assert.deepEqual(dec((await updates)[0]!.data), { text: 'NAMED', by: 'alice' });
          // Removals are not proxied here and no allow_remove_* option lets clients remove.
          await assert.rejects(sub.remove('k'), (e: Refusal) => e.code === 103);
          // A version needs a change stream, which an ephemeral map has not: the backend's mistake.
          await assert.rejects(sub.publish('v', payload(protocol, { text: 'versioned', v: 1 })), (e: Refusal) => e.code === 100);
          assert.ok(logs.some((l) => l.includes('map publish proxy set a version on a map without a stream') && l.includes(channel)));
        });
      });
    }
  });
}
