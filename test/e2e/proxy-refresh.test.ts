import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { defaultConfig } from '../../src/config/index.js';
import type { ProxyConfig } from '../../src/config/types.js';
import { startBackend, Status, type Backend, type Body, type SeenCall } from '../helpers/proxy-backend.js';
import { RawClient } from '../helpers/raw.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { nowSec } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const API_KEY = 'proxy-refresh-api-key-0123456789';
/** Long enough for an expiry a second or two away and a busy machine. */
const WAIT = 10_000;

/*
 * What the server does with the refresh and sub_refresh proxies' answers at an expiry, seen
 * on the wire through a real HTTP backend. Expiries are a second away; no test reads the
 * clock: a later call of the backend proves it applied the previous answer (it asks again
 * only at the expiry that answer set), and a witness session one second behind, ended by
 * its own backend answer, proves the expiry of the session under test has passed.
 */

function proxyConfig(endpoint: string): ProxyConfig {
  return { ...structuredClone(defaultConfig().rpc.proxy), endpoint, includeConnectionMeta: true };
}

/** What the connect proxy gives a session: `connect.data` of the raw client. */
interface ConnectData {
  user: string;
  exp?: number;
  info?: unknown;
  meta?: unknown;
}

interface PubInfo {
  user?: string;
  conn_info?: unknown;
  chan_info?: unknown;
}

/** A backend answer per call: the n-th call of a key gets answers[n] (the last one after that). */
type Script = Array<unknown | (() => unknown)>;

describe('refresh and sub_refresh proxies: what their answers do', () => {
  let backend: Backend;
  let server: TestServer;
  const raws: RawClient[] = [];
  /** Answers of the refresh proxy by user, of the sub_refresh proxy by channel. */
  const refreshScripts = new Map<string, Script>();
  const subRefreshScripts = new Map<string, Script>();
  const counts = new Map<string, number>();

  const play = (key: string, script: Script | undefined): unknown => {
    if (!script) return { result: { expire_at: nowSec() + 3600 } };
    const n = counts.get(key) ?? 0;
    counts.set(key, n + 1);
    const step = script[Math.min(n, script.length - 1)];
    return typeof step === 'function' ? (step as () => unknown)() : step;
  };

  before(async () => {
    backend = await startBackend('http', {
      connect: (b: Body) => {
        const d = b.data as ConnectData;
        return { result: { user: d.user, expire_at: d.exp ?? 0, info: d.info, meta: d.meta } };
      },
      refresh: (b: Body) => play(`user:${String(b.user)}`, refreshScripts.get(String(b.user))),
      subscribe: (b: Body) => ({ result: { info: { role: 'guest' }, expire_at: nowSec() + 1, channel: b.channel } }),
      sub_refresh: (b: Body) => play(`channel:${String(b.channel)}`, subRefreshScripts.get(String(b.channel))),
      rpc: (b: Body) => ({ result: { data: { meta: b.meta ?? null } } }),
    });
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = API_KEY;
        c.client.proxy.connect = { enabled: true, ...proxyConfig(backend.endpoint('connect')) };
        c.client.proxy.refresh = { enabled: true, ...proxyConfig(backend.endpoint('refresh')) };
        c.channel.proxy.subscribe = proxyConfig(backend.endpoint('subscribe'));
        c.channel.proxy.subRefresh = proxyConfig(backend.endpoint('sub_refresh'));
        c.rpc.proxy = proxyConfig(backend.endpoint('rpc'));
        c.rpc.withoutNamespace = { proxyEnabled: true, proxyName: 'default' };
        c.channel.withoutNamespace.allowSubscribeForClient = true;
        c.channel.withoutNamespace.allowPublishForSubscriber = true;
        c.channel.namespaces = [namespace('room', { subscribeProxyEnabled: true, subRefreshProxyEnabled: true, allowPublishForSubscriber: true })];
      }),
    );
  });

  after(async () => {
    for (const r of raws) r.close();
    await server.close();
    await backend.close();
  });

  const session = async (data: ConnectData): Promise<RawClient> => {
    const r = await RawClient.open(server.url);
    raws.push(r);
    r.send({ id: 1, connect: { data } });
    const reply = await r.reply(1);
    assert.ok(reply.connect, JSON.stringify(reply));
    return r;
  };

  const calls = (method: 'refresh' | 'sub_refresh', key: string): SeenCall[] =>
    backend.calls.filter((k) => k.method === method && (method === 'refresh' ? k.body.user : k.body.channel) === key);

  /** A session (expiring at `exp`) that its backend ends at that expiry: 3005 proves `exp` has passed. */
  const expiredWitness = async (user: string, exp: number): Promise<void> => {
    refreshScripts.set(user, [{ result: { expired: true } }]);
    const w = await session({ user, exp });
    assert.equal((await w.closeCode(WAIT)).code, 3005);
  };

  let nextId = 100;
  /** The ClientInfo the server attaches to a publication of this session into `channel` (subscribed). */
  const publishedInfo = async (r: RawClient, channel: string): Promise<PubInfo> => {
    const id = nextId++;
    const marker = `m${id}`;
    r.send({ id, publish: { channel, data: { marker } } });
    const reply = await r.reply(id);
    assert.ok(reply.publish, JSON.stringify(reply));
    type Push = { push?: { channel?: string; pub?: { data?: { marker?: string }; info?: PubInfo } } };
    const find = (): Push | undefined => r.messages.find((m) => (m as Push).push?.pub?.data?.marker === marker) as Push | undefined;
    await until(() => find() !== undefined, WAIT);
    return find()!.push!.pub!.info ?? {};
  };

  const subscribe = async (r: RawClient, channel: string): Promise<void> => {
    const id = nextId++;
    r.send({ id, subscribe: { channel } });
    const reply = await r.reply(id);
    assert.ok(reply.subscribe, JSON.stringify(reply));
  };

  const rpcMeta = async (r: RawClient): Promise<unknown> => {
    const id = nextId++;
    r.send({ id, rpc: { method: 'echo', data: {} } });
    const reply = (await r.reply(id)) as { rpc?: { data?: { meta?: unknown } } };
    assert.ok(reply.rpc, JSON.stringify(reply));
    return reply.rpc.data?.meta;
  };

  it('ends the session with 3005 when the refresh proxy answers an expire_at already past, asking once', async () => {
    refreshScripts.set('past', [() => ({ result: { expire_at: nowSec() - 1 } })]);
    const r = await session({ user: 'past', exp: nowSec() + 1 });
    assert.equal((await r.closeCode(WAIT)).code, 3005);
    assert.equal(calls('refresh', 'past').length, 1);
  });

  it('keeps a session whose refresh proxy fails (HTTP 500), without asking again at once', async () => {
    refreshScripts.set('down', [new Status(500)]);
    const exp = nowSec() + 1;
    const r = await session({ user: 'down', exp });
    await subscribe(r, 'down-news');
    await expiredWitness('down-witness', exp + 1);
    await until(() => calls('refresh', 'down').length > 0, WAIT);
    assert.equal(r.ws.readyState, WebSocket.OPEN);
    // Still a working session: it publishes and receives.
    assert.equal((await publishedInfo(r, 'down-news')).user, 'down');
    // Kept for the retry interval (a minute), not asked again in a loop.
    assert.equal(calls('refresh', 'down').length, 1);
  });

  it('keeps a session whose refresh proxy answers an error', async () => {
    refreshScripts.set('refused', [{ error: { code: 1000, message: 'try later' } }]);
    const exp = nowSec() + 1;
    const r = await session({ user: 'refused', exp });
    await expiredWitness('refused-witness', exp + 1);
    assert.equal(r.ws.readyState, WebSocket.OPEN);
    assert.equal(await rpcMeta(r), null);
    assert.equal(calls('refresh', 'refused').length, 1);
  });

  it('ends the session with the disconnect the refresh proxy answers', async () => {
    refreshScripts.set('banned', [{ disconnect: { code: 4501, reason: 'banned' } }]);
    const r = await session({ user: 'banned', exp: nowSec() + 1 });
    assert.deepEqual(await r.closeCode(WAIT), { code: 4501, reason: 'banned' });
  });

  it('takes info and meta from a refresh answer that gives them, and keeps them when the next one gives none', async () => {
    refreshScripts.set('rich', [
      () => ({ result: { expire_at: nowSec() + 1, info: { v: 2 }, meta: { m: 2 } } }),
      () => ({ result: { expire_at: nowSec() + 1 } }),
      () => ({ result: { expire_at: nowSec() + 3600 } }),
    ]);
    const r = await session({ user: 'rich', exp: nowSec() + 1, info: { v: 1 }, meta: { m: 1 } });
    await subscribe(r, 'rich-news');
    assert.deepEqual((await publishedInfo(r, 'rich-news')).conn_info, { v: 1 });
    assert.deepEqual(await rpcMeta(r), { m: 1 });
    // The third call comes at the expiry the second answer set: both answers are applied.
    await until(() => calls('refresh', 'rich').length >= 3, WAIT);
    assert.deepEqual((await publishedInfo(r, 'rich-news')).conn_info, { v: 2 });
    assert.deepEqual(await rpcMeta(r), { m: 2 });
    assert.equal(r.ws.readyState, WebSocket.OPEN);
  });

  it('takes chan_info from a sub_refresh answer that gives it, and keeps it when the next one gives none', async () => {
    subRefreshScripts.set('room:info', [
      () => ({ result: { expire_at: nowSec() + 1, info: { role: 'host' } } }),
      () => ({ result: { expire_at: nowSec() + 1 } }),
      () => ({ result: { expire_at: nowSec() + 3600 } }),
    ]);
    const r = await session({ user: 'host' });
    await subscribe(r, 'room:info');
    assert.deepEqual((await publishedInfo(r, 'room:info')).chan_info, { role: 'guest' });
    await until(() => calls('sub_refresh', 'room:info').length >= 3, WAIT);
    assert.deepEqual((await publishedInfo(r, 'room:info')).chan_info, { role: 'host' });
  });

  it('unsubscribes (2501) a client subscription whose sub_refresh proxy answers an expire_at already past; the session stays', async () => {
    subRefreshScripts.set('room:past', [() => ({ result: { expire_at: nowSec() - 1 } })]);
    const r = await session({ user: 'late' });
    await subscribe(r, 'room:past');
    type Unsub = { push?: { channel?: string; unsubscribe?: { code: number } } };
    const unsub = (): Unsub | undefined => r.messages.find((m) => (m as Unsub).push?.channel === 'room:past' && (m as Unsub).push?.unsubscribe) as Unsub | undefined;
    await until(() => unsub() !== undefined, WAIT);
    assert.equal(unsub()!.push!.unsubscribe!.code, 2501);
    assert.equal(calls('sub_refresh', 'room:past').length, 1);
    assert.equal(r.ws.readyState, WebSocket.OPEN);
  });

  it('keeps a subscription whose sub_refresh proxy fails (HTTP 500)', async () => {
    subRefreshScripts.set('room:down', [new Status(500)]);
    const r = await session({ user: 'patient' });
    await subscribe(r, 'room:down');
    await until(() => calls('sub_refresh', 'room:down').length > 0, WAIT);
    // A session one second behind, ended at its expiry: the 500 is long answered by then.
    await expiredWitness('patient-witness', nowSec() + 1);
    assert.deepEqual((await publishedInfo(r, 'room:down')).chan_info, { role: 'guest' });
    assert.equal(calls('sub_refresh', 'room:down').length, 1);
    type Unsub = { push?: { unsubscribe?: unknown } };
    assert.equal(r.messages.find((m) => (m as Unsub).push?.unsubscribe), undefined);
  });

  it('ends the session with 3006 when the sub_refresh proxy answers expired for a server-side subscription', async () => {
    subRefreshScripts.set('room:server', [{ result: { expired: true } }]);
    const r = await session({ user: 'served' });
    const res = await fetch(`${server.httpUrl}/api/subscribe`, {
      method: 'POST',
      body: JSON.stringify({ user: 'served', channel: 'room:server', expire_at: nowSec() + 1 }),
      headers: { 'X-API-Key': API_KEY },
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal((await r.closeCode(WAIT)).code, 3006);
    assert.equal(calls('sub_refresh', 'room:server').length, 1);
  });
});
