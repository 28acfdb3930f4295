import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonCodec, protobufCodec, type PayloadNotJsonError, type ProtocolCodec } from '../../../src/protocol/index.js';
import { ChannelSubscription, type SubscriptionOptions, type SubscriptionOwner } from '../../../src/node/channels/subscription.js';
import { PublicationFanout } from '../../../src/node/channels/publication-fanout.js';

interface Refused {
  channel: string | undefined;
  refusal: PayloadNotJsonError | undefined;
}

function owner(codec: ProtocolCodec = jsonCodec): SubscriptionOwner & { sent: string[]; gaps: number; refused: Refused[] } {
  const o = {
    id: 'c1',
    user: 'u',
    labels: undefined,
    codec,
    sent: [] as string[],
    gaps: 0,
    refused: [] as Refused[],
    send(e: { for(c: ProtocolCodec): Uint8Array | undefined }) {
      o.sent.push(Buffer.from(e.for(codec)!).toString());
    },
    sendEncoded(b: Uint8Array) {
      o.sent.push(Buffer.from(b).toString());
    },
    refusePayload(channel: string | undefined, refusal: PayloadNotJsonError | undefined) {
      o.refused.push({ channel, refusal });
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

  it('resyncs a positioned subscription on a publication that arrived too late, and delivers it to others', () => {
    const lagged = new PublicationFanout('ch', { data: Buffer.from('{"n":6}'), offset: 6 }, undefined, false, 0, true);
    const positioned = owner();
    const s = new ChannelSubscription(positioned, 'ch', opts);
    s.activate({ offset: 5, epoch: 'e' }, false);
    s.deliverPublication(lagged, { offset: 6, epoch: 'e' });
    assert.equal(positioned.gaps, 1);
    assert.equal(positioned.sent.length, 0);

    const plain = owner();
    const p = new ChannelSubscription(plain, 'ch', { ...opts, positioned: false, recoverable: false });
    p.activate({ offset: 5, epoch: 'e' }, false);
    p.deliverPublication(lagged, { offset: 6, epoch: 'e' });
    assert.equal(plain.gaps, 0);
    assert.equal(plain.sent.length, 1);
  });

  it('treats any gap after an interruption as lost', () => {
    const o = owner();
    const s = new ChannelSubscription(o, 'ch', opts);
    s.activate({ offset: 5, epoch: 'e' }, false);
    s.checkPosition({ offset: 6, epoch: 'e' }, false);
    assert.equal(o.gaps, 1);
  });

  it('refuses a payload that is not JSON to JSON subscribers only, reporting it once per publication', () => {
    const plain = { ...opts, positioned: false, recoverable: false };
    const json = [owner(), owner()];
    const delta = owner();
    const proto = owner(protobufCodec);
    const subs = [
      ...json.map((o) => new ChannelSubscription(o, 'ch', plain)),
      new ChannelSubscription(delta, 'ch', { ...plain, delta: true }),
      new ChannelSubscription(proto, 'ch', plain),
    ];
    for (const s of subs) s.activate({ offset: 0, epoch: '' }, false);
    const bad = new PublicationFanout('ch', { data: Uint8Array.from([0xff, 0x00, 0x01]), info: { user: 'u', client: 'c', connInfo: Buffer.from('not json') } }, undefined, false);
    for (const s of subs) s.deliverPublication(bad, { offset: 0, epoch: '' });
    assert.deepEqual(
      [...json, delta].map((o) => o.sent.length),
      [0, 0, 0],
    );
    assert.equal(proto.sent.length, 1);
    const refusals = [...json, delta].flatMap((o) => o.refused);
    assert.equal(refusals.length, 3);
    assert.ok(refusals.every((r) => r.channel === 'ch'));
    assert.deepEqual(
      refusals.filter((r) => r.refusal).map((r) => r.refusal!.field),
      ['data'],
    );
  });

  it('sends JSON-string payloads to delta subscribers even when the data is not JSON', () => {
    const o = owner();
    const s = new ChannelSubscription(o, 'ch', { ...opts, positioned: false, recoverable: false, delta: true });
    s.activate({ offset: 0, epoch: '' }, false);
    s.deliverPublication(new PublicationFanout('ch', { data: Buffer.from('plain text') }, undefined, false), { offset: 0, epoch: '' });
    assert.deepEqual(o.refused, []);
    assert.match(o.sent[0]!, /"data":"plain text"/);
  });
});
