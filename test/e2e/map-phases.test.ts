import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw.js';
import { until } from '../helpers/until.js';

const KEY = 'map-phases-api-key-0123456789';

interface Sub {
  type?: number;
  phase?: number;
  cursor?: string;
  epoch?: string;
  offset?: number;
  recoverable?: boolean;
  recovered?: boolean;
  was_recovering?: boolean;
  state?: Array<{ key: string; data: unknown; offset?: number }>;
  publications?: Array<{ key: string; data?: unknown; offset: number; removed?: boolean }>;
}

/**
 * The map subscribe phases on the wire, as the SDK drives them: state pages with a cursor and
 * a frozen position, a stream catch-up, the live reply, and the refusals (112, 113, 103).
 */
describe('map subscribe phases (raw JSON protocol)', () => {
  let server: TestServer;
  const sockets: RawClient[] = [];
  const api = async (method: string, body: object): Promise<Record<string, unknown>> => {
    const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY } });
    return (await res.json()) as Record<string, unknown>;
  };
  const open = async (): Promise<RawClient> => {
    const c = await RawClient.open(server.url);
    sockets.push(c);
    c.send({ id: 1, connect: {} });
    await c.reply(1);
    return c;
  };
  const subscribe = async (c: RawClient, id: number, req: object): Promise<{ sub?: Sub; error?: { code: number } }> => {
    c.send({ id, subscribe: req });
    const r = await c.reply(id);
    return { sub: r.subscribe as Sub | undefined, error: r.error as { code: number } | undefined };
  };
  const seed = async (channel: string, n: number): Promise<void> => {
    const commands = Array.from({ length: n }, (_, i) => ({ map_publish: { channel, key: `k${String(i).padStart(3, '0')}`, data: { i } } }));
    await api('batch', { commands });
  };

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.client.allowAnonymousConnectWithoutToken = true;
        const map = structuredClone(c.channel.withoutNamespace.map);
        c.channel.namespaces = [
          namespace('pers', { subscriptionType: 'map', map: { ...map, mode: 'persistent', streamSize: 1000 }, allowSubscribeForAnonymous: true }),
          namespace('eph', { subscriptionType: 'map', map: { ...map, mode: 'ephemeral', keyTtl: 60_000 }, allowSubscribeForAnonymous: true }),
        ];
      }),
    );
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  it('pages the state from a frozen position, catches up on the stream, then goes live', async () => {
    const channel = 'pers:paged';
    await seed(channel, 250);
    const c = await open();
    const first = (await subscribe(c, 2, { channel, type: 1, phase: 2, flag: 1, limit: 100 })).sub!;
    assert.deepEqual([first.type, first.phase, first.cursor, first.offset, first.recoverable], [1, 2, 'k099', 250, true]);
    assert.equal(first.state!.length, 100);
    // Written after the first page: a later page must not carry it, the catch-up must.
    await api('map_publish', { channel, key: 'k200', data: { i: 'new' } });
    const frozen = { offset: first.offset, epoch: first.epoch };
    const second = (await subscribe(c, 3, { channel, type: 1, phase: 2, cursor: first.cursor, limit: 100, ...frozen })).sub!;
    assert.equal(second.cursor, 'k199');
    const third = (await subscribe(c, 4, { channel, type: 1, phase: 2, cursor: second.cursor, limit: 100, ...frozen })).sub!;
    assert.equal(third.phase, undefined, 'the last page goes live: the stream is within one page');
    assert.deepEqual(third.state!.map((e) => e.key).slice(0, 2), ['k201', 'k202']);
    assert.equal(third.state!.length, 49);
    assert.deepEqual(third.publications!.map((p) => [p.key, p.offset, p.data]), [['k200', 251, { i: 'new' }]]);
    assert.equal(third.offset, 251);
    await api('map_remove', { channel, key: 'k000' });
    await until(() => c.messages.some((m) => JSON.stringify(m).includes('"removed":true')));
  });

  it('goes through a stream phase when the catch-up is longer than a page', async () => {
    const channel = 'pers:stream';
    await seed(channel, 10);
    const c = await open();
    const top = (await subscribe(c, 2, { channel, type: 1, phase: 2, limit: 100 })).sub!;
    assert.equal(top.offset, 10);
    // A client that held offset 0 of this epoch asks to recover; 10 + 150 changes since.
    await seed(channel, 150);
    const c2 = await open();
    const page = (await subscribe(c2, 2, { channel, type: 1, phase: 1, offset: 0, epoch: top.epoch, recover: true, limit: 100 })).sub!;
    assert.deepEqual([page.phase, page.offset, page.publications!.length], [1, 100, 100]);
    const live = (await subscribe(c2, 3, { channel, type: 1, phase: 1, offset: page.offset, epoch: top.epoch, recover: true, limit: 100 })).sub!;
    assert.deepEqual([live.phase, live.offset, live.publications!.length, live.recovered, live.was_recovering], [undefined, 160, 60, true, true]);
    assert.equal(live.publications![0]!.offset, 101);
  });

  it('refuses a continuation without a flow (103), a stale epoch (112) and the wrong map kind (103)', async () => {
    const channel = 'pers:errors';
    await seed(channel, 250);
    const c = await open();
    assert.equal((await subscribe(c, 2, { channel, type: 1, phase: 2, cursor: 'k010', limit: 100 })).error?.code, 103);
    assert.equal((await subscribe(c, 3, { channel, type: 1, phase: 1, offset: 5, epoch: 'nope', limit: 100 })).error?.code, 103);
    assert.equal((await subscribe(c, 4, { channel, type: 1, phase: 1, offset: 5, epoch: 'nope', recover: true, limit: 100 })).error?.code, 112);
    const first = (await subscribe(c, 5, { channel, type: 1, phase: 2, limit: 100 })).sub!;
    c.send(
      { id: 6, subscribe: { channel, type: 1, phase: 2, cursor: first.cursor, limit: 100, offset: first.offset, epoch: first.epoch } },
      { id: 7, subscribe: { channel, type: 1, phase: 2, cursor: first.cursor, limit: 100, offset: first.offset, epoch: first.epoch } },
    );
    // A connection's commands run one at a time, so two page requests in one frame follow each other (no 113).
    const codes = [(await c.reply(6)).error, (await c.reply(7)).error].map((e) => (e as { code?: number } | undefined)?.code);
    assert.deepEqual(codes, [undefined, undefined]);
    assert.equal((await subscribe(c, 8, { channel, type: 2, phase: 2, limit: 100 })).error?.code, 103);
  });

  it('answers an ephemeral map without offsets, and says 105 to a second subscribe', async () => {
    const channel = 'eph:one';
    await api('map_publish', { channel, key: 'a', data: 1 });
    const c = await open();
    const live = (await subscribe(c, 2, { channel, type: 1, phase: 2 })).sub!;
    assert.deepEqual([live.type, live.phase, live.offset, live.recoverable, live.epoch?.length], [1, undefined, undefined, undefined, 8]);
    assert.deepEqual(live.state, [{ key: 'a', data: 1 }]);
    assert.equal((await subscribe(c, 3, { channel, type: 1, phase: 2 })).error?.code, 105);
    assert.equal((await subscribe(c, 4, { channel, type: 1, phase: 1, recover: true, offset: 0, epoch: live.epoch })).error?.code, 105);
  });
});
