import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hub } from '../../src/node/hub.js';
import type { EncodedReply } from '../../src/node/channels/encoded-reply.js';
import { ChannelSubscription, type SubscriptionOptions, type SubscriptionOwner } from '../../src/node/channels/subscription.js';
import { jsonCodec, protobufCodec, type ProtocolCodec } from '../../src/protocol/index.js';

/** A session that keeps the very buffers it was handed, so sharing can be checked by identity. */
function owner(id: string, codec: ProtocolCodec = jsonCodec): SubscriptionOwner & { frames: Uint8Array[] } {
  const o = {
    id,
    user: 'u',
    labels: undefined,
    codec,
    frames: [] as Uint8Array[],
    send(e: EncodedReply) {
      o.frames.push(e.for(codec)!);
    },
    sendEncoded(b: Uint8Array) {
      o.frames.push(b);
    },
    refusePayload() {
      throw new Error('unexpected refusal');
    },
    onInsufficientState() {
      throw new Error('unexpected gap');
    },
  };
  return o;
}

const opts: SubscriptionOptions = { serverSide: false, positioned: false, recoverable: false, pushJoinLeave: true, presence: false, joinLeave: false, expireAt: 0, delta: false };

/** An active subscription registered in the hub. */
function subscribed(hub: Hub, channel: string, o: SubscriptionOwner, compact: boolean, extra: Partial<SubscriptionOptions> = {}): ChannelSubscription {
  const sub = new ChannelSubscription(o, channel, { ...opts, ...extra }, compact);
  hub.subscribe(channel, sub);
  sub.activate({ offset: 0, epoch: '' }, false);
  return sub;
}

const text = (b: Uint8Array | undefined): unknown => JSON.parse(Buffer.from(b!).toString());
const publish = (hub: Hub, channel: string, n: number): void => hub.broadcastPublication(channel, { data: Buffer.from(`{"n":${n}}`) }, { offset: 0, epoch: '' }, false);

describe('channel compaction in the hub', () => {
  it('gives a channel one id, shared by its compacting subscribers, and another channel its own', () => {
    const hub = new Hub();
    assert.equal(hub.channelId('a'), 0);
    subscribed(hub, 'a', owner('c1'), false);
    assert.equal(hub.channelId('a'), 0, 'subscribers by name need no id');
    subscribed(hub, 'a', owner('c2'), true);
    const id = hub.channelId('a');
    assert.ok(id > 0);
    subscribed(hub, 'a', owner('c3'), true);
    assert.equal(hub.channelId('a'), id);
    subscribed(hub, 'b', owner('c1'), true);
    assert.notEqual(hub.channelId('b'), id);
  });

  it('drops the id with the channel\'s last subscriber and never hands it out again', () => {
    const hub = new Hub();
    const byName = subscribed(hub, 'a', owner('c1'), false);
    const compact = subscribed(hub, 'a', owner('c2'), true);
    const first = hub.channelId('a');
    hub.unsubscribe('a', compact);
    assert.equal(hub.channelId('a'), first, 'kept while the channel has a subscriber');
    hub.unsubscribe('a', byName);
    assert.equal(hub.channelId('a'), 0);
    subscribed(hub, 'a', owner('c2'), true);
    assert.ok(hub.channelId('a') > first, 'a push in flight for the old id cannot reach the new subscription');
  });

  it('encodes a publication once per addressing: compacting subscribers share the bytes with the id', () => {
    const hub = new Hub();
    const [n1, n2, i1, i2] = [owner('n1'), owner('n2'), owner('i1'), owner('i2')];
    subscribed(hub, 'a', n1, false);
    subscribed(hub, 'a', n2, false);
    subscribed(hub, 'a', i1, true);
    subscribed(hub, 'a', i2, true);
    publish(hub, 'a', 1);
    const id = hub.channelId('a');
    assert.equal(n1.frames[0], n2.frames[0]);
    assert.equal(i1.frames[0], i2.frames[0]);
    assert.deepEqual(text(n1.frames[0]), { push: { channel: 'a', pub: { data: { n: 1 } } } });
    assert.deepEqual(text(i1.frames[0]), { push: { id, pub: { data: { n: 1 } } } });
  });

  it('addresses join and leave by id for compacting subscribers', () => {
    const hub = new Hub();
    const [byName, compact, proto] = [owner('n'), owner('i'), owner('p', protobufCodec)];
    subscribed(hub, 'a', byName, false);
    subscribed(hub, 'a', compact, true);
    subscribed(hub, 'a', proto, false);
    const id = hub.channelId('a');
    hub.broadcastJoinLeave('a', 'join', { user: 'x', client: 'cx' });
    hub.broadcastJoinLeave('a', 'leave', { user: 'x', client: 'cx' });
    assert.deepEqual(byName.frames.map(text), [
      { push: { channel: 'a', join: { info: { user: 'x', client: 'cx' } } } },
      { push: { channel: 'a', leave: { info: { user: 'x', client: 'cx' } } } },
    ]);
    assert.deepEqual(compact.frames.map(text), [
      { push: { id, join: { info: { user: 'x', client: 'cx' } } } },
      { push: { id, leave: { info: { user: 'x', client: 'cx' } } } },
    ]);
    assert.equal(proto.frames.length, 2);
  });

  it('sends deltas and the full payload before them by id too', () => {
    const hub = new Hub();
    const o = owner('d');
    subscribed(hub, 'a', o, true, { delta: true });
    const id = hub.channelId('a');
    const big = (n: number) => Buffer.from(JSON.stringify({ n, pad: 'x'.repeat(200) }));
    hub.broadcastPublication('a', { data: big(1) }, { offset: 0, epoch: '' }, true);
    hub.broadcastPublication('a', { data: big(2) }, { offset: 0, epoch: '' }, true);
    const [full, delta] = o.frames.map(text) as Array<{ push: { id?: number; channel?: string; pub: { delta?: boolean } } }>;
    assert.equal(full!.push.id, id);
    assert.equal(full!.push.channel, undefined);
    assert.equal(delta!.push.id, id);
    assert.equal(delta!.push.pub.delta, true);
  });
});
