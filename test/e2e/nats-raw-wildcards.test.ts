import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type Msg, type NatsConnection } from 'nats';
import type { Config } from '../../src/config/types.js';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { natsUrl, randomPrefix, skipWithout } from '../helpers/services.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'test-api-key-0123456789';

function natsConfig(edit: (nats: Config['broker']['nats']) => void): Config {
  return testConfig((c) => {
    c.httpApi.key = KEY;
    c.broker = { ...c.broker, enabled: true, type: 'nats', nats: { ...c.broker.nats, url: natsUrl, prefix: randomPrefix('nats') } };
    edit(c.broker.nats);
    c.channel.withoutNamespace = { ...c.channel.withoutNamespace, allowSubscribeForClient: true };
    c.channel.namespaces = [
      namespace('chat', { allowSubscribeForClient: true, allowPublishForSubscriber: true, joinLeave: true, forcePushJoinLeave: true }),
      namespace('live', { allowSubscribeForClient: true, presence: true, allowPresenceForSubscriber: true }),
      namespace('hist', { historySize: 10, historyTtl: 60_000, allowSubscribeForClient: true }),
      namespace('open', { allowSubscribeForClient: true, allowPublishForClient: true }),
    ];
  });
}

async function api(server: TestServer, method: string, params: unknown): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(params), headers: { 'X-API-Key': KEY } });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
}

/** Subscribes (confirmed by NATS) and hands back the next message on `subject`. */
async function nextMessage(nc: NatsConnection, subject: string): Promise<{ message: Promise<Msg> }> {
  const sub = nc.subscribe(subject, { max: 1 });
  await nc.flush();
  // Wrapped: an async function returning a promise would wait for the message itself.
  const message = (async () => {
    for await (const m of sub) return m;
    throw new Error(`no message on ${subject}`);
  })();
  return { message };
}

/** Resolves when a subscription ends for good, with the code and reason it was given. */
const refusal = (sub: object) => once<{ code: number; reason: string }>(sub, 'unsubscribed');

/** Waits until a push matching `pick` arrives on a raw connection. */
async function push(raw: RawClient, pick: (p: Record<string, unknown>) => boolean, ms = 3000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = raw.messages.map((m) => (m as { push?: Record<string, unknown> }).push).find((p) => p !== undefined && pick(p));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such push; got ${JSON.stringify(raw.messages)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A connected SDK client of `user`, kept in `clients` to disconnect at the end. */
async function connectedSdk(server: TestServer, clients: Sdk[], protocol: 'json' | 'protobuf', user: string): Promise<Sdk> {
  const c = sdk(protocol, server.url, { token: await connToken(user) });
  clients.push(c);
  c.connect();
  await c.ready(3000);
  return c;
}

const skip = await skipWithout('NATS', natsUrl);

describe('NATS broker raw mode', { skip }, () => {
  const rawPrefix = `${randomPrefix('raw')}.`;
  let server: TestServer;
  let nc: NatsConnection;
  const clients: Sdk[] = [];
  const connected = (protocol: 'json' | 'protobuf', user: string): Promise<Sdk> => connectedSdk(server, clients, protocol, user);

  before(async () => {
    server = await startServer(
      natsConfig((n) => {
        n.rawMode = { enabled: true, prefix: rawPrefix, channelReplacements: { ':': '.' } };
      }),
    );
    nc = await connect({ servers: natsUrl });
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await nc?.close();
    await server?.close();
  });

  it('hands bytes a plain NATS publisher sent to chat.room to subscribers of chat:room exactly', async () => {
    const json = await connected('json', 'reader');
    const jsonSub = json.newSubscription('chat:room');
    jsonSub.subscribe();
    await jsonSub.ready(3000);
    const binary = await connected('protobuf', 'binary-reader');
    const binarySub = binary.newSubscription('chat:room');
    binarySub.subscribe();
    await binarySub.ready(3000);

    const binaryGot: Buffer[] = [];
    const twoBinary = new Promise<void>((resolve) =>
      binarySub.on('publication', (ctx: { data: Uint8Array }) => {
        if (binaryGot.push(Buffer.from(ctx.data)) === 2) resolve();
      }),
    );
    const gotJson = once<{ data: unknown; tags?: unknown; info?: unknown }>(jsonSub, 'publication');
    const text = '{"price":42,"sym":"ABC"}';
    nc.publish(`${rawPrefix}chat.room`, new TextEncoder().encode(text));
    const pub = await gotJson;
    assert.deepEqual(pub.data, { price: 42, sym: 'ABC' });
    assert.equal(pub.tags, undefined, 'no envelope: no tags');
    assert.equal(pub.info, undefined, 'no envelope: no publisher info');

    // Not JSON, not UTF-8: a protobuf client still gets the bytes as they were sent.
    const bytes = Uint8Array.from([0, 1, 2, 250, 255, 10, 13]);
    nc.publish(`${rawPrefix}chat.room`, bytes);
    await twoBinary;
    assert.deepEqual(binaryGot, [Buffer.from(text), Buffer.from(bytes)]);
  });

  it('names the subject the payload came on in the publication, as Centrifugo does', async () => {
    const raw = await RawClient.open(server.url);
    raw.send({ id: 1, connect: { token: await connToken('wire') } }, { id: 2, subscribe: { channel: 'chat:wire' } });
    assert.ok((await raw.reply(2)).subscribe);
    nc.publish(`${rawPrefix}chat.wire`, new TextEncoder().encode('{"n":1}'));
    const p = await push(raw, (p) => p.channel === 'chat:wire' && p.pub !== undefined);
    assert.deepEqual(p.pub, { data: { n: 1 }, channel: 'chat.wire' });
    raw.close();
  });

  it('sends an API publish to the subject as raw bytes, and a client publish too', async () => {
    const viaApi = await nextMessage(nc, `${rawPrefix}chat.out`);
    assert.deepEqual((await api(server, 'publish', { channel: 'chat:out', data: { text: 'hi', n: [1, 2] }, tags: { dropped: 'yes' } })).result, {});
    const m = await viaApi.message;
    assert.equal(m.subject, `${rawPrefix}chat.out`);
    assert.equal(new TextDecoder().decode(m.data), '{"text":"hi","n":[1,2]}');

    const writer = await connected('json', 'writer');
    const sub = writer.newSubscription('chat:out');
    sub.subscribe();
    await sub.ready(3000);
    const viaClient = await nextMessage(nc, `${rawPrefix}chat.out`);
    const echoed = once<{ data: unknown }>(sub, 'publication');
    await writer.publish('chat:out', { from: 'client' });
    assert.deepEqual(JSON.parse(new TextDecoder().decode((await viaClient.message).data)), { from: 'client' });
    assert.deepEqual((await echoed).data, { from: 'client' }, 'the subscriber gets it back through NATS');
  });

  it('sends no join/leave to the subject, and refuses history and wildcards as Centrifugo does', async () => {
    const seen: string[] = [];
    const watch = nc.subscribe(`${rawPrefix}chat.joins`, { callback: (_e, m) => seen.push(new TextDecoder().decode(m.data)) });
    await nc.flush();
    const c = await connected('json', 'joiner');
    const sub = c.newSubscription('chat:joins');
    sub.subscribe();
    await sub.ready(3000);
    sub.unsubscribe();
    await new Promise((r) => setTimeout(r, 200));
    watch.unsubscribe();
    assert.deepEqual(seen, [], 'join_leave is on in chat:, yet nothing but payloads goes to a raw subject');

    assert.equal((await api(server, 'publish', { channel: 'hist:1', data: {} })).error?.code, 108);
    const wild = c.newSubscription('news.*');
    const failed = refusal(wild);
    wild.subscribe();
    assert.equal((await failed).code, 107, 'a raw subject with "*" is a wildcard: it needs allow_wildcards');
    assert.equal((await api(server, 'publish', { channel: 'news.*', data: {} })).error?.code, 107);
    assert.equal((await api(server, 'publish', { channel: 'bad name', data: {} })).error?.code, 107, 'whitespace would split the subject');
  });
});

describe('NATS broker wildcard subscriptions', { skip }, () => {
  let server: TestServer;
  const clients: Sdk[] = [];
  const connected = (user: string): Promise<Sdk> => connectedSdk(server, clients, 'json', user);

  before(async () => {
    server = await startServer(
      natsConfig((n) => {
        n.allowWildcards = true;
      }),
    );
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server?.close();
  });

  it('delivers publications of news.a and news.b to a subscriber of news.*, each naming its channel', async () => {
    const c = await connected('dash');
    const sub = c.newSubscription('news.*');
    sub.subscribe();
    await sub.ready(3000);
    const raw = await RawClient.open(server.url);
    raw.send({ id: 1, connect: { token: await connToken('wire') } }, { id: 2, subscribe: { channel: 'news.>' } });
    assert.ok((await raw.reply(2)).subscribe);

    const got: unknown[] = [];
    const two = new Promise<void>((resolve) =>
      sub.on('publication', (ctx: { data: unknown }) => {
        got.push(ctx.data);
        if (got.length === 2) resolve();
      }),
    );
    assert.deepEqual((await api(server, 'publish', { channel: 'news.a', data: { n: 'a' } })).result, {});
    assert.deepEqual((await api(server, 'publish', { channel: 'news.b', data: { n: 'b' } })).result, {});
    await two;
    assert.deepEqual(got, [{ n: 'a' }, { n: 'b' }]);

    const b = await push(raw, (p) => (p.pub as { data?: { n?: string } } | undefined)?.data?.n === 'b');
    assert.equal(b.channel, 'news.>', 'pushed under the subscribed channel');
    assert.equal((b.pub as { channel?: string }).channel, 'news.b', 'and naming the channel it was published to');
    raw.close();
  });

  it('refuses to publish to a wildcard channel', async () => {
    assert.equal((await api(server, 'publish', { channel: 'news.*', data: {} })).error?.code, 107);
  });

  it('refuses presence and join/leave for wildcard channels, and keeps them for concrete ones', async () => {
    const c = await connected('viewer');
    const withPresence = c.newSubscription('live:scores.*');
    const refused = refusal(withPresence);
    withPresence.subscribe();
    const err = await refused;
    assert.equal(err.code, 107);
    assert.match(err.reason, /wildcard/);

    const joinLeave = c.newSubscription('chat:rooms.*');
    const refusedJoin = refusal(joinLeave);
    joinLeave.subscribe();
    assert.equal((await refusedJoin).code, 107, 'force_push_join_leave is on in chat:');

    assert.equal((await api(server, 'presence', { channel: 'live:scores.*' })).error?.code, 107);
    const concrete = c.newSubscription('live:scores.1');
    concrete.subscribe();
    await concrete.ready(3000);
    assert.deepEqual(Object.values((await concrete.presence()).clients).map((ci) => ci.user), ['viewer']);
  });
});

describe('NATS broker without allow_wildcards', { skip }, () => {
  let server: TestServer;
  const clients: Sdk[] = [];

  before(async () => {
    server = await startServer(natsConfig(() => {}));
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server?.close();
  });

  it('refuses to subscribe or publish to a channel holding "*" or ">" with 107, as Centrifugo does, and names the setting to the API', async () => {
    const c = await connectedSdk(server, clients, 'json', 'plain');
    for (const channel of ['news.*', 'news.>', 'open:a*b']) {
      const sub = c.newSubscription(channel);
      const refused = refusal(sub);
      sub.subscribe();
      const err = await refused;
      assert.equal(err.code, 107, channel);
      assert.equal(err.reason, 'bad request');
      c.removeSubscription(sub);
    }
    await assert.rejects(c.publish('open:x>y', { n: 1 }), (err: { code?: number }) => err.code === 107);

    const published = await api(server, 'publish', { channel: 'news.*', data: {} });
    assert.equal(published.error?.code, 107);
    assert.match(published.error!.message, /"news\.\*" holds a NATS wildcard character/);
    const subscribed = await api(server, 'publish', { channel: 'open:a>', data: {} });
    assert.equal(subscribed.error?.code, 107);

    // Concrete channels work as before.
    const ok = c.newSubscription('open:plain');
    const got = once<{ data: unknown }>(ok, 'publication');
    ok.subscribe();
    await ok.ready(3000);
    assert.deepEqual((await api(server, 'publish', { channel: 'open:plain', data: { n: 2 } })).result, {});
    assert.deepEqual((await got).data, { n: 2 });
  });

  it('refuses a connect whose token subscribes it server-side to a wildcard channel with 107, leaving nothing behind', async () => {
    const raw = await RawClient.open(server.url);
    try {
      raw.send({ id: 1, connect: { token: await connToken('server-side', { channels: ['open:server-side', 'news.*'] }) } });
      assert.deepEqual((await raw.reply(1)).error, { code: 107, message: 'bad request' });
      // The channel it did subscribe before the refusal was undone.
      const info = await api(server, 'channels', { pattern: 'open:*' });
      assert.equal(info.error, undefined);
      assert.deepEqual(Object.keys((info.result as { channels?: Record<string, unknown> }).channels ?? {}).filter((ch) => ch === 'open:server-side'), []);
    } finally {
      raw.close();
    }
  });

  it('refuses the server API subscribe to a wildcard channel with 107, naming the setting; the user\'s session stays as it was', async () => {
    const raw = await RawClient.open(server.url);
    try {
      raw.send({ id: 1, connect: { token: await connToken('api-target') } });
      assert.equal((await raw.reply(1)).error, undefined);
      const refused = await api(server, 'subscribe', { user: 'api-target', channel: 'news.*' });
      assert.equal(refused.error?.code, 107);
      assert.match(refused.error!.message, /"news\.\*" holds a NATS wildcard character .*broker\.nats\.allow_wildcards/);
      // A concrete channel is subscribed as before, the session still open.
      assert.deepEqual((await api(server, 'subscribe', { user: 'api-target', channel: 'open:api' })).result, { affected: 1 });
      const pushed = await push(raw, (p) => p.channel === 'open:api' && p.subscribe !== undefined);
      assert.equal(pushed.channel, 'open:api');
      assert.equal(raw.messages.filter((m) => JSON.stringify(m).includes('news.*')).length, 0);
    } finally {
      raw.close();
    }
  });
});
