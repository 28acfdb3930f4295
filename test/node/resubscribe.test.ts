import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
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
});
