import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CentClient } from 'cent.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { collect, once, sdk, type Sdk } from '../helpers/sdk.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'test-api-key-0123456789';

/** Reply bodies are navigated freely here; the assertions check their shape. */
const body = async (r: Response) => JSON.parse(await r.text());

/** The HTTP server API as cent.js (and curl-like fetch calls) use it. */
describe('HTTP server API', () => {
  let server: TestServer;
  let cent: CentClient;
  const clients: Sdk[] = [];
  const connected = async (user: string, opts: Parameters<typeof sdk>[2] = {}): Promise<Sdk> => {
    const c = sdk('json', server.url, { token: await connToken(user), ...opts });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };
  const post = (path: string, body: string, headers: Record<string, string> = { 'X-API-Key': KEY }) =>
    fetch(`${server.httpUrl}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.httpApi.maxRequestBodySize = 4096;
        c.channel.namespaces = [
          namespace('news', { presence: true, historySize: 10, historyTtl: 60_000, allowSubscribeForClient: true }),
          namespace('bare', { allowSubscribeForClient: true }),
        ];
      }),
    );
    cent = new CentClient({ url: `${server.httpUrl}/api`, apiKey: KEY });
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });

  it('publishes to a channel and an SDK subscriber receives it', async () => {
    const c = await connected('reader');
    const sub = c.newSubscription('news:a');
    sub.subscribe();
    await sub.ready(3000);
    const got = once<{ data: unknown; tags?: Record<string, string> }>(sub, 'publication');
    const res = await cent.publish({ channel: 'news:a', data: { title: 'hello' }, tags: { kind: 'greeting' } });
    assert.equal(res.offset, 1);
    assert.equal(typeof res.epoch, 'string');
    const pub = await got;
    assert.deepEqual(pub.data, { title: 'hello' });
    assert.deepEqual(pub.tags, { kind: 'greeting' });
  });

  it('honours skip_history, idempotency_key and b64data', async () => {
    const skipped = await cent.publish({ channel: 'news:skip', data: { x: 1 }, skip_history: true });
    assert.deepEqual(skipped, {});
    const first = await body(await post('/api/publish', JSON.stringify({ channel: 'news:idem', data: { x: 1 }, idempotency_key: 'k' })));
    const second = await body(await post('/api/publish', JSON.stringify({ channel: 'news:idem', data: { x: 1 }, idempotency_key: 'k' })));
    assert.deepEqual(second, first);
    const hist = await cent.getHistory({ channel: 'news:idem', limit: -1 });
    assert.equal(hist.publications.length, 1);
    const bin = await body(await post('/api/publish', JSON.stringify({ channel: 'bare:bin', b64data: Buffer.from('hi').toString('base64') })));
    assert.deepEqual(bin, { result: {} });
  });

  it('broadcasts with a result per channel', async () => {
    const res = (await cent.broadcast({ channels: ['news:b1', 'nope:x', 'news:b2'], data: { n: 1 } })) as unknown as { responses: Array<{ result?: { offset: number }; error?: { code: number } }> };
    assert.equal(res.responses.length, 3);
    assert.equal(res.responses[0]!.result?.offset, 1);
    assert.equal(res.responses[1]!.error?.code, 102);
    assert.equal(res.responses[2]!.result?.offset, 1);
  });

  it('subscribes, refreshes, unsubscribes and disconnects a user', async () => {
    const c = await connected('target');
    const subscribed = once<{ channel: string }>(c, 'subscribed');
    await cent.subscribe({ user: 'target', channel: 'news:forced' });
    assert.equal((await subscribed).channel, 'news:forced');
    const pub = once<{ channel: string; data: unknown }>(c, 'publication');
    await cent.publish({ channel: 'news:forced', data: { v: 2 } });
    assert.deepEqual((await pub).data, { v: 2 });
    await cent.refresh({ user: 'target' });
    const unsubscribed = once<{ channel: string }>(c, 'unsubscribed');
    await cent.unsubscribe({ user: 'target', channel: 'news:forced' });
    assert.equal((await unsubscribed).channel, 'news:forced');
    const disconnected = once<{ code: number; reason: string }>(c, 'disconnected');
    await cent.disconnect({ user: 'target' });
    const d = await disconnected;
    assert.equal(d.code, 3503);
  });

  it('answers presence, presence_stats, history, history_remove, channels and info', async () => {
    const c = await connected('watcher');
    const sub = c.newSubscription('news:room');
    sub.subscribe();
    await sub.ready(3000);
    const presence = await cent.getPresence({ channel: 'news:room' });
    assert.deepEqual(Object.values(presence.presence).map((p) => p.user), ['watcher']);
    const stats = await cent.getPresenceStats({ channel: 'news:room' });
    assert.deepEqual(stats, { num_clients: 1, num_users: 1 });
    for (let i = 0; i < 3; i++) await cent.publish({ channel: 'news:room', data: { i } });
    const hist = await cent.getHistory({ channel: 'news:room', limit: 2, reverse: true });
    assert.deepEqual(hist.publications.map((p) => (p.data as { i: number }).i), [2, 1]);
    await cent.removeHistory({ channel: 'news:room' });
    assert.equal((await cent.getHistory({ channel: 'news:room', limit: -1 })).publications.length, 0);
    const channels = await cent.getChannels({ pattern: 'news:r*' });
    assert.deepEqual(channels.channels, { 'news:room': { num_clients: 1 } });
    const info = await cent.getInfo();
    assert.equal(info.nodes.length, 1);
    assert.ok(info.nodes[0]!.num_clients >= 1);
    // cent.js wraps the API error object into an Error without its code.
    await assert.rejects(cent.getPresence({ channel: 'bare:x' }));
    assert.equal((await body(await post('/api/presence', JSON.stringify({ channel: 'bare:x' })))).error.code, 108);
  });

  it('runs the legacy pipeline endpoint', async () => {
    const replies = await cent.pipeline([
      { method: 'publish', params: { channel: 'news:pipe', data: { a: 1 } } },
      { method: 'info', params: {} },
    ] as never);
    assert.equal(replies.length, 2);
    const raw = await (await post('/api', '{"method":"nope","params":{}}\n{"id":7,"method":"PUBLISH","params":{"channel":"news:pipe","data":{}}}')).text();
    const lines = raw.split('\n').map((l: string) => JSON.parse(l));
    assert.deepEqual(lines[0].error, { code: 104, message: 'not found' });
    assert.equal(lines[1].id, 7);
    assert.equal(lines[1].result.offset, 2);
  });

  it('runs batches sequentially and in parallel', async () => {
    for (const parallel of [false, true]) {
      const res = await body(
        await post('/api/batch', JSON.stringify({ parallel, commands: [{ publish: { channel: 'news:batch', data: {} } }, { presence_stats: { channel: 'bare:x' } }, { bogus: {} }] }))
      );
      // Centrifugo's BatchResponse at the top level: no `result` wrapper.
      assert.deepEqual(Object.keys(res), ['replies']);
      assert.equal(res.replies.length, 3);
      assert.ok(res.replies[0].publish.offset > 0);
      assert.deepEqual(res.replies[1], { error: { code: 108, message: 'not available' } });
      assert.deepEqual(res.replies[2], { error: { code: 104, message: 'not found' } });
    }
  });

  it('answers a batch exactly as Centrifugo encodes a BatchResponse', async () => {
    const commands = [
      { subscribe: { user: 'nobody', channel: 'news:x' } },
      { presence_stats: { channel: 'news:empty' } },
      { history: { channel: 'news:empty', limit: 0 } },
      { publish: { channel: 'nope:x', data: {} } },
      null,
      { history_remove: { channel: 'news:empty' } },
    ];
    const res = await post('/api/batch', JSON.stringify({ commands }), { 'X-API-Key': KEY, 'X-Centrifugo-Error-Mode': 'transport' });
    assert.equal(res.status, 200, 'errors inside a batch never change its status');
    const { replies } = await body(res);
    assert.deepEqual(replies[0], { subscribe: { affected: 0 } });
    assert.deepEqual(replies[1], { presence_stats: { num_clients: 0, num_users: 0 } });
    assert.deepEqual(Object.keys(replies[2].history).sort(), ['epoch', 'offset', 'publications']);
    assert.deepEqual(replies[3], { error: { code: 102, message: 'unknown channel' } });
    assert.deepEqual(replies[4], { error: { code: 107, message: 'bad request: a batch command must be an object such as {"publish": {…}}' } });
    assert.deepEqual(replies[5], { history_remove: {} }, 'a result without fields is present and empty');
    assert.deepEqual(await body(await post('/api/batch', '{}')), { replies: [] }, 'no commands: an empty batch');
    const bad = await post('/api/batch', JSON.stringify({ commands: 'publish' }));
    assert.equal(bad.status, 400, 'a body that is not a batch is a 400 in either error mode');
    assert.deepEqual(await body(bad), { code: 107, message: 'bad request: commands: expected an array' });
  });

  it('authenticates with X-API-Key, Authorization apikey and ?api_key', async () => {
    const empty = JSON.stringify({});
    assert.equal((await post('/api/info', empty, {})).status, 401);
    assert.equal((await post('/api/info', empty, { 'X-API-Key': 'wrong' })).status, 401);
    assert.equal((await post('/api/info', empty, { Authorization: `apikey ${KEY}` })).status, 200);
    assert.equal((await post(`/api/info?api_key=${KEY}`, empty, {})).status, 200);
    // A wrong X-API-Key fails even when the Authorization header is right.
    assert.equal((await post('/api/info', empty, { 'X-API-Key': 'wrong', Authorization: `apikey ${KEY}` })).status, 401);
    const res = await post('/api/info', empty, {});
    assert.match((await body(res)).error, /API key/);
  });

  it('reports bad input clearly', async () => {
    const bad = await post('/api/publish', '{"channel":');
    assert.equal(bad.status, 400);
    assert.match((await body(bad)).error, /invalid JSON/);
    const unknown = await post('/api/frobnicate', '{}');
    assert.equal(unknown.status, 404);
    const big = await post('/api/publish', JSON.stringify({ channel: 'news:x', data: 'x'.repeat(5000) }));
    assert.equal(big.status, 413);
    const get = await fetch(`${server.httpUrl}/api/info`, { headers: { 'X-API-Key': KEY } });
    assert.equal(get.status, 405);
    const missing = await body(await post('/api/publish', JSON.stringify({ data: {} })));
    assert.equal(missing.error.code, 107);
    assert.match(missing.error.message, /channel/);
    const noData = await body(await post('/api/publish', JSON.stringify({ channel: 'news:x' })));
    assert.equal(noData.error.code, 107);
  });

  it('uses HTTP statuses in transport error mode', async () => {
    const res = await post('/api/publish', JSON.stringify({ channel: 'nope:x', data: {} }), { 'X-API-Key': KEY, 'X-Centrifugo-Error-Mode': 'transport' });
    assert.equal(res.status, 404);
    assert.deepEqual(await body(res), { code: 102, message: 'unknown channel' });
    const hist = await post('/api/history', JSON.stringify({ channel: 'news:a', since: { offset: 1, epoch: 'bad' }, limit: 1 }), { 'X-API-Key': KEY, 'X-Centrifugo-Error-Mode': 'transport' });
    assert.equal(hist.status, 416);
  });

  it('delivers a server-side subscription to every connection of the user', async () => {
    const a = await connected('multi');
    const b = await connected('multi');
    const both = Promise.all([once(a, 'subscribed'), once(b, 'subscribed')]);
    await cent.subscribe({ user: 'multi', channel: 'news:both' });
    await both;
    const got = Promise.all([collect(a, 'publication', 1), collect(b, 'publication', 1)]);
    await cent.publish({ channel: 'news:both', data: { x: 1 } });
    await got;
  });
});
