import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { JumpClock } from '../helpers/clock.js';
import { collect, once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'lag-api-key';
const skip = await skipWithout('Redis', redisUrl);

function nodeConfig(prefix: string, maxLag: number): Config {
  return testConfig((c) => {
    c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
    c.httpApi.key = KEY;
    c.client.channelPositionMaxTimeLag = maxLag;
    c.channel.namespaces = [
      namespace('feed', { historySize: 100, historyTtl: 300_000, forceRecovery: true, allowSubscribeForClient: true }),
      namespace('plain', { allowSubscribeForClient: true, historySize: 100, historyTtl: 300_000 }),
    ];
  });
}

const publish = (s: TestServer, channel: string, n: number) =>
  fetch(`${s.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel, data: { n } }) }).then(async (r) => {
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(await r.text()) as { error?: unknown }).error, undefined);
  });

/**
 * Two nodes on one Redis. The publishing node's clock runs 10 s behind, so its publications
 * reach the other node 10 s after their publish time, over that node's 5 s limit.
 */
describe('client.channel_position_max_time_lag', { skip: skip || undefined }, () => {
  let late: TestServer;
  let subscriberNode: TestServer;
  const clients: Sdk[] = [];

  before(async () => {
    const prefix = randomPrefix('lag');
    const behind = new JumpClock();
    behind.jump(-10_000);
    late = await startServer(nodeConfig(prefix, 0), undefined, behind);
    subscriberNode = await startServer(nodeConfig(prefix, 5_000));
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await late?.close();
    await subscriberNode?.close();
  });

  /** A new client of `user` on the subscriber node, subscribed to a fresh channel of namespace `ns`. */
  const subscribed = async (user: string, ns: string) => {
    const c = sdk('json', subscriberNode.url, { token: await connToken(user) });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    const channel = `${ns}:${randomUUID()}`;
    const sub = c.newSubscription(channel);
    sub.subscribe();
    await sub.ready(3000);
    return { channel, sub };
  };

  it('a positioned subscriber of a lagging publication resyncs (2500) and recovers it', async () => {
    const { channel, sub } = await subscribed('reader', 'feed');

    const resync = once<{ code: number }>(sub, 'subscribing');
    const pubs = collect<{ data: { n: number } }>(sub, 'publication', 1);
    await publish(late, channel, 1);
    assert.equal((await resync).code, 2500);
    // The resubscribe recovers what the live stream could not be trusted with.
    assert.deepEqual((await pubs).map((p) => p.data.n), [1]);
  });

  it('publications within the limit are delivered live', async () => {
    const { channel, sub } = await subscribed('reader2', 'feed');
    let resubscribed = false;
    sub.on('subscribing', () => (resubscribed = true));
    const pubs = collect<{ data: { n: number } }>(sub, 'publication', 2);
    await publish(subscriberNode, channel, 1);
    await publish(subscriberNode, channel, 2);
    assert.deepEqual((await pubs).map((p) => p.data.n), [1, 2]);
    assert.equal(resubscribed, false);
  });

  it('a subscriber without positioning gets a lagging publication as it is', async () => {
    const { channel, sub } = await subscribed('reader3', 'plain');
    let resubscribed = false;
    sub.on('subscribing', () => (resubscribed = true));
    const pubs = collect<{ data: { n: number } }>(sub, 'publication', 1);
    await publish(late, channel, 7);
    assert.deepEqual((await pubs).map((p) => p.data.n), [7]);
    assert.equal(resubscribed, false);
  });
});
