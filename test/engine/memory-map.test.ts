import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryMapBroker } from '../../src/engine/memory/index.js';
import type { MapChannelOptions, MapEventHandler, MapPublication } from '../../src/engine/index.js';
import type { StreamPosition } from '../../src/protocol/index.js';
import { ManualClock } from '../helpers/clock.js';
import { until } from '../helpers/until.js';

/*
 * The memory map broker: offsets and epochs, the write checks in their order, state paging,
 * stream reads and trimming, and the TTLs, with every change handed to the listener in
 * offset order together with the key's previous value.
 */

const persistent: MapChannelOptions = { hasStream: true, keyTtl: 0, streamSize: 3, streamTtl: 60_000, metaTtl: 0 };
const ephemeral: MapChannelOptions = { hasStream: false, keyTtl: 2000, streamSize: 0, streamTtl: 0, metaTtl: 0 };
const recoverable: MapChannelOptions = { hasStream: true, keyTtl: 2000, streamSize: 10, streamTtl: 60_000, metaTtl: 20_000 };

const bytes = (s: string): Uint8Array => Buffer.from(s);
const text = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString() : undefined);

interface Seen {
  channel: string;
  pub: MapPublication;
  position: StreamPosition;
  prev: string | undefined;
}

describe('memory map broker', () => {
  const clock = new ManualClock();
  const broker = new MemoryMapBroker({ clock });
  const seen: Seen[] = [];
  const handler: MapEventHandler = {
    handleMapPublication: (channel, pub, position, _delta, prevData) => seen.push({ channel, pub, position, prev: text(prevData) }),
  };

  before(async () => {
    await broker.run(handler);
    for (const ch of ['p', 'e', 'r', 'c']) await broker.subscribe(ch);
  });
  after(() => broker.close());

  it('counts every write and removal in one stream and hands over the previous value', async () => {
    seen.length = 0;
    const a = await broker.publish('p', 'a', { data: bytes('1') }, persistent);
    const b = await broker.publish('p', 'a', { data: bytes('2') }, persistent);
    const r = await broker.remove('p', 'a', {}, persistent);
    assert.deepEqual([a.position.offset, b.position.offset, r.position.offset], [1, 2, 3]);
    assert.equal(new Set([a.position.epoch, b.position.epoch, r.position.epoch]).size, 1);
    assert.deepEqual(seen.map((s) => [s.pub.offset, s.pub.key, s.pub.removed ?? false, s.prev]), [[1, 'a', false, undefined], [2, 'a', false, '1'], [3, 'a', true, undefined]]);
    assert.deepEqual(await broker.remove('p', 'a', {}, persistent), { position: r.position, suppressed: true, suppressReason: 'key_not_found' });
  });

  it('suppresses by idempotency, then version, then key mode, then expected position', async () => {
    const first = await broker.publish('c', 'k', { data: bytes('1'), idempotencyKey: 'i1', version: 5 }, persistent);
    assert.equal((await broker.publish('c', 'k', { data: bytes('x'), idempotencyKey: 'i1' }, persistent)).suppressReason, 'idempotency');
    assert.equal((await broker.publish('c', 'k', { data: bytes('x'), version: 5 }, persistent)).suppressReason, 'version');
    assert.equal((await broker.publish('c', 'k', { data: bytes('x'), keyMode: 'if_new' }, persistent)).suppressReason, 'key_exists');
    assert.equal((await broker.publish('c', 'z', { data: bytes('x'), keyMode: 'if_exists' }, persistent)).suppressReason, 'key_not_found');
    const stale = { offset: first.position.offset - 1, epoch: first.position.epoch };
    assert.equal((await broker.publish('c', 'k', { data: bytes('x'), expectedPosition: stale }, persistent)).suppressReason, 'position_mismatch');
    const ok = await broker.publish('c', 'k', { data: bytes('2'), version: 6, expectedPosition: first.position }, persistent);
    assert.equal(ok.suppressed, false);
    assert.equal(ok.position.offset, first.position.offset + 1);
  });

  it('pages state in key order and trims the stream to its size', async () => {
    for (const k of ['d', 'b', 'e', 'a', 'c']) await broker.publish('q', k, { data: bytes(k) }, persistent);
    const one = await broker.readState('q', { cursor: '', limit: 2 }, persistent);
    assert.deepEqual([one.entries.map((e) => e.key), one.cursor], [['a', 'b'], 'b']);
    const two = await broker.readState('q', { cursor: one.cursor, limit: 2 }, persistent);
    const three = await broker.readState('q', { cursor: two.cursor, limit: 2 }, persistent);
    assert.deepEqual([two.entries.map((e) => e.key), three.entries.map((e) => e.key), three.cursor], [['c', 'd'], ['e'], '']);
    const stream = await broker.readStream('q', { limit: -1, reverse: false }, persistent);
    assert.deepEqual(stream.entries.map((e) => e.offset), [3, 4, 5]);
    assert.equal(stream.position.offset, 5);
    const back = await broker.readStream('q', { since: { offset: 5, epoch: stream.position.epoch }, limit: 1, reverse: true }, persistent);
    assert.deepEqual(back.entries.map((e) => e.offset), [4]);
    assert.deepEqual((await broker.readState('q', { cursor: '', limit: -1, key: 'c' }, persistent)).entries.map((e) => text(e.data)), ['c']);
    assert.deepEqual(await broker.stats('q', persistent), { numKeys: 5 });
  });

  it('expires keys after their TTL and delivers the removal, in the stream when there is one', async () => {
    seen.length = 0;
    await broker.publish('e', 'gone', { data: bytes('1'), tags: { t: 'x' } }, ephemeral);
    await broker.publish('r', 'gone', { data: bytes('1') }, recoverable);
    clock.t += 2001;
    await until(() => seen.filter((s) => s.pub.removed).length === 2, 5000);
    const removals = seen.filter((s) => s.pub.removed);
    assert.deepEqual(removals.map((s) => [s.channel, s.pub.key, s.pub.offset]), [['e', 'gone', 0], ['r', 'gone', 2]]);
    assert.deepEqual(removals[0]!.pub.tags, { t: 'x' });
    const stream = await broker.readStream('r', { limit: -1, reverse: false }, recoverable);
    assert.deepEqual(stream.entries.map((e) => [e.offset, e.removed ?? false]), [[1, false], [2, true]]);
  });

  it('keeps a key alive with a suppressed keepalive write', async () => {
    await broker.publish('e', 'alive', { data: bytes('1') }, ephemeral);
    clock.t += 1500;
    const keep = await broker.publish('e', 'alive', { data: bytes('1'), keyMode: 'if_new', refreshTtlOnSuppress: true }, ephemeral);
    assert.equal(keep.suppressReason, 'key_exists');
    clock.t += 1500;
    assert.equal((await broker.readState('e', { cursor: '', limit: -1 }, ephemeral)).entries.length, 1);
  });

  it('starts a new epoch after clear and after the meta TTL', async () => {
    const before = await broker.publish('c', 'k', { data: bytes('1') }, recoverable);
    await broker.clear('c', recoverable);
    const cleared = await broker.publish('c', 'k', { data: bytes('1') }, recoverable);
    assert.notEqual(cleared.position.epoch, before.position.epoch);
    assert.equal(cleared.position.offset, 1);
    clock.t += 20_001;
    const expired = await broker.readStream('c', { limit: 0, reverse: false }, recoverable);
    assert.notEqual(expired.position.epoch, cleared.position.epoch);
    assert.equal(expired.position.offset, 0);
  });
});
