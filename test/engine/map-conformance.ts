import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MapBroker, MapChannelOptions, MapEventHandler, MapPublication } from '../../src/engine/index.js';
import type { StreamPosition } from '../../src/protocol/index.js';
import { ManualClock } from '../helpers/clock.js';
import { until } from '../helpers/until.js';

/*
 * What every map broker must do alike: offsets and epochs, the write checks in their order,
 * state paging, stream reads and trimming, key TTLs with their removals, versions, and
 * delivery of every change in offset order with the key's previous value for delta.
 * memory-map.test.ts and redis-map.test.ts run it.
 */

export interface MapBrokerUnderTest {
  broker: MapBroker;
  close(): Promise<void>;
}

export interface MapBrokerFactory {
  /** A broker on `clock` (key TTLs count on it); brokers made by one factory share their store when the broker can. */
  make(clock: ManualClock): Promise<MapBrokerUnderTest>;
  /** Several brokers (nodes) can share one store; false for a broker that lives in its process. */
  shared: boolean;
}

const persistent: MapChannelOptions = { hasStream: true, keyTtl: 0, streamSize: 3, streamTtl: 60_000, metaTtl: 0 };
const ephemeral: MapChannelOptions = { hasStream: false, keyTtl: 2000, streamSize: 0, streamTtl: 0, metaTtl: 0 };
const recoverable: MapChannelOptions = { hasStream: true, keyTtl: 2000, streamSize: 10, streamTtl: 60_000, metaTtl: 20_000 };

const bytes = (s: string): Uint8Array => Buffer.from(s);
const text = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString() : undefined);

interface Seen {
  channel: string;
  pub: MapPublication;
  position: StreamPosition;
  delta: boolean;
  prev: string | undefined;
}

class Recorder implements MapEventHandler {
  readonly seen: Seen[] = [];
  handleMapPublication(channel: string, pub: MapPublication, position: StreamPosition, delta: boolean, prevData: Uint8Array | undefined): void {
    this.seen.push({ channel, pub, position, delta, prev: text(prevData) });
  }
  handleMapDeliveryResumed(): void {}
  of(channel: string): Seen[] {
    return this.seen.filter((s) => s.channel === channel);
  }
}

export function runMapBrokerSuite(name: string, factory: MapBrokerFactory, opts: { skip?: string | false } = {}): void {
  describe(`map broker conformance: ${name}`, { skip: opts.skip || undefined }, () => {
    let n = 0;
    const setup = async (t: { after(fn: () => Promise<void>): void }) => {
      const clock = new ManualClock(Date.now());
      const { broker, close } = await factory.make(clock);
      const rec = new Recorder();
      await broker.run(rec);
      t.after(close);
      const channel = async (): Promise<string> => {
        const ch = `map-${process.pid}-${Date.now()}-${++n}`;
        await broker.subscribe(ch);
        return ch;
      };
      return { broker, clock, rec, channel };
    };

    it('counts every write and removal in one stream, delivered in order with the previous value for delta', async (t) => {
      const { broker, rec, channel } = await setup(t);
      const p = await channel();
      const a = await broker.publish(p, 'a', { data: bytes('1'), delta: true }, persistent);
      const b = await broker.publish(p, 'a', { data: bytes('2'), delta: true, tags: { t: 'x' } }, persistent);
      const r = await broker.remove(p, 'a', {}, persistent);
      assert.deepEqual([a.position.offset, b.position.offset, r.position.offset], [1, 2, 3]);
      assert.equal(new Set([a.position.epoch, b.position.epoch, r.position.epoch]).size, 1);
      assert.equal(a.position.epoch.length, 8);
      await until(() => rec.of(p).length === 3, 5000);
      assert.deepEqual(
        rec.of(p).map((s) => [s.pub.offset, s.position.offset, s.position.epoch, s.pub.key, s.pub.removed ?? false, s.delta, s.prev]),
        [
          [1, 1, a.position.epoch, 'a', false, true, undefined],
          [2, 2, a.position.epoch, 'a', false, true, '1'],
          [3, 3, a.position.epoch, 'a', true, false, undefined],
        ],
      );
      // A removal carries the tags the key had, so tags filters can route it.
      assert.deepEqual(rec.of(p)[2]!.pub.tags, { t: 'x' });
      assert.deepEqual(await broker.remove(p, 'a', {}, persistent), { position: r.position, suppressed: true, suppressReason: 'key_not_found' });
    });

    it('delivers only the channels listened to', async (t) => {
      const { broker, rec, channel } = await setup(t);
      const quiet = `quiet-${process.pid}-${Date.now()}`;
      await broker.publish(quiet, 'k', { data: bytes('1') }, ephemeral);
      const marker = await channel();
      await broker.publish(marker, 'k', { data: bytes('m') }, ephemeral);
      await until(() => rec.of(marker).length === 1, 5000);
      assert.deepEqual(rec.of(quiet), []);
      await broker.unsubscribe(marker);
    });

    it('suppresses by idempotency, then version, then key mode, then expected position', async (t) => {
      const { broker, channel } = await setup(t);
      const c = await channel();
      const first = await broker.publish(c, 'k', { data: bytes('1'), idempotencyKey: 'i1', version: 5 }, persistent);
      const again = await broker.publish(c, 'k', { data: bytes('x'), idempotencyKey: 'i1' }, persistent);
      assert.deepEqual(again, { position: first.position, suppressed: true, suppressReason: 'idempotency' });
      assert.equal((await broker.publish(c, 'k', { data: bytes('x'), version: 5 }, persistent)).suppressReason, 'version');
      assert.equal((await broker.publish(c, 'k', { data: bytes('x'), keyMode: 'if_new' }, persistent)).suppressReason, 'key_exists');
      assert.equal((await broker.publish(c, 'z', { data: bytes('x'), keyMode: 'if_exists' }, persistent)).suppressReason, 'key_not_found');
      const stale = { offset: first.position.offset - 1, epoch: first.position.epoch };
      assert.equal((await broker.publish(c, 'k', { data: bytes('x'), expectedPosition: stale }, persistent)).suppressReason, 'position_mismatch');
      const ok = await broker.publish(c, 'k', { data: bytes('2'), version: 6, expectedPosition: first.position }, persistent);
      assert.equal(ok.suppressed, false);
      assert.equal(ok.position.offset, first.position.offset + 1);
      const removedIdem = await broker.remove(c, 'k', { idempotencyKey: 'r1' }, persistent);
      assert.deepEqual(await broker.remove(c, 'k', { idempotencyKey: 'r1' }, persistent), { ...removedIdem, suppressed: true, suppressReason: 'idempotency' });
    });

    it('keeps versions across removals, per version epoch', async (t) => {
      const { broker, channel } = await setup(t);
      const c = await channel();
      await broker.publish(c, 'k', { data: bytes('1'), version: 3, versionEpoch: 'e1' }, persistent);
      await broker.remove(c, 'k', {}, persistent);
      assert.equal((await broker.publish(c, 'k', { data: bytes('old'), version: 2, versionEpoch: 'e1' }, persistent)).suppressReason, 'version');
      assert.equal((await broker.publish(c, 'k', { data: bytes('new epoch'), version: 1, versionEpoch: 'e2' }, persistent)).suppressed, false);
      const state = await broker.readState(c, { cursor: '', limit: -1, key: 'k' }, persistent);
      assert.deepEqual(state.entries.map((e) => [text(e.data), e.version]), [['new epoch', 1]]);
    });

    it('pages state in key order, reads one key or only the position, and trims the stream to its size', async (t) => {
      const { broker, channel } = await setup(t);
      const q = await channel();
      for (const k of ['d', 'b', 'e', 'a', 'c']) await broker.publish(q, k, { data: bytes(k), tags: { k } }, persistent);
      const one = await broker.readState(q, { cursor: '', limit: 2 }, persistent);
      assert.deepEqual([one.entries.map((e) => e.key), one.cursor], [['a', 'b'], 'b']);
      const two = await broker.readState(q, { cursor: one.cursor, limit: 2 }, persistent);
      const three = await broker.readState(q, { cursor: two.cursor, limit: 2 }, persistent);
      assert.deepEqual([two.entries.map((e) => e.key), three.entries.map((e) => e.key), three.cursor], [['c', 'd'], ['e'], '']);
      assert.deepEqual(three.entries.map((e) => [e.offset, e.tags]), [[3, { k: 'e' }]]);
      const all = await broker.readState(q, { cursor: '', limit: -1 }, persistent);
      assert.deepEqual([all.entries.map((e) => e.key), all.cursor, all.position.offset], [['a', 'b', 'c', 'd', 'e'], '', 5]);
      const none = await broker.readState(q, { cursor: '', limit: 0 }, persistent);
      assert.deepEqual([none.entries, none.position], [[], all.position]);
      const stream = await broker.readStream(q, { limit: -1, reverse: false }, persistent);
      assert.deepEqual(stream.entries.map((e) => [e.offset, e.key]), [[3, 'e'], [4, 'a'], [5, 'c']]);
      assert.equal(stream.position.offset, 5);
      const since = await broker.readStream(q, { since: { offset: 3, epoch: stream.position.epoch }, limit: 1, reverse: false }, persistent);
      assert.deepEqual(since.entries.map((e) => e.offset), [4]);
      const back = await broker.readStream(q, { since: { offset: 5, epoch: stream.position.epoch }, limit: 1, reverse: true }, persistent);
      assert.deepEqual(back.entries.map((e) => e.offset), [4]);
      const newestFirst = await broker.readStream(q, { limit: -1, reverse: true }, persistent);
      assert.deepEqual(newestFirst.entries.map((e) => e.offset), [5, 4, 3]);
      assert.deepEqual((await broker.readState(q, { cursor: '', limit: -1, key: 'c' }, persistent)).entries.map((e) => text(e.data)), ['c']);
      assert.deepEqual((await broker.readState(q, { cursor: '', limit: -1, key: 'zz' }, persistent)).entries, []);
      assert.deepEqual(await broker.stats(q, persistent), { numKeys: 5 });
    });

    it('keeps no stream in ephemeral mode, yet an epoch', async (t) => {
      const { broker, channel } = await setup(t);
      const e = await channel();
      const w = await broker.publish(e, 'k', { data: bytes('1') }, ephemeral);
      assert.equal(w.position.offset, 0);
      assert.equal(w.position.epoch.length, 8);
      const stream = await broker.readStream(e, { limit: -1, reverse: false }, ephemeral);
      assert.deepEqual([stream.entries, stream.position], [[], w.position]);
      const state = await broker.readState(e, { cursor: '', limit: -1 }, ephemeral);
      assert.deepEqual(state.entries.map((x) => [x.key, x.offset]), [['k', 0]]);
    });

    it('expires keys after their TTL and delivers the removal, in the stream when there is one', async (t) => {
      const { broker, clock, rec, channel } = await setup(t);
      const e = await channel();
      const r = await channel();
      await broker.publish(e, 'gone', { data: bytes('1'), tags: { t: 'x' } }, ephemeral);
      await broker.publish(r, 'gone', { data: bytes('1') }, recoverable);
      clock.t += 2001;
      // Expired keys are no longer read, even before their removal is out.
      assert.deepEqual((await broker.readState(e, { cursor: '', limit: -1 }, ephemeral)).entries, []);
      await until(() => rec.of(e).length === 2 && rec.of(r).length === 2, 8000);
      const removals = [...rec.of(e), ...rec.of(r)].filter((s) => s.pub.removed);
      assert.deepEqual(removals.map((s) => [s.channel, s.pub.key, s.pub.offset]), [[e, 'gone', 0], [r, 'gone', 2]]);
      assert.deepEqual(removals[0]!.pub.tags, { t: 'x' });
      const stream = await broker.readStream(r, { limit: -1, reverse: false }, recoverable);
      assert.deepEqual(stream.entries.map((x) => [x.offset, x.removed ?? false]), [[1, false], [2, true]]);
      assert.deepEqual(await broker.stats(e, ephemeral), { numKeys: 0 });
    });

    it('keeps a key alive with a suppressed keepalive write', async (t) => {
      const { broker, clock, channel } = await setup(t);
      const e = await channel();
      await broker.publish(e, 'alive', { data: bytes('1') }, ephemeral);
      clock.t += 1500;
      const keep = await broker.publish(e, 'alive', { data: bytes('1'), keyMode: 'if_new', refreshTtlOnSuppress: true }, ephemeral);
      assert.equal(keep.suppressReason, 'key_exists');
      clock.t += 1500;
      assert.equal((await broker.readState(e, { cursor: '', limit: -1 }, ephemeral)).entries.length, 1);
    });

    it('starts a new epoch after clear and after the meta TTL', async (t) => {
      const { broker, clock, channel } = await setup(t);
      const c = await channel();
      const shortMeta = { ...recoverable, keyTtl: 100, streamTtl: 100, metaTtl: 300 };
      const before = await broker.publish(c, 'k', { data: bytes('1') }, shortMeta);
      await broker.clear(c, shortMeta);
      assert.deepEqual(await broker.stats(c, shortMeta), { numKeys: 0 });
      const cleared = await broker.publish(c, 'k', { data: bytes('1') }, shortMeta);
      assert.notEqual(cleared.position.epoch, before.position.epoch);
      assert.equal(cleared.position.offset, 1);
      // The memory broker counts TTLs on the clock, Redis on its own: both move.
      clock.t += 301;
      await until(async () => (await broker.readStream(c, { limit: 0, reverse: false }, shortMeta)).position.epoch !== cleared.position.epoch, 5000);
      const expired = await broker.readStream(c, { limit: -1, reverse: false }, shortMeta);
      assert.deepEqual([expired.position.offset, expired.entries], [0, []]);
    });

    it('shares maps between brokers: a write through one is read and delivered by another, an expiry delivered once', { skip: factory.shared ? false : `${name} lives in one process` }, async (t) => {
      const one = await setup(t);
      const clock = one.clock;
      const other = await factory.make(clock);
      const rec = new Recorder();
      await other.broker.run(rec);
      t.after(other.close);
      const c = await one.channel();
      await other.broker.subscribe(c);
      const w = await other.broker.publish(c, 'k', { data: bytes('v'), delta: true }, recoverable);
      const state = await one.broker.readState(c, { cursor: '', limit: -1 }, recoverable);
      assert.deepEqual([state.entries.map((e) => text(e.data)), state.position], [['v'], w.position]);
      clock.t += 2001;
      await until(() => rec.of(c).length === 2 && one.rec.of(c).length === 2, 8000);
      // Both brokers run the TTL cleanup; later changes on the channel come after any duplicate would have.
      await one.broker.publish(c, 'marker', { data: bytes('m') }, recoverable);
      await until(() => rec.of(c).length >= 3 && one.rec.of(c).length >= 3, 5000);
      for (const r of [rec, one.rec]) assert.deepEqual(r.of(c).map((s) => [s.pub.key, s.pub.offset, s.pub.removed ?? false]), [['k', 1, false], ['k', 2, true], ['marker', 3, false]]);
    });
  });
}
