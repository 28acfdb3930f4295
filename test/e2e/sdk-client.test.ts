import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { collect, decoded, once, payload, sdkOver, transportCases, type Sdk } from '../helpers/sdk.js';
import { connToken, nowSec, sign, subToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'sdk-client-api-key-0123456789';

/**
 * The official SDK against Parsec: the everyday client features, over every transport a
 * browser may use (WebSocket, HTTP-streaming and SSE with /emulation) in JSON and protobuf,
 * as the SDK's own suite runs them.
 */
for (const tc of transportCases) {
  const { protocol } = tc;
  describe(`centrifuge SDK over ${tc.transport} (${protocol})`, () => {
    let server: TestServer;
    const clients: Sdk[] = [];
    const enc = (v: unknown): unknown => payload(protocol, v);
    const dec = <T = unknown>(d: unknown): T => decoded<T>(protocol, d);
    const client = (opts: Parameters<typeof sdkOver>[2] = {}): Sdk => {
      const c = sdkOver(tc, server.httpUrl, opts);
      clients.push(c);
      return c;
    };
    const apiDisconnect = (body: object): Promise<Response> =>
      fetch(`${server.httpUrl}/api/disconnect`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY } });
    const connected = async (user: string, opts: Parameters<typeof sdkOver>[2] = {}): Promise<Sdk> => {
      const c = client({ token: await connToken(user), ...opts });
      c.connect();
      await c.ready(3000);
      return c;
    };

    before(async () => {
      server = await startServer(
        testConfig((c) => {
          c.sse.enabled = true;
          c.httpStream.enabled = true;
          c.httpApi.key = KEY;
          c.channel.namespaces = [
            namespace('chat', {
              presence: true,
              joinLeave: true,
              historySize: 10,
              historyTtl: 60_000,
              forceRecovery: true,
              allowSubscribeForClient: true,
              allowPublishForSubscriber: true,
              allowPresenceForSubscriber: true,
              allowHistoryForSubscriber: true,
            }),
            namespace('small', {
              historySize: 2,
              historyTtl: 60_000,
              forceRecovery: true,
              allowSubscribeForClient: true,
              allowPublishForClient: true,
            }),
            namespace('ro', { allowSubscribeForClient: true }),
            namespace('private', { allowPublishForSubscriber: true }),
            namespace('personal', { presence: true }),
            namespace('delta', {
              historySize: 10,
              historyTtl: 60_000,
              forceRecovery: true,
              allowedDeltaTypes: ['fossil'],
              deltaPublish: true,
              allowSubscribeForClient: true,
              allowPublishForSubscriber: true,
            }),
          ];
          c.client.subscribeToUserPersonalChannel = { enabled: true, personalChannelNamespace: 'personal', singleConnection: false };
        }),
      );
    });

    after(async () => {
      for (const c of clients) c.disconnect();
      await server.close();
    });

    it('connects with a token and reports client id and transport', async () => {
      const c = client({ token: await connToken('alice') });
      const ctx = await new Promise<{ client: string; transport: string }>((resolve) => {
        c.on('connected', resolve);
        c.connect();
      });
      assert.match(ctx.client, /^[0-9a-f-]{36}$/);
      assert.equal(ctx.transport, tc.transport);
    });

    it('subscribes, publishes and receives publications with offsets', async () => {
      const a = await connected('alice');
      const b = await connected('bob');
      const subA = a.newSubscription('chat:room1');
      const subB = b.newSubscription('chat:room1');
      const subscribed = once<{ positioned: boolean; recoverable: boolean; streamPosition?: { offset: number; epoch: string } }>(subB, 'subscribed');
      subA.subscribe();
      subB.subscribe();
      await subA.ready(3000);
      const subCtx = await subscribed;
      assert.equal(subCtx.recoverable, true);
      assert.equal(subCtx.positioned, true);
      const got = collect<{ data: unknown; offset?: number; info?: { user: string } }>(subB, 'publication', 2);
      await subA.publish(enc({ text: 'one' }));
      await subA.publish(enc({ text: 'two', n: [1, 2, { x: null }] }));
      const pubs = await got;
      assert.deepEqual(pubs.map((p) => dec(p.data)), [{ text: 'one' }, { text: 'two', n: [1, 2, { x: null }] }]);
      assert.equal(pubs[1]!.offset, pubs[0]!.offset! + 1);
      assert.equal(pubs[0]!.info?.user, 'alice');
    });

    it('splits replies written together, whatever their payload holds', async () => {
      const a = await connected('alice');
      const b = await connected('bob');
      const subA = a.newSubscription('chat:burst');
      const subB = b.newSubscription('chat:burst');
      subA.subscribe();
      subB.subscribe();
      await Promise.all([subA.ready(3000), subB.ready(3000)]);
      const got = collect<{ data: unknown }>(subB, 'publication', 3);
      // Publishes in one tick: their pushes share one write, which each transport's framing must split.
      await Promise.all([1, 2, 3].map((n) => subA.publish(enc({ n, text: 'line\r\nbreak' }))));
      const data = (await got).map((p) => dec<{ n: number; text: string }>(p.data));
      assert.deepEqual(data.map((d) => d.n).sort(), [1, 2, 3]);
      assert.equal(data[0]!.text, 'line\r\nbreak');
    });

    it('gets join and leave pushes when asked', async () => {
      const a = await connected('alice');
      const watcher = a.newSubscription('chat:joins', { joinLeave: true });
      watcher.subscribe();
      await watcher.ready(3000);
      const joined = once<{ info: { user: string } }>(watcher, 'join');
      const b = await connected('carol');
      const sub = b.newSubscription('chat:joins');
      sub.subscribe();
      await sub.ready(3000);
      // The watcher may first see its own join.
      let j = await joined;
      if (j.info.user === 'alice') j = await once(watcher, 'join');
      assert.equal(j.info.user, 'carol');
      const left = once<{ info: { user: string } }>(watcher, 'leave');
      sub.unsubscribe();
      assert.equal((await left).info.user, 'carol');
    });

    it('answers presence and presence stats', async () => {
      const a = await connected('alice');
      const b = await connected('bob');
      const sa = a.newSubscription('chat:presence');
      const sb = b.newSubscription('chat:presence');
      sa.subscribe();
      sb.subscribe();
      await Promise.all([sa.ready(3000), sb.ready(3000)]);
      const presence = await sa.presence();
      const users = Object.values(presence.clients).map((i) => i.user).sort();
      assert.deepEqual(users, ['alice', 'bob']);
      const stats = await sa.presenceStats();
      assert.deepEqual({ c: stats.numClients, u: stats.numUsers }, { c: 2, u: 2 });
    });

    it('reads history with limit, since and reverse', async () => {
      const a = await connected('alice');
      const s = a.newSubscription('chat:history');
      s.subscribe();
      await s.ready(3000);
      for (let i = 1; i <= 5; i++) await s.publish(enc({ i }));
      const top = await s.history({ limit: 0 });
      assert.equal(top.publications.length, 0);
      assert.equal(top.offset, 5);
      const all = await s.history({ limit: -1 });
      assert.deepEqual(all.publications.map((p) => dec<{ i: number }>(p.data).i), [1, 2, 3, 4, 5]);
      const two = await s.history({ limit: 2 });
      assert.deepEqual(two.publications.map((p) => p.offset), [1, 2]);
      const since = await s.history({ limit: 10, since: { offset: 3, epoch: top.epoch } });
      assert.deepEqual(since.publications.map((p) => p.offset), [4, 5]);
      const rev = await s.history({ limit: 2, reverse: true });
      assert.deepEqual(rev.publications.map((p) => p.offset), [5, 4]);
      await assert.rejects(s.history({ limit: 1, since: { offset: 1, epoch: 'wrong' } }), (e: { code: number }) => e.code === 112);
    });

    it('recovers missed publications after a reconnect', async () => {
      const pub = await connected('publisher');
      const ps = pub.newSubscription('chat:recover');
      ps.subscribe();
      await ps.ready(3000);
      const c = await connected('reader');
      const s = c.newSubscription('chat:recover');
      s.subscribe();
      await s.ready(3000);
      const first = once(s, 'publication');
      await ps.publish(enc({ n: 1 }));
      await first;
      c.disconnect();
      await ps.publish(enc({ n: 2 }));
      await ps.publish(enc({ n: 3 }));
      const resubscribed = once<{ wasRecovering: boolean; recovered: boolean }>(s, 'subscribed');
      const missed = collect<{ data: unknown }>(s, 'publication', 2);
      c.connect();
      const ctx = await resubscribed;
      assert.equal(ctx.wasRecovering, true);
      assert.equal(ctx.recovered, true);
      assert.deepEqual((await missed).map((p) => dec<{ n: number }>(p.data).n), [2, 3]);
    });

    it('reports recovered=false when the history window is gone', async () => {
      const pub = await connected('publisher');
      const c = await connected('reader');
      const s = c.newSubscription('small:gap');
      s.subscribe();
      await s.ready(3000);
      const first = once(s, 'publication');
      await pub.publish('small:gap', enc({ n: 1 }));
      await first;
      c.disconnect();
      for (let n = 2; n <= 6; n++) await pub.publish('small:gap', enc({ n }));
      const resubscribed = once<{ wasRecovering: boolean; recovered: boolean; streamPosition: { offset: number } }>(s, 'subscribed');
      c.connect();
      const ctx = await resubscribed;
      assert.equal(ctx.wasRecovering, true);
      assert.equal(ctx.recovered, false);
      assert.equal(ctx.streamPosition.offset, 6);
    });

    it('refuses publish where the namespace does not allow it', async () => {
      const c = await connected('alice');
      const s = c.newSubscription('ro:news');
      s.subscribe();
      await s.ready(3000);
      await assert.rejects(s.publish(enc({ x: 1 })), (e: { code: number }) => e.code === 103);
      await assert.rejects(c.presence('ro:news'), (e: { code: number }) => e.code === 108);
    });

    it('unsubscribes on an unknown namespace with 102', async () => {
      const c = await connected('alice');
      const s = c.newSubscription('nope:x');
      const unsub = once<{ code: number }>(s, 'unsubscribed');
      s.subscribe();
      assert.equal((await unsub).code, 102);
    });

    it('subscribes to a private channel with a subscription token, and refreshes it', async () => {
      const c = await connected('alice');
      let calls = 0;
      const s = c.newSubscription('$private:secret', {
        getToken: async () => {
          calls++;
          return subToken('alice', '$private:secret', { exp: nowSec() + (calls === 1 ? 2 : 3600) });
        },
      });
      const subscribed = once<{ channel: string }>(s, 'subscribed');
      s.subscribe();
      await subscribed;
      // ttl of 2 s makes the SDK refresh with sub_refresh.
      await until(() => calls >= 2, 5000, 100);
      assert.ok(calls >= 2, 'subscription token was refreshed');
      assert.equal(s.state, 'subscribed');
    });

    it('refuses a private channel without a token', async () => {
      const c = await connected('alice');
      const s = c.newSubscription('$private:nope');
      const unsub = once<{ code: number }>(s, 'unsubscribed');
      s.subscribe();
      assert.equal((await unsub).code, 103);
    });

    it('subscribes server-side from the token channels and the personal channel', async () => {
      const c = client({ token: await connToken('dave', { channels: ['chat:server'] }) });
      const subs = collect<{ channel: string }>(c, 'subscribed', 2);
      c.connect();
      const channels = (await subs).map((s) => s.channel).sort();
      assert.deepEqual(channels, ['chat:server', 'personal:#dave']);
      const got = once<{ channel: string; data: unknown }>(c, 'publication');
      const p = await connected('pub2');
      const ps = p.newSubscription('chat:server');
      ps.subscribe();
      await ps.ready(3000);
      await ps.publish(enc({ hello: 'server-side' }));
      const pub = await got;
      assert.equal(pub.channel, 'chat:server');
      assert.deepEqual(dec(pub.data), { hello: 'server-side' });
    });

    it('fetches a new token when the connection token expired (109)', async () => {
      let calls = 0;
      const c = client({
        token: await sign({ sub: 'erin', exp: nowSec() - 10 }),
        getToken: async () => {
          calls++;
          return connToken('erin');
        },
      });
      c.connect();
      await c.ready(3000);
      assert.equal(calls, 1);
    });

    it('refreshes the connection before it expires', async () => {
      let calls = 0;
      const c = client({
        token: await sign({ sub: 'frank', exp: nowSec() + 2 }),
        getToken: async () => {
          calls++;
          return connToken('frank');
        },
      });
      c.connect();
      await c.ready(3000);
      await until(() => calls >= 1, 5000, 100);
      assert.equal(calls, 1);
      assert.equal(c.state, 'connected');
    });

    it('disconnects for good with 3500 on a bad signature', async () => {
      const c = client({ token: await sign({ sub: 'mallory' }, 'wrong-secret-wrong-secret-wrong-secret') });
      const disconnected = once<{ code: number }>(c, 'disconnected');
      c.connect();
      assert.equal((await disconnected).code, 3500);
    });

    it('sends fossil deltas after the first full payload, and recovers through them', async () => {
      const pubC = await connected('publisher');
      const ps = pubC.newSubscription('delta:doc');
      ps.subscribe();
      await ps.ready(3000);
      const c = await connected('reader');
      const s = c.newSubscription('delta:doc', { delta: 'fossil' });
      s.subscribe();
      await s.ready(3000);
      const body = 'lorem ipsum '.repeat(40);
      const got = collect<{ data: unknown }>(s, 'publication', 3);
      for (let v = 1; v <= 3; v++) await ps.publish(enc({ v, body }));
      assert.deepEqual((await got).map((p) => dec<{ v: number }>(p.data).v), [1, 2, 3]);
      const stats = s.deltaStats();
      assert.equal(stats.numFullPayloads, 1);
      assert.equal(stats.numDeltaPayloads, 2);
      assert.ok(stats.bytesReceived < stats.bytesDecoded);
      c.disconnect();
      await ps.publish(enc({ v: 4, body }));
      const missed = once<{ data: unknown }>(s, 'publication');
      c.connect();
      assert.equal(dec<{ v: number }>((await missed).data).v, 4);
      const live = once<{ data: unknown }>(s, 'publication');
      await ps.publish(enc({ v: 5, body }));
      assert.equal(dec<{ v: number }>((await live).data).v, 5);
    });

    it('answers rpc with 108 until a backend is configured', async () => {
      const c = await connected('alice');
      await assert.rejects(c.rpc('anything', {}), (e: { code: number }) => e.code === 108);
    });

    it('gets a server-side disconnect for good', async () => {
      const c = await connected('gone');
      const disconnected = once<{ code: number; reason: string }>(c, 'disconnected');
      assert.equal((await apiDisconnect({ user: 'gone', disconnect: { code: 4501, reason: 'go away' } })).status, 200);
      assert.deepEqual(await disconnected, { code: 4501, reason: 'go away' });
    });

    it('gets a server-side disconnect with reconnect advice and comes back', async () => {
      const c = await connected('bounce');
      const connecting = once<{ code: number; reason: string }>(c, 'connecting');
      await apiDisconnect({ user: 'bounce', disconnect: { code: 4001, reason: 'come back' } });
      assert.deepEqual(await connecting, { code: 4001, reason: 'come back' });
      await c.ready(3000);
    });
  });
}
