import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient } from '../helpers/raw.js';
import { collect, decoded, once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'compaction-api-key';
const COMPACTION = 1;

interface Push {
  id?: number;
  channel?: string;
  pub?: { data: unknown; offset?: number };
  join?: { info: { user: string } };
  leave?: { info: { user: string } };
  unsubscribe?: { code: number };
}

/** Pushes a raw client received, in order. */
const pushes = (c: RawClient): Push[] => c.messages.flatMap((m) => ((m as { push?: Push }).push ? [(m as { push: Push }).push] : []));

/** Waits until a raw client has received `n` pushes matching `pred`, and returns them. */
async function pushesWhere(c: RawClient, pred: (p: Push) => boolean, n = 1): Promise<Push[]> {
  await until(() => pushes(c).filter(pred).length >= n, 3000, 5);
  return pushes(c).filter(pred);
}

describe('channel compaction', () => {
  let server: TestServer;
  let off: TestServer;
  const raws: RawClient[] = [];
  const sdks: Sdk[] = [];
  let nextId = 10;

  const config = (compaction: boolean) =>
    testConfig((c) => {
      c.httpApi.key = KEY;
      c.parsec.channelCompaction = compaction;
      c.channel.namespaces = [
        namespace('news', { allowSubscribeForClient: true }),
        namespace('room', { allowSubscribeForClient: true, presence: true, joinLeave: true, forcePushJoinLeave: true }),
        namespace('rec', { allowSubscribeForClient: true, historySize: 50, historyTtl: 60_000, forceRecovery: true }),
      ];
    });

  before(async () => {
    server = await startServer(config(true));
    off = await startServer(config(false));
  });
  after(async () => {
    for (const c of raws) c.close();
    for (const c of sdks) c.disconnect();
    await server.close();
    await off.close();
  });

  const publish = (channel: string, data: unknown, on = server) =>
    fetch(`${on.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel, data }) }).then((r) => r.json());

  const raw = async (user: string, extra: Record<string, unknown> = {}, on = server): Promise<RawClient> => {
    const c = await RawClient.open(on.url);
    raws.push(c);
    c.send({ id: 1, connect: { token: await connToken(user, extra) } });
    const reply = await c.reply(1);
    assert.ok(reply.connect, JSON.stringify(reply));
    return c;
  };

  const subscribe = async (c: RawClient, req: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const id = nextId++;
    c.send({ id, subscribe: req });
    const reply = await c.reply(id);
    assert.ok(reply.subscribe, JSON.stringify(reply));
    return reply.subscribe as Record<string, unknown>;
  };

  it('answers a subscribe with the compaction flag with an id, and its publications carry the id and no channel', async () => {
    const c = await raw('u1');
    const res = await subscribe(c, { channel: 'news:a', flag: COMPACTION });
    assert.equal(typeof res.id, 'number');
    assert.ok((res.id as number) > 0);
    await publish('news:a', { n: 1 });
    const [push] = await pushesWhere(c, (p) => p.pub !== undefined);
    assert.deepEqual(push, { id: res.id, pub: { data: { n: 1 } } });
  });

  it('names the channel for a subscribe without the flag', async () => {
    const c = await raw('u2');
    const res = await subscribe(c, { channel: 'news:b' });
    assert.equal(res.id, undefined);
    await publish('news:b', { n: 1 });
    const [push] = await pushesWhere(c, (p) => p.pub !== undefined);
    assert.deepEqual(push, { channel: 'news:b', pub: { data: { n: 1 } } });
  });

  it('delivers one publication to subscribers with and without the flag, each addressed its way, sharing the id', async () => {
    const [a, b, c] = await Promise.all([raw('a'), raw('b'), raw('c')]);
    const ra = await subscribe(a, { channel: 'news:mixed', flag: COMPACTION });
    const rb = await subscribe(b, { channel: 'news:mixed' });
    const rc = await subscribe(c, { channel: 'news:mixed', flag: COMPACTION });
    assert.equal(rb.id, undefined);
    assert.equal(rc.id, ra.id, 'one id per channel on the node');
    const other = await subscribe(c, { channel: 'news:other', flag: COMPACTION });
    assert.notEqual(other.id, ra.id);
    await publish('news:mixed', { n: 7 });
    const withPub = (p: Push) => p.pub !== undefined;
    assert.deepEqual(await pushesWhere(a, withPub), [{ id: ra.id, pub: { data: { n: 7 } } }]);
    assert.deepEqual(await pushesWhere(b, withPub), [{ channel: 'news:mixed', pub: { data: { n: 7 } } }]);
    assert.deepEqual(await pushesWhere(c, withPub), [{ id: ra.id, pub: { data: { n: 7 } } }]);
  });

  it('addresses join and leave by id for a compacting subscriber and by name for the others', async () => {
    const [watcher, plain, visitor] = await Promise.all([raw('watcher'), raw('plain'), raw('visitor')]);
    const res = await subscribe(watcher, { channel: 'room:1', flag: COMPACTION });
    await subscribe(plain, { channel: 'room:1' });
    await subscribe(visitor, { channel: 'room:1', flag: COMPACTION });
    visitor.send({ id: 99, unsubscribe: { channel: 'room:1' } });
    await visitor.reply(99);
    const byVisitor = (p: Push) => (p.join ?? p.leave)?.info.user === 'visitor';
    const [join, leave] = await pushesWhere(watcher, byVisitor, 2);
    assert.deepEqual([join!.id, join!.channel, join!.join?.info.user], [res.id, undefined, 'visitor']);
    assert.deepEqual([leave!.id, leave!.channel, leave!.leave?.info.user], [res.id, undefined, 'visitor']);
    const named = await pushesWhere(plain, byVisitor, 2);
    assert.deepEqual(
      named.map((p) => [p.id, p.channel]),
      [
        [undefined, 'room:1'],
        [undefined, 'room:1'],
      ],
    );
  });

  it('keeps the channel name for server-side subscriptions and for the unsubscribe push', async () => {
    const c = await raw('server-side', { channels: ['news:server'] });
    await subscribe(c, { channel: 'news:client', flag: COMPACTION });
    await publish('news:server', { n: 1 });
    assert.deepEqual(await pushesWhere(c, (p) => p.pub !== undefined), [{ channel: 'news:server', pub: { data: { n: 1 } } }]);
    const r = await fetch(`${server.httpUrl}/api/unsubscribe`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ user: 'server-side', channel: 'news:client' }) });
    assert.equal(r.status, 200);
    const [unsub] = await pushesWhere(c, (p) => p.unsubscribe !== undefined);
    assert.deepEqual([unsub!.id, unsub!.channel], [undefined, 'news:client']);
  });

  it('names the channel when parsec.channel_compaction is false', async () => {
    const c = await raw('off', {}, off);
    const res = await subscribe(c, { channel: 'news:off', flag: COMPACTION });
    assert.equal(res.id, undefined);
    await publish('news:off', { n: 1 }, off);
    assert.deepEqual(await pushesWhere(c, (p) => p.pub !== undefined), [{ channel: 'news:off', pub: { data: { n: 1 } } }]);
  });

  it('sends a publication fanned out before the unsubscribe is read by id, and recovery returns it', async () => {
    const c = await raw('racer');
    const ch = 'rec:raw';
    const first = await subscribe(c, { channel: ch, flag: COMPACTION, recoverable: true });
    const { node } = server.app;
    // Fan out before the server reads the unsubscribe frame: the memory engine delivers
    // within the publish call, and the frame can only be read on a later turn.
    c.send({ id: 50, unsubscribe: { channel: ch } });
    const position = await node.publish(node.rules.resolve(ch), Buffer.from('{"n":1}'));
    await c.reply(50);
    const late = pushes(c).filter((p) => p.pub !== undefined);
    assert.deepEqual(late, [{ id: first.id, pub: { data: { n: 1 }, offset: position.offset } }], 'the SDK drops it: its subscription no longer has the id');
    const again = await subscribe(c, { channel: ch, flag: COMPACTION, recover: true, epoch: first.epoch, offset: first.offset ?? 0 });
    assert.equal(again.recovered, true);
    assert.deepEqual(again.publications, [{ data: { n: 1 }, offset: position.offset }]);
  });

  for (const protocol of ['json', 'protobuf'] as const) {
    it(`delivers publications, joins and leaves to the ${protocol} SDK`, async () => {
      const c = sdk(protocol, server.url, { token: await connToken(`sdk-${protocol}`) });
      const v = sdk(protocol, server.url, { token: await connToken(`visitor-${protocol}`) });
      sdks.push(c, v);
      c.connect();
      v.connect();
      const ch = `room:sdk-${protocol}`;
      const sub = c.newSubscription(ch);
      const joins = collect<{ info: { user: string } }>(sub, 'join', 2);
      const leave = once<{ info: { user: string } }>(sub, 'leave');
      sub.subscribe();
      await sub.ready(3000);
      const got = collect<{ data: unknown }>(sub, 'publication', 2);
      await publish(ch, { n: 1 });
      await publish(ch, { n: 2 });
      assert.deepEqual((await got).map((p) => decoded<{ n: number }>(protocol, p.data).n), [1, 2]);
      const vs = v.newSubscription(ch);
      vs.subscribe();
      await vs.ready(3000);
      assert.deepEqual((await joins).map((j) => j.info.user), [`sdk-${protocol}`, `visitor-${protocol}`]);
      vs.unsubscribe();
      assert.equal((await leave).info.user, `visitor-${protocol}`);
    });
  }

  /**
   * A publication on its way when the app unsubscribes must neither be lost nor move the
   * position the resubscribe recovers from. By id, the unsubscribed Subscription no longer
   * matches the push; SDKs that route by name and do not check the Subscription's state
   * emit it there and advance its position, so recovery would skip it. JSON only: protobuf
   * sessions keep the name.
   */
  it('gives an SDK that unsubscribes and resubscribes at once every publication, in order', async () => {
    const c = sdk('json', server.url, { token: await connToken('quick') });
    sdks.push(c);
    c.connect();
    const ch = 'rec:sdk';
    const sub = c.newSubscription(ch);
    const seen: number[] = [];
    sub.on('publication', (ctx: { data: unknown }) => seen.push(decoded<{ n: number }>('json', ctx.data).n));
    sub.subscribe();
    await sub.ready(3000);
    const firstPub = once(sub, 'publication');
    await publish(ch, { n: 1 });
    await firstPub;
    const { node } = server.app;
    const unsubscribed = once(sub, 'unsubscribed');
    sub.unsubscribe();
    // Same turn as the unsubscribe, and the memory engine delivers within the publish call:
    // fanned out before the server can read the SDK's frame.
    const second = node.publish(node.rules.resolve(ch), Buffer.from('{"n":2}'));
    await unsubscribed;
    await second;
    await publish(ch, { n: 3 });
    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean }>(sub, 'subscribed');
    const afterResubscribe = collect<{ data: unknown }>(sub, 'publication', 2);
    sub.subscribe();
    const ctx = await resubscribed;
    assert.deepEqual([ctx.wasRecovering, ctx.recovered], [true, true]);
    assert.deepEqual((await afterResubscribe).map((p) => decoded<{ n: number }>('json', p.data).n), [2, 3]);
    assert.deepEqual(seen, [1, 2, 3]);
  });
});
