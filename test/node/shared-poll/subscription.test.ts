import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDelta } from 'fossil-delta';
import { pino } from 'pino';
import protobuf from 'protobufjs';
import { SharedPollSubscription, type SharedPollOwner } from '../../../src/node/channels/shared-poll-subscription.js';
import { SharedPollManager } from '../../../src/node/shared-poll/poll-manager.js';
import type { ItemUpdate } from '../../../src/node/shared-poll/types.js';
import { jsonCodec, protoPath, protobufCodec, type ProtocolCodec, type UnsubscribeCode } from '../../../src/protocol/index.js';
import { ManualClock, ManualTimers } from '../../helpers/clock.js';
import { pollOptions } from '../../helpers/shared-poll.js';

const Reply = protobuf.loadSync(protoPath('client.proto')).lookupType('centrifugal.centrifuge.protocol.Reply');

const bytes = (v: unknown): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(v)));

const poll = pollOptions();

class Owner implements SharedPollOwner {
  readonly frames: Uint8Array[] = [];
  readonly unsubscribed: Array<[string, UnsubscribeCode | undefined]> = [];
  constructor(readonly codec: ProtocolCodec) {}
  sendEncoded(b: Uint8Array): void {
    this.frames.push(b);
  }
  refusePayload(): void {
    throw new Error('refused');
  }
  async unsubscribe(channel: string, code?: UnsubscribeCode): Promise<void> {
    this.unsubscribed.push([channel, code]);
  }
  /** Pushes as the client reads them. */
  pubs(): Array<Record<string, unknown>> {
    return this.frames.map((f) => {
      if (this.codec.name === 'json') {
        const pub = (JSON.parse(Buffer.from(f).toString()) as { push: { pub: Record<string, unknown> } }).push.pub;
        // Raw JSON data back to its bytes, as the protobuf form carries them.
        return { ...pub, data: pub.data === undefined ? undefined : Buffer.from(JSON.stringify(pub.data)) };
      }
      const r = Reply.toObject(Reply.decodeDelimited(f), { longs: Number }) as { push: { pub: Record<string, unknown> } };
      return r.push.pub;
    });
  }
}

function setup(codec: ProtocolCodec, delta = false) {
  const clock = new ManualClock();
  const timers = new ManualTimers(clock);
  const manager = new SharedPollManager({
    refreshProxy: () => ({ sharedPollRefresh: async () => ({ items: [], epoch: '' }) }),
    concurrencyLimit: 4,
    timers,
    clock,
    log: pino({ level: 'silent' }),
  });
  const owner = new Owner(codec);
  const sub = new SharedPollSubscription(owner, 'poll:x', { poll, delta, expireAt: 0, expiredCloseDelay: 25_000 }, manager, timers, () => clock.now());
  return { clock, timers, manager, owner, sub };
}

const update = (key: string, version: number, data: unknown, prev?: { data: unknown; version: number }): ItemUpdate => ({
  channel: 'poll:x',
  key,
  version,
  data: bytes(data),
  prevData: prev ? bytes(prev.data) : undefined,
  prevVersion: prev?.version ?? 0,
  epoch: '',
});

for (const codec of [jsonCodec, protobufCodec]) {
  test(`${codec.name}: only versions newer than the client's reach it, each advancing its version`, () => {
    const { owner, sub } = setup(codec);
    sub.commit([
      { key: 'a', version: 5, expireAt: 0 },
      { key: 'b', version: 0, expireAt: 0 },
    ]);
    sub.startTracking([
      { key: 'a', version: 5 },
      { key: 'b', version: 0 },
    ]);
    sub.deliverUpdate(update('a', 5, 'same'));
    sub.deliverUpdate(update('a', 6, 'newer'));
    sub.deliverUpdate(update('a', 6, 'again'));
    sub.deliverUpdate(update('b', 1, { n: 1 }));
    sub.deliverUpdate(update('zz', 9, 'untracked'));
    const pubs = owner.pubs();
    assert.equal(pubs.length, 2);
    assert.equal(pubs[0]!.key, 'a');
    assert.equal(Number(pubs[0]!.version), 6);
    assert.equal(Buffer.from(pubs[0]!.data as Uint8Array).toString(), '"newer"');
    assert.equal(pubs[1]!.key, 'b');
    assert.equal(sub.keys.get('a')!.version, 6);
  });

  test(`${codec.name}: a removal is pushed once and the key is no longer tracked`, () => {
    const { owner, sub, manager } = setup(codec);
    sub.commit([{ key: 'a', version: 0, expireAt: 0 }]);
    sub.startTracking([{ key: 'a', version: 0 }]);
    assert.equal(manager.get('poll:x')!.hub.count('a'), 1);
    sub.deliverRemoval('a');
    sub.deliverRemoval('a');
    const pubs = owner.pubs();
    assert.equal(pubs.length, 1);
    assert.equal(pubs[0]!.key, 'a');
    assert.equal(pubs[0]!.removed, true);
    assert.equal(sub.keys.has('a'), false);
  });

  test(`${codec.name} delta: the first delivery of a key is full, then patches against the version the client holds`, () => {
    const { owner, sub } = setup(codec, true);
    sub.commit([{ key: 'a', version: 0, expireAt: 0 }]);
    sub.startTracking([{ key: 'a', version: 0 }]);
    const v1 = { text: 'x'.repeat(200), n: 1 };
    const v2 = { text: 'x'.repeat(200), n: 2 };
    const v3 = { text: 'x'.repeat(200), n: 3 };
    sub.deliverUpdate(update('a', 1, v1, { data: { text: 'y' }, version: 0 }));
    sub.deliverUpdate(update('a', 2, v2, { data: v1, version: 1 }));
    // Made against version 2 while the client holds 2: a patch; against 1: full.
    sub.deliverUpdate(update('a', 4, v3, { data: v1, version: 1 }));
    const pubs = owner.pubs();
    assert.deepEqual(
      pubs.map((p) => p.delta ?? false),
      [false, true, false],
    );
    // JSON clients get data as a string; protobuf as bytes.
    const raw = (p: Record<string, unknown>): Buffer => {
      const b = Buffer.from(p.data as Uint8Array);
      return codec.name === 'json' ? Buffer.from(JSON.parse(b.toString()) as string, 'latin1') : b;
    };
    const base = raw(pubs[0]!);
    assert.deepEqual(JSON.parse(base.toString()), v1);
    const patched = Buffer.from(applyDelta(base, raw(pubs[1]!)));
    assert.deepEqual(JSON.parse(patched.toString()), v2);
    assert.deepEqual(JSON.parse(raw(pubs[2]!).toString()), v3);
  });
}

test('a new backend epoch unsubscribes with 2500 (resubscribe)', () => {
  const { owner, sub } = setup(jsonCodec);
  sub.resetEpoch();
  assert.deepEqual(owner.unsubscribed, [['poll:x', 2500]]);
  sub.close();
  sub.resetEpoch();
  assert.equal(owner.unsubscribed.length, 1);
});

test('untrack and close take the keys out of the node poll; unknown keys are ignored', async () => {
  const { sub, manager, timers } = setup(jsonCodec);
  sub.commit([
    { key: 'a', version: 1, expireAt: 0 },
    { key: 'b', version: 1, expireAt: 0 },
  ]);
  sub.startTracking([
    { key: 'a', version: 1 },
    { key: 'b', version: 1 },
  ]);
  sub.untrack(['a', 'nope']);
  assert.deepEqual(manager.stats(), { channels: 1, keys: 1 });
  sub.close();
  assert.deepEqual(manager.stats(), { channels: 1, keys: 0 });
  await timers.advance(1000);
  assert.deepEqual(manager.stats(), { channels: 0, keys: 0 });
});

test('keys whose signature expired are dropped silently after the extra delay', async () => {
  const { sub, manager, timers, clock, owner } = setup(jsonCodec);
  const now = Math.floor(clock.now() / 1000);
  sub.commit([
    { key: 'short', version: 1, expireAt: now + 10 },
    { key: 'long', version: 1, expireAt: now + 100 },
    { key: 'never', version: 1, expireAt: 0 },
  ]);
  sub.startTracking([
    { key: 'short', version: 1 },
    { key: 'long', version: 1 },
    { key: 'never', version: 1 },
  ]);
  await timers.advance(10_000 + 25_000);
  assert.equal(sub.keys.has('short'), true);
  await timers.advance(2000);
  assert.equal(sub.keys.has('short'), false);
  assert.equal(manager.get('poll:x')!.hub.count('short'), 0);
  await timers.advance(100_000);
  assert.deepEqual([...sub.keys.keys()], ['never']);
  assert.equal(owner.frames.length, 0);
});

test('a subscription whose token expired unrefreshed ends with 2501 after the close delay; a refresh moves its end', async () => {
  const { sub, owner, timers, clock } = setup(jsonCodec);
  const now = Math.floor(clock.now() / 1000);
  sub.expireAt(now + 10);
  // A refresh before the end: the old deadline no longer applies.
  await timers.advance(5000);
  sub.expireAt(now + 60);
  await timers.advance(10_000 + 25_000);
  assert.deepEqual(owner.unsubscribed, []);
  const end = (now + 60) * 1000 + 25_000;
  await timers.advance(end - clock.now() - 1);
  assert.deepEqual(owner.unsubscribed, []);
  await timers.advance(1);
  assert.deepEqual(owner.unsubscribed, [['poll:x', 2501]]);
});

test('a subscription that never expires, or has ended, arms no end', async () => {
  const { sub, owner, timers, clock } = setup(jsonCodec);
  sub.expireAt(0);
  assert.equal(timers.pending, 0);
  sub.expireAt(Math.floor(clock.now() / 1000) + 1);
  sub.close();
  await timers.advance(60_000);
  assert.deepEqual(owner.unsubscribed, []);
  sub.expireAt(Math.floor(clock.now() / 1000) + 1);
  assert.equal(timers.pending, 0);
});
