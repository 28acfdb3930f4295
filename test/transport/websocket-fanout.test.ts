import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient } from '../helpers/raw.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'fanout-api-key';

interface Push {
  push?: { channel: string; pub?: { data: { n: number } } };
}

/** Publications of `channel` a client got, in order. */
const received = (c: RawClient, channel: string): number[] =>
  (c.messages as Push[]).filter((m) => m.push?.channel === channel && m.push.pub).map((m) => m.push!.pub!.data.n);

describe('WebSocket fan-out with frames built once', () => {
  let server: TestServer;
  const clients: RawClient[] = [];

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.channel.withoutNamespace.allowSubscribeForClient = true;
        c.channel.withoutNamespace.allowPublishForSubscriber = true;
      }),
    );
    for (let i = 0; i < 5; i++) {
      const c = await RawClient.open(server.url);
      c.send({ id: 1, connect: { token: await connToken(`u${i}`) } }, { id: 2, subscribe: { channel: 'news' } });
      await c.reply(2);
      clients.push(c);
    }
  });

  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  it('delivers every publication of a batch, in order, to every subscriber', async () => {
    // One batch call publishes in one turn, so each client's pushes are coalesced into one frame
    // that the writers share and the transport frames once.
    const commands = Array.from({ length: 20 }, (_, n) => ({ publish: { channel: 'news', data: { n } } }));
    const res = await fetch(`${server.httpUrl}/api/batch`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ commands }) });
    assert.equal(res.status, 200);
    const expected = Array.from({ length: 20 }, (_, n) => n);
    await until(() => clients.every((c) => received(c, 'news').length === 20));
    for (const c of clients) assert.deepEqual(received(c, 'news'), expected);
  });

  it('keeps replies and pushes of one client in order around shared frames', async () => {
    const [c] = clients;
    // One frame: the subscribe's reply and the push of the publication right behind it are
    // produced together, and the reply must still go first.
    c!.send({ id: 3, subscribe: { channel: 'other' } }, { id: 4, publish: { channel: 'other', data: { n: 1 } } });
    await c!.reply(4);
    await until(() => received(c!, 'other').length === 1);
    const messages = c!.messages as Array<{ id?: number; push?: { channel: string } }>;
    const push = messages.findIndex((m) => m.push?.channel === 'other');
    const reply = messages.findIndex((m) => m.id === 3);
    assert.ok(reply >= 0 && push > reply, `subscribe reply at ${reply}, publication at ${push}`);
  });
});
