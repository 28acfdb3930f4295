import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CentClient } from 'cent.js';
import { Parsec, EngineError } from '../../src/app.js';
import type { Config } from '../../src/config/types.js';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { natsUrl, randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'test-api-key-0123456789';

function natsConfig(prefix: string, url = natsUrl): Config {
  return testConfig((c) => {
    c.httpApi.key = KEY;
    c.broker = { ...c.broker, enabled: true, type: 'nats', nats: { ...c.broker.nats, url, prefix, dialTimeout: 1000, writeTimeout: 1000 } };
    c.channel.namespaces = [
      namespace('room', { presence: true, joinLeave: true, allowSubscribeForClient: true, allowPublishForSubscriber: true, allowPresenceForSubscriber: true }),
      namespace('hist', { historySize: 10, historyTtl: 60_000, allowSubscribeForClient: true, allowPublishForClient: true, allowHistoryForClient: true }),
      namespace('rec', { historySize: 10, historyTtl: 60_000, forceRecovery: true, allowSubscribeForClient: true }),
    ];
  });
}

it('a node does not start when NATS is unreachable, and says which key to fix', async () => {
  await assert.rejects(Parsec.start({ config: natsConfig(randomPrefix('nats'), 'nats://127.0.0.1:1') }), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.match(err.message, /^broker\.nats\.url: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1 within 1s/);
    return true;
  });
});

const skip = await skipWithout('NATS', natsUrl);

if (skip) {
  it('two Parsec nodes over NATS', { skip }, () => {});
} else {
  describe('two Parsec nodes over NATS', () => {
    let a: TestServer;
    let b: TestServer;
    let centB: CentClient;
    const clients: Sdk[] = [];
    const connected = async (server: TestServer, user: string): Promise<Sdk> => {
      const c = sdk('json', server.url, { token: await connToken(user) });
      clients.push(c);
      c.connect();
      await c.ready(3000);
      return c;
    };
    const postB = async (method: string, params: unknown) => {
      const res = await fetch(`${b.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(params), headers: { 'X-API-Key': KEY } });
      return (await res.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
    };

    before(async () => {
      const prefix = randomPrefix('nats');
      a = await startServer(natsConfig(prefix));
      b = await startServer(natsConfig(prefix));
      centB = new CentClient({ url: `${b.httpUrl}/api`, apiKey: KEY });
    });

    after(async () => {
      for (const c of clients) c.disconnect();
      await Promise.all([a?.close(), b?.close()]);
    });

    it("delivers a publication made through node B's HTTP API to an SDK client on node A", async () => {
      const reader = await connected(a, 'reader');
      const sub = reader.newSubscription('room:1');
      sub.subscribe();
      await sub.ready(3000);
      const got = once<{ data: unknown; tags?: Record<string, string> }>(sub, 'publication');
      const res = await centB.publish({ channel: 'room:1', data: { text: 'from b' }, tags: { via: 'nats' } });
      assert.deepEqual(res, {}, 'no offset or epoch: the NATS broker keeps no stream');
      const pub = await got;
      assert.deepEqual(pub.data, { text: 'from b' });
      assert.deepEqual(pub.tags, { via: 'nats' });
    });

    it('carries join and leave between nodes', async () => {
      const watcher = await connected(a, 'alice');
      const watch = watcher.newSubscription('room:joins', { joinLeave: true });
      watch.subscribe();
      await watch.ready(3000);
      const joined = once<{ info: { user: string } }>(watch, 'join');
      const other = await connected(b, 'carol');
      const sub = other.newSubscription('room:joins');
      sub.subscribe();
      await sub.ready(3000);
      // The watcher may first see its own join.
      let j = await joined;
      if (j.info.user === 'alice') j = await once(watch, 'join');
      assert.equal(j.info.user, 'carol');
      const left = once<{ info: { user: string } }>(watch, 'leave');
      sub.unsubscribe();
      assert.equal((await left).info.user, 'carol');
    });

    it('answers 108 for anything that needs history, and still publishes with skip_history', async () => {
      assert.deepEqual((await postB('publish', { channel: 'hist:1', data: { x: 1 } })).error, { code: 108, message: 'not available' });
      assert.equal((await postB('history', { channel: 'hist:1', limit: -1 })).error?.code, 108);
      assert.equal((await postB('history_remove', { channel: 'hist:1' })).error?.code, 108);
      const broadcast = await postB('broadcast', { channels: ['hist:2', 'room:2'], data: { x: 1 } });
      assert.deepEqual(broadcast.result, { responses: [{ error: { code: 108, message: 'not available' } }, { result: {} }] });

      const writer = await connected(a, 'writer');
      const sub = writer.newSubscription('hist:1');
      sub.subscribe();
      await sub.ready(3000);
      await assert.rejects(writer.publish('hist:1', { x: 2 }), (e: { code: number }) => e.code === 108);
      await assert.rejects(sub.history({ limit: 10 }), (e: { code: number }) => e.code === 108);
      const got = once<{ data: unknown }>(sub, 'publication');
      assert.deepEqual((await postB('publish', { channel: 'hist:1', data: { x: 3 }, skip_history: true })).result, {});
      assert.deepEqual((await got).data, { x: 3 });
    });

    it('refuses a positioned subscription with 108', async () => {
      const raw = await RawClient.open(a.url);
      raw.send({ id: 1, connect: { token: await connToken('pos') } }, { id: 2, subscribe: { channel: 'rec:1' } });
      assert.deepEqual((await raw.reply(2)).error, { code: 108, message: 'not available' });
      raw.send({ id: 3, subscribe: { channel: 'room:3' } });
      assert.ok((await raw.reply(3)).subscribe, 'the connection stays usable');
      raw.close();
    });
  });
}

const skipSplit = (await skipWithout('NATS', natsUrl)) || (await skipWithout('Redis', redisUrl));

describe('NATS broker with presence in Redis', { skip: skipSplit }, () => {
  const splitConfig = (prefix: string): Config => {
    const c = natsConfig(prefix);
    c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
    return c;
  };

  it('shares presence between nodes while publications travel over NATS', async (t) => {
    const prefix = randomPrefix('split');
    const a = await startServer(splitConfig(prefix));
    const b = await startServer(splitConfig(prefix));
    const clients: Sdk[] = [];
    t.after(async () => {
      for (const c of clients) c.disconnect();
      await Promise.all([a.close(), b.close()]);
    });
    const join = async (server: TestServer, user: string) => {
      const c = sdk('json', server.url, { token: await connToken(user) });
      clients.push(c);
      c.connect();
      await c.ready(3000);
      const sub = c.newSubscription('room:split');
      sub.subscribe();
      await sub.ready(3000);
      return sub;
    };
    const onA = await join(a, 'ann');
    await join(b, 'bob');
    const users = Object.values((await onA.presence()).clients).map((ci) => ci.user);
    assert.deepEqual(users.sort(), ['ann', 'bob']);

    const got = once<{ data: unknown }>(onA, 'publication');
    const res = await fetch(`${b.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel: 'room:split', data: { via: 'nats' } }) });
    assert.deepEqual(await res.json(), { result: {} }, 'no stream position: NATS carried it, not a Redis stream');
    assert.deepEqual((await got).data, { via: 'nats' });
  });
});
