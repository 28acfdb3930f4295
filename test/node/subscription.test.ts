import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonCodec } from '../../src/protocol/index.js';
import { ChannelSubscription, type SubscriptionOptions, type SubscriptionOwner } from '../../src/node/subscription.js';
import { PublicationFanout } from '../../src/node/publication-fanout.js';

function owner(): SubscriptionOwner & { sent: string[]; gaps: number } {
  const o = {
    id: 'c1',
    user: 'u',
    labels: undefined,
    codec: jsonCodec,
    sent: [] as string[],
    gaps: 0,
    send(e: { for(c: typeof jsonCodec): Uint8Array }) {
      o.sent.push(Buffer.from(e.for(jsonCodec)).toString());
    },
    sendEncoded(b: Uint8Array) {
      o.sent.push(Buffer.from(b).toString());
    },
    onInsufficientState() {
      o.gaps++;
    },
  };
  return o;
}

const opts: SubscriptionOptions = { serverSide: false, positioned: true, recoverable: true, pushJoinLeave: false, presence: false, joinLeave: false, expireAt: 0, delta: false };
const pub = (offset: number) => new PublicationFanout('ch', { data: Buffer.from(`{"n":${offset}}`), offset }, undefined, false);

describe('ChannelSubscription', () => {
  it('buffers while subscribing and drops what the subscribe reply already covered', () => {
    const o = owner();
    const s = new ChannelSubscription(o, 'ch', opts);
    for (const n of [3, 4, 5]) s.deliverPublication(pub(n), { offset: n, epoch: 'e' });
    s.activate({ offset: 4, epoch: 'e' }, true);
    assert.equal(o.sent.length, 1);
    assert.match(o.sent[0]!, /"offset":5/);
  });

  it('reports a gap in the live stream', () => {
    const o = owner();
    const s = new ChannelSubscription(o, 'ch', opts);
    s.activate({ offset: 1, epoch: 'e' }, false);
    s.deliverPublication(pub(3), { offset: 3, epoch: 'e' });
    assert.equal(o.gaps, 1);
  });

  it('tolerates in-flight publications at the periodic check, but not a lost one', () => {
    const o = owner();
    const s = new ChannelSubscription(o, 'ch', opts);
    s.activate({ offset: 5, epoch: 'e' }, false);
    s.checkPosition({ offset: 6, epoch: 'e' }, true); // 6 may still be on its way
    assert.equal(o.gaps, 0);
    s.checkPosition({ offset: 7, epoch: 'e' }, true); // 6 never came
    assert.equal(o.gaps, 1);
  });

  it('treats any gap after an interruption as lost', () => {
    const o = owner();
    const s = new ChannelSubscription(o, 'ch', opts);
    s.activate({ offset: 5, epoch: 'e' }, false);
    s.checkPosition({ offset: 6, epoch: 'e' }, false);
    assert.equal(o.gaps, 1);
  });
});
