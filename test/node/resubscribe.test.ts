import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ChannelSubscription, type SubscriptionOwner } from '../../src/node/channels/subscription.js';
import { jsonCodec } from '../../src/protocol/index.js';
import { holdNext } from '../helpers/hold.js';
import { RawClient } from '../helpers/raw.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

/**
 * A subscription of one client to one channel ends and a new one begins while the first
 * one's engine steps are still under way. Each test holds one real engine call to force
 * the interleaving, then checks that nothing of the old subscription reaches the new one.
 */

const KEY = 'resubscribe-api-key';

interface Push {
  push?: { channel?: string; pub?: { data?: unknown; offset?: number }; subscribe?: unknown };
}

async function server(t: TestContext): Promise<TestServer> {
  const s = await startServer(
    testConfig((c) => {
      c.httpApi.key = KEY;
      c.channel.namespaces = [
        namespace('r', { historySize: 10, historyTtl: 300_000, forceRecovery: true, presence: true, allowSubscribeForClient: true }),
      ];
    }),
  );
  t.after(() => s.close());
  return s;
}

async function api(s: TestServer, method: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(body) });
  const json = (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
  if (json.error) throw new Error(`${method}: ${JSON.stringify(json.error)}`);
  return json.result ?? {};
}

async function connected(t: TestContext, s: TestServer, user: string): Promise<{ raw: RawClient; id: string }> {
  const raw = await RawClient.open(s.url);
  t.after(() => raw.close());
  raw.send({ id: 1, connect: { token: await connToken(user) } });
  const reply = (await raw.reply(1)) as { connect?: { client?: string } };
  return { raw, id: reply.connect?.client ?? '' };
}

const pubsOf = (raw: RawClient, channel: string): unknown[] =>
  (raw.messages as Push[]).filter((m) => m.push?.channel === channel && m.push.pub).map((m) => m.push!.pub!.data);

async function presentClients(s: TestServer, channel: string): Promise<string[]> {
  const result = (await api(s, 'presence', { channel })) as { presence?: Record<string, unknown> };
  return Object.keys(result.presence ?? {});
}

describe('a subscription replaced while the old one is still being set up or torn down', () => {
  it('a subscribe cancelled during its history read leaves the subscription that replaced it live', async (t) => {
    const s = await server(t);
    const { raw, id } = await connected(t, s, 'u1');
    const channel = 'r:cancelled';
    const history = holdNext(s.app.node.broker, 'history', (ch) => ch === channel);

    raw.send({ id: 2, subscribe: { channel } });
    await history.reached;
    // While the client's subscribe waits on the engine, the backend replaces it with a server-side one.
    await api(s, 'unsubscribe', { user: 'u1', channel });
    await api(s, 'subscribe', { user: 'u1', channel });
    await until(() => (raw.messages as Push[]).some((m) => m.push?.channel === channel && m.push.subscribe));
    history.release();
    const cancelled = (await raw.reply(2)) as { error?: { code: number } };
    assert.ok(cancelled.error, 'the overtaken subscribe is answered with an error');

    await api(s, 'publish', { channel, data: { n: 1 } });
    await until(() => pubsOf(raw, channel).length === 1);
    assert.deepEqual(pubsOf(raw, channel), [{ n: 1 }]);
    assert.equal(s.app.node.hub.numSubscribers(channel), 1);
    assert.deepEqual(await presentClients(s, channel), [id]);
  });

  it('an unsubscribe still leaving the channel when the client subscribes again does not undo the new subscription', async (t) => {
    const s = await server(t);
    const { raw, id } = await connected(t, s, 'u1');
    const channel = 'r:again';
    raw.send({ id: 2, subscribe: { channel } });
    assert.ok(!(await raw.reply(2)).error);
    await api(s, 'publish', { channel, data: { n: 1 } });
    await until(() => pubsOf(raw, channel).length === 1);

    const leave = holdNext(s.app.node.broker, 'unsubscribe', (ch) => ch === channel);
    const unsubscribed = api(s, 'unsubscribe', { user: 'u1', channel });
    await leave.reached;
    // The client resubscribes with recovery while the server-side unsubscribe is still leaving the channel.
    raw.send({ id: 3, subscribe: { channel, recover: true, offset: 1, epoch: await epochOf(s, channel) } });
    await until(() => s.app.node.hub.numSubscribers(channel) === 1);
    leave.release();
    const reply = (await raw.reply(3)) as { subscribe?: { recovered?: boolean }; error?: unknown };
    assert.equal(reply.error, undefined);
    assert.equal(reply.subscribe?.recovered, true);
    await unsubscribed;

    await api(s, 'publish', { channel, data: { n: 2 } });
    await until(() => pubsOf(raw, channel).length === 2);
    assert.deepEqual(pubsOf(raw, channel), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(await presentClients(s, channel), [id]);
  });

  it('a second subscriber waits for the engine subscribe the first one started', async (t) => {
    const s = await server(t);
    const { node } = s.app;
    const channel = 'r:second';
    const subscribe = holdNext(node.broker, 'subscribe', (ch) => ch === channel);
    const first = node.addSubscriber(channel, new ChannelSubscription(owner('c1'), channel, plain));
    await subscribe.reached;

    let secondLive = false;
    const second = Promise.resolve(node.addSubscriber(channel, new ChannelSubscription(owner('c2'), channel, plain))).then(() => (secondLive = true));
    // One full turn of the event loop: a subscriber that does not wait is live by now.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(secondLive, false, 'told it is live before the engine delivers the channel to this node');
    subscribe.release();
    await Promise.all([first, second]);
    assert.equal(node.hub.numSubscribers(channel), 2);
  });
});

async function epochOf(s: TestServer, channel: string): Promise<string> {
  const result = (await api(s, 'history', { channel, limit: 0 })) as { epoch?: string };
  return result.epoch ?? '';
}

const plain = { serverSide: false, positioned: false, recoverable: false, pushJoinLeave: false, presence: false, joinLeave: false, expireAt: 0, delta: false };

/** A session as a subscription sees it, for subscribers registered with the node directly. */
function owner(id: string): SubscriptionOwner {
  return {
    id,
    user: id,
    labels: undefined,
    codec: jsonCodec,
    send: () => undefined,
    sendEncoded: () => undefined,
    onInsufficientState: () => undefined,
    refusePayload: () => undefined,
  };
}
