import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FilterNode } from 'centrifuge';
import { collect, once, sdk, type Sdk, type SdkProtocol } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'tags-api-key';

/** The protobuf SDK hands payloads over as bytes, the JSON one as values. */
const n = (p: { data: unknown }): number => ((p.data instanceof Uint8Array ? JSON.parse(Buffer.from(p.data).toString('utf8')) : p.data) as { n: number }).n;

/** Publication tags filters (`tf`), as the SDK's `tagsFilter` option sends them. */
describe('publication tags filter', () => {
  let server: TestServer;
  const clients: Sdk[] = [];
  const publish = (channel: string, n: number, tags: Record<string, string>) =>
    fetch(`${server.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel, data: { n }, tags }) }).then((r) => r.json());
  const connected = async (protocol: SdkProtocol, user: string): Promise<Sdk> => {
    const c = sdk(protocol, server.url, { token: await connToken(user) });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };
  const euOnly: FilterNode = { op: 'and', nodes: [{ key: 'region', cmp: 'eq', val: 'eu' }] };

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.channel.namespaces = [
          namespace('ticks', { allowTagsFilter: true, allowSubscribeForClient: true, historySize: 50, historyTtl: 60_000, forceRecovery: true }),
          namespace('plain', { allowSubscribeForClient: true }),
        ];
      }),
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });

  for (const protocol of ['json', 'protobuf'] as const) {
    it(`delivers only matching publications to every subscriber sharing a filter (${protocol})`, async () => {
      const channel = `ticks:${protocol}`;
      const subs = await Promise.all(
        ['f1', 'f2'].map(async (u) => {
          const s = (await connected(protocol, u)).newSubscription(channel, { tagsFilter: euOnly });
          s.subscribe();
          await s.ready(3000);
          return s;
        }),
      );
      const all = (await connected(protocol, 'all')).newSubscription(channel);
      all.subscribe();
      await all.ready(3000);
      const got = subs.map((s) => collect<{ data: unknown }>(s, 'publication', 3));
      const everything = collect<{ data: unknown }>(all, 'publication', 5);
      await publish(channel, 1, { region: 'eu' });
      await publish(channel, 2, { region: 'us' });
      await publish(channel, 3, {});
      await publish(channel, 4, { region: 'eu', tier: 'pro' });
      await publish(channel, 5, { region: 'eu' });
      // The unfiltered subscriber got all five, so the filtered ones have had their chance at 2 and 3.
      assert.deepEqual((await everything).map(n), [1, 2, 3, 4, 5]);
      for (const g of await Promise.all(got)) assert.deepEqual(g.map(n), [1, 4, 5]);
    });
  }

  it('recovers only the matching publications after a reconnect', async () => {
    const c = await connected('json', 'rec');
    const sub = c.newSubscription('ticks:rec', { tagsFilter: euOnly });
    sub.subscribe();
    await sub.ready(3000);
    const got = collect<{ data: unknown }>(sub, 'publication', 2);
    const first = once(sub, 'publication');
    await publish('ticks:rec', 1, { region: 'eu' });
    await first;
    c.disconnect();
    await publish('ticks:rec', 2, { region: 'us' });
    await publish('ticks:rec', 3, { region: 'eu' });
    const resubscribed = once<{ wasRecovering: boolean; recovered: boolean }>(sub, 'subscribed');
    c.connect();
    const ctx = await resubscribed;
    assert.deepEqual([ctx.wasRecovering, ctx.recovered], [true, true]);
    assert.deepEqual((await got).map(n), [1, 3], 'the us publication in between is not recovered');
  });

  it('refuses a filter where the namespace does not allow one, and a malformed filter', async () => {
    const c = await connected('json', 'bad');
    const notAllowed = c.newSubscription('plain:x', { tagsFilter: euOnly });
    const e1 = once<{ code: number }>(notAllowed, 'unsubscribed');
    notAllowed.subscribe();
    assert.equal((await e1).code, 107);
    const malformed = c.newSubscription('ticks:bad', { tagsFilter: { key: 'region', cmp: 'like' as 'eq', val: 'eu' } });
    const e2 = once<{ code: number }>(malformed, 'unsubscribed');
    malformed.subscribe();
    assert.equal((await e2).code, 107);
  });
});
