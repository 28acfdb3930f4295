import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Subscription } from 'centrifuge';
import { WebSocket } from 'ws';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken, nowSec, sign, subToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'session-expiry-api-key-0123456789';

/*
 * What a refresh does, not only that one was asked for: tokens that expire within
 * seconds, and close delays short enough for the server to end an unrefreshed session
 * within a test. The SDK refreshes at the ttl the server gave, which is rounded up to a
 * whole second, so the close delay leaves that second and more for its refresh to land.
 *
 * No test waits on the clock. A witness (a session or subscription with a token one
 * second later and never refreshed) is ended by the server at its own expiry plus the
 * delay: that end proves the server's deadline for the session under test has passed,
 * whatever happened to it.
 */

const CLOSE_DELAY = 2000;
/** Long enough for a token of a few seconds, the close delay and a busy machine. */
const EXPIRY_WAIT = 10_000;

/** Resolves with the first emission of `event` that `pred` accepts; rejects after `ms`. */
function when<T extends { code: number }>(target: Sdk | Subscription, event: 'connecting' | 'subscribing', pred: (ctx: T) => boolean, ms = EXPIRY_WAIT): Promise<T> {
  const emitter = target as unknown as { on(e: string, fn: (ctx: T) => void): unknown };
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching "${event}" in ${ms} ms`)), ms);
    emitter.on(event, (ctx) => {
      if (!pred(ctx)) return;
      clearTimeout(timer);
      resolve(ctx);
    });
  });
}

describe('session and subscription expiry', { concurrency: true }, () => {
  let server: TestServer;
  const clients: Sdk[] = [];
  const raws: RawClient[] = [];

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.client.expiredCloseDelay = CLOSE_DELAY;
        c.client.expiredSubCloseDelay = CLOSE_DELAY;
        c.channel.withoutNamespace.allowSubscribeForClient = true;
        c.channel.namespaces = [namespace('private', {})];
      }),
    );
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.close();
  });

  const api = async (method: string, body: object): Promise<void> => {
    const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY } });
    assert.equal(res.status, 200, `${method}: ${await res.text()}`);
  };
  const publish = (channel: string, data: unknown): Promise<void> => api('publish', { channel, data });

  const client = (opts: Parameters<typeof sdk>[2]): Sdk => {
    const c = sdk('json', server.url, opts);
    clients.push(c);
    return c;
  };

  /** Every reconnect or disconnect of an SDK client from now on. */
  const interruptions = (c: Sdk): Array<{ code: number }> => {
    const seen: Array<{ code: number }> = [];
    c.on('connecting', (ctx) => seen.push(ctx));
    c.on('disconnected', (ctx) => seen.push(ctx));
    return seen;
  };

  /** A raw session with a token expiring at `exp`, which never refreshes. */
  const rawSession = async (user: string, exp: number): Promise<RawClient> => {
    const r = await RawClient.open(server.url);
    raws.push(r);
    r.send({ id: 1, connect: { token: await sign({ sub: user, exp }) } });
    const reply = await r.reply(1);
    assert.ok(reply.connect, JSON.stringify(reply));
    return r;
  };

  /** Resolves when the server ended the witness session as expired (3005). */
  const expiredWitness = async (user: string, exp: number): Promise<void> => {
    const w = await rawSession(user, exp);
    assert.equal((await w.closeCode(EXPIRY_WAIT)).code, 3005);
  };

  it('a connection refreshed through getToken outlives its first token: no 3005, and it still receives', async () => {
    const exp = nowSec() + 2;
    let calls = 0;
    const c = client({
      token: await sign({ sub: 'refreshed', exp }),
      getToken: async () => {
        calls++;
        return connToken('refreshed');
      },
    });
    c.connect();
    await c.ready(3000);
    const seen = interruptions(c);
    const s = c.newSubscription('refreshed-news');
    s.subscribe();
    await s.ready(3000);
    await expiredWitness('refreshed-witness', exp + 1);
    const got = once<{ data: unknown }>(s, 'publication');
    await publish('refreshed-news', { after: 'expiry' });
    assert.deepEqual((await got).data, { after: 'expiry' });
    assert.deepEqual(seen, []);
    assert.equal(calls, 1);
    assert.equal(c.state, 'connected');
  });

  it('a connection whose getToken fails is closed with 3005 after its token expired', async () => {
    let calls = 0;
    const c = client({
      token: await sign({ sub: 'stale', exp: nowSec() + 2 }),
      getToken: async () => {
        calls++;
        throw new Error('no new token');
      },
    });
    c.connect();
    await c.ready(3000);
    await when(c, 'connecting', (ctx) => ctx.code === 3005);
    assert.ok(calls >= 1, 'the SDK tried to refresh');
  });

  it('a refresh with the same, expired token is answered with 3005', async () => {
    const token = await sign({ sub: 'same', exp: nowSec() + 2 });
    let calls = 0;
    const c = client({
      token,
      getToken: async () => {
        calls++;
        return token;
      },
    });
    c.connect();
    await c.ready(3000);
    await when(c, 'connecting', (ctx) => ctx.code === 3005);
    assert.ok(calls >= 1, 'the SDK tried to refresh');
  });

  it('a subscription refreshed through getToken outlives its first token and still receives', async () => {
    const c = client({ token: await connToken('subscriber') });
    c.connect();
    await c.ready(3000);
    const seenConn = interruptions(c);
    const exp = nowSec() + 2;
    let calls = 0;
    const s = c.newSubscription('$private:refreshed', {
      getToken: async () => {
        calls++;
        return subToken('subscriber', '$private:refreshed', { exp: calls === 1 ? exp : nowSec() + 3600 });
      },
    });
    const seen: Array<{ code: number }> = [];
    s.subscribe();
    await s.ready(3000);
    s.on('subscribing', (ctx) => seen.push(ctx));
    s.on('unsubscribed', (ctx) => seen.push(ctx));
    // The witness: a subscription of the same client expiring a second later, never refreshed.
    let witnessCalls = 0;
    const w = c.newSubscription('$private:witness', {
      getToken: async () => {
        if (++witnessCalls > 1) throw new Error('no new token');
        return subToken('subscriber', '$private:witness', { exp: exp + 1 });
      },
    });
    const witnessEnded = when(w, 'subscribing', (ctx) => ctx.code === 2501);
    w.subscribe();
    await w.ready(3000);
    await witnessEnded;
    const got = once<{ data: unknown }>(s, 'publication');
    await publish('$private:refreshed', { after: 'expiry' });
    assert.deepEqual((await got).data, { after: 'expiry' });
    assert.deepEqual(seen, []);
    assert.equal(calls, 2);
    assert.equal(s.state, 'subscribed');
    assert.deepEqual(seenConn, []);
  });

  it('a subscription whose token is not refreshed is unsubscribed with 2501; the connection stays', async () => {
    const c = client({ token: await connToken('lapsed') });
    c.connect();
    await c.ready(3000);
    const seenConn = interruptions(c);
    let calls = 0;
    const s = c.newSubscription('$private:lapsed', {
      getToken: async () => {
        if (++calls > 1) throw new Error('no new token');
        return subToken('lapsed', '$private:lapsed', { exp: nowSec() + 2 });
      },
    });
    const ended = when(s, 'subscribing', (ctx) => ctx.code !== 0);
    s.subscribe();
    await s.ready(3000);
    const ctx = await ended;
    assert.equal(ctx.code, 2501);
    assert.ok(calls >= 2, 'the SDK tried to refresh');
    assert.equal(c.state, 'connected');
    assert.deepEqual(seenConn, []);
  });

  it('API refresh with a later expire_at keeps a session past its token expiry', async () => {
    const exp = nowSec() + 2;
    const r = await rawSession('api-extended', exp);
    await api('refresh', { user: 'api-extended', expire_at: nowSec() + 3600 });
    type RefreshPush = { push: { refresh: { expires?: boolean; ttl?: number } } };
    const refreshPush = (): RefreshPush | undefined => r.messages.find((m) => (m as Partial<RefreshPush>).push?.refresh) as RefreshPush | undefined;
    await until(() => refreshPush() !== undefined);
    assert.equal(refreshPush()?.push.refresh.expires, true);
    assert.ok((refreshPush()?.push.refresh.ttl ?? 0) > 3000, 'the push gives the new expiry');
    await expiredWitness('api-extended-witness', exp + 1);
    assert.equal(r.ws.readyState, WebSocket.OPEN);
    r.send({ id: 2, subscribe: { channel: 'api-extended-news' } });
    assert.ok((await r.reply(2)).subscribe, 'the session still answers');
  });

  it('API refresh with an expire_at already past ends the session with 3005', async () => {
    const r = await rawSession('api-ended', nowSec() + 3600);
    await api('refresh', { user: 'api-ended', expire_at: nowSec() - 1 });
    assert.equal((await r.closeCode(EXPIRY_WAIT)).code, 3005);
  });
});
