import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { jsonCodec, protoPath, protobufCodec, decodePublication, encodePublication, type Reply } from '../../src/protocol/index.js';

/*
 * The map and shared-poll fields of the client protocol (protocol v0.19): subscribe type,
 * phases and state pages, keyed publications, track/untrack batches and map writes, in
 * both codecs. Field numbers are checked byte by byte against the wire tags the SDK uses.
 */

const root = protobuf.loadSync(protoPath('client.proto'));
const Command = root.lookupType('centrifugal.centrifuge.protocol.Command');
const Reply = root.lookupType('centrifugal.centrifuge.protocol.Reply');
const SubscribeRequest = root.lookupType('centrifugal.centrifuge.protocol.SubscribeRequest');
const Publication = root.lookupType('centrifugal.centrifuge.protocol.Publication');

const text = (b: Uint8Array): string => Buffer.from(b).toString();
const json = (o: unknown): Uint8Array => Buffer.from(JSON.stringify(o));
const bytesOf = (s: string): Uint8Array => Buffer.from(s);

describe('map and shared-poll fields: JSON', () => {
  it('decodes a map subscribe with phase, cursor, limit and position', () => {
    const [cmd] = jsonCodec.decodeCommands(
      json({ id: 3, subscribe: { channel: 'positioned:a', type: 1, phase: 2, cursor: 'k2', limit: 2, asc: true, flag: 1, offset: 4, epoch: 'ep' } }),
    );
    const s = cmd!.subscribe!;
    assert.equal(s.type, 1);
    assert.equal(s.phase, 2);
    assert.equal(s.cursor, 'k2');
    assert.equal(s.limit, 2);
    assert.equal(s.asc, true);
    assert.equal(s.offset, 4);
    assert.equal(s.epoch, 'ep');
  });

  it('decodes map publish and remove requests', () => {
    const [pub, rm] = jsonCodec.decodeCommands(
      Buffer.from(
        JSON.stringify({ id: 9, publish: { channel: 'streamless:a', type: 1, key: 'ck1', data: { from: 'client' } } }) +
          '\n' +
          JSON.stringify({ id: 10, publish: { channel: 'streamless:a', type: 1, key: 'ck1', removed: true } }),
      ),
    );
    assert.deepEqual({ ...pub!.publish!, data: text(pub!.publish!.data!) }, { channel: 'streamless:a', type: 1, key: 'ck1', removed: undefined, data: '{"from":"client"}' });
    assert.equal(rm!.publish!.removed, true);
    assert.equal(rm!.publish!.data, undefined);
  });

  it('decodes track batches with inline untrack, and an untrack request', () => {
    const [track, untrack] = jsonCodec.decodeCommands(
      Buffer.from(
        JSON.stringify({ id: 4, sub_refresh: { channel: 'poll:x', type: 1, track: [{ signature: '1:2:ab', items: [{ key: 'k1' }, { key: 'k2', version: 5 }] }], untrack: ['k3'] } }) +
          '\n' +
          JSON.stringify({ id: 5, sub_refresh: { channel: 'poll:x', type: 2, untrack: ['k1'] } }),
      ),
    );
    assert.deepEqual(track!.subRefresh, {
      channel: 'poll:x',
      token: undefined,
      type: 1,
      track: [{ signature: '1:2:ab', items: [{ key: 'k1', version: undefined }, { key: 'k2', version: 5 }] }],
      untrack: ['k3'],
    });
    assert.deepEqual(untrack!.subRefresh!.untrack, ['k1']);
  });

  it('refuses ill-typed track fields with the path', () => {
    assert.throws(() => jsonCodec.decodeCommands(json({ id: 1, sub_refresh: { channel: 'c', type: 1, track: {} } })), /sub_refresh\.track: expected array/);
    assert.throws(() => jsonCodec.decodeCommands(json({ id: 1, sub_refresh: { channel: 'c', untrack: [1] } })), /sub_refresh\.untrack\[0\]: expected string/);
    assert.throws(() => jsonCodec.decodeCommands(json({ id: 1, subscribe: { channel: 'c', phase: 'x' } })), /subscribe\.phase: expected integer/);
  });

  it('encodes a state page with keyed entries, omitting zero values (phase 0, empty epoch)', () => {
    const reply: Reply = {
      id: 3,
      subscribe: {
        type: 1,
        phase: 2,
        cursor: 'p2',
        recoverable: true,
        epoch: 'XyZaBcDe',
        offset: 2,
        state: [{ data: bytesOf('{"x":1}'), key: 'p1', offset: 1 }],
      },
    };
    assert.equal(
      text(jsonCodec.encodeReply(reply)),
      '{"id":3,"subscribe":{"recoverable":true,"epoch":"XyZaBcDe","offset":2,"type":1,"phase":2,"cursor":"p2","state":[{"data":{"x":1},"offset":1,"key":"p1"}]}}',
    );
    const live = text(jsonCodec.encodeReply({ id: 4, subscribe: { type: 1, phase: 0, epoch: '', state: [] } }));
    assert.equal(live, '{"id":4,"subscribe":{"type":1}}');
  });

  it('encodes removals, versions and scores on publications, never prev_data', () => {
    const push = text(
      jsonCodec.encodeReply({ push: { channel: 'm', pub: { data: new Uint8Array(0), key: 'k', removed: true, offset: 6, prevData: bytesOf('{"a":1}') } } }),
    );
    assert.equal(push, '{"push":{"channel":"m","pub":{"offset":6,"key":"k","removed":true}}}');
    const versioned = text(jsonCodec.encodeReply({ push: { channel: 'p', pub: { data: bytesOf('1'), key: 'k', version: 3, score: -2, epoch: 'e' } } }));
    assert.equal(versioned, '{"push":{"channel":"p","pub":{"data":1,"key":"k","score":-2,"epoch":"e","version":3}}}');
  });

  it('encodes a track reply with items and ttl', () => {
    const out = text(jsonCodec.encodeReply({ id: 7, subRefresh: { expires: true, ttl: 30, items: [{ data: bytesOf('{"v":1}'), key: 'k', version: 2 }] } }));
    assert.equal(out, '{"id":7,"sub_refresh":{"expires":true,"ttl":30,"items":[{"data":{"v":1},"key":"k","version":2}]}}');
    assert.equal(text(jsonCodec.encodeReply({ id: 8, subRefresh: {} })), '{"id":8,"sub_refresh":{}}');
  });

  it('encodes publish_debounce', () => {
    assert.equal(text(jsonCodec.encodeReply({ id: 1, subscribe: { type: 1, publishDebounce: 50 } })), '{"id":1,"subscribe":{"type":1,"publish_debounce":50}}');
  });
});

describe('map and shared-poll fields: protobuf', () => {
  it('uses the wire tags of protocol v0.19', () => {
    // field << 3 | wire type: type=15 (varint) is tag 120, phase=16 is 128 1, cursor=17 (len) is 138 1.
    const bytes = SubscribeRequest.encode({ type: 1, phase: 2, cursor: 'c', limit: 2, asc: true }).finish();
    assert.deepEqual([...bytes], [120, 1, 128, 1, 2, 138, 1, 1, 99, 144, 1, 2, 152, 1, 1]);
    const pub = Publication.encode({ key: 'k', removed: true, score: -1, epoch: 'e', prevData: Buffer.from([7]), version: 3 }).finish();
    assert.deepEqual([...pub], [90, 1, 107, 96, 1, 104, 1, 114, 1, 101, 122, 1, 7, 128, 1, 3]);
  });

  it('decodes map subscribe, map publish and track commands', () => {
    const frame = Buffer.concat([
      Command.encodeDelimited({ id: 1, subscribe: { channel: 'm', type: 2, phase: 1, offset: 5, epoch: 'ep', recover: true, limit: 100 } }).finish(),
      Command.encodeDelimited({ id: 2, publish: { channel: 'm', type: 1, key: 'k', removed: true } }).finish(),
      Command.encodeDelimited({
        id: 3,
        subRefresh: { channel: 'p', type: 1, track: [{ signature: 's', items: [{ key: 'a', version: 7 }, { key: 'b' }] }], untrack: ['c'] },
      }).finish(),
    ]);
    const [sub, pub, track] = protobufCodec.decodeCommands(frame);
    assert.equal(sub!.subscribe!.type, 2);
    assert.equal(sub!.subscribe!.phase, 1);
    assert.equal(sub!.subscribe!.limit, 100);
    assert.deepEqual({ ...pub!.publish }, { channel: 'm', type: 1, key: 'k', removed: true });
    const r = track!.subRefresh!;
    assert.equal(r.type, 1);
    assert.equal(r.track![0]!.signature, 's');
    assert.deepEqual(r.track![0]!.items!.map((i) => ({ ...i })), [{ key: 'a', version: 7 }, { key: 'b' }]);
    assert.deepEqual(r.untrack, ['c']);
  });

  it('round-trips a state reply and a removal push', () => {
    const bytes = protobufCodec.encodeReply({
      id: 3,
      subscribe: { type: 1, phase: 2, cursor: 'x', epoch: 'E', offset: 4, state: [{ data: bytesOf('{"v":1}'), key: 'k', offset: 4 }], publishDebounce: 50 },
    });
    const out = Reply.toObject(Reply.decodeDelimited(bytes), { longs: Number }) as {
      subscribe: { type: number; phase: number; cursor: string; state: Array<{ key: string; offset: number; data: Uint8Array }>; publishDebounce: number };
    };
    assert.equal(out.subscribe.type, 1);
    assert.equal(out.subscribe.phase, 2);
    assert.equal(out.subscribe.cursor, 'x');
    assert.equal(out.subscribe.publishDebounce, 50);
    assert.equal(out.subscribe.state[0]!.key, 'k');
    assert.equal(text(out.subscribe.state[0]!.data), '{"v":1}');
    const push = protobufCodec.encodeReply({ push: { channel: 'm', pub: { data: new Uint8Array(0), key: 'gone', removed: true, offset: 9 } } });
    const p = Reply.toObject(Reply.decodeDelimited(push), { longs: Number }) as { push: { pub: { key: string; removed: boolean; offset: number; data?: Uint8Array } } };
    assert.deepEqual({ key: p.push.pub.key, removed: p.push.pub.removed, offset: p.push.pub.offset, size: p.push.pub.data?.length ?? 0 }, { key: 'gone', removed: true, offset: 9, size: 0 });
  });

  it('keeps prev_data and version in the engine envelope of a publication', () => {
    const pub = decodePublication(encodePublication({ data: bytesOf('{"v":2}'), key: 'k', prevData: bytesOf('{"v":1}'), version: 2, offset: 3 }));
    assert.equal(pub.key, 'k');
    assert.equal(text(pub.prevData!), '{"v":1}');
    assert.equal(pub.version, 2);
  });

  it('encodes a sub_refresh reply with items', () => {
    const bytes = protobufCodec.encodeReply({ id: 5, subRefresh: { expires: true, ttl: 6, items: [{ data: bytesOf('1'), key: 'k', version: 1 }] } });
    const out = Reply.toObject(Reply.decodeDelimited(bytes), { longs: Number }) as { subRefresh: { ttl: number; items: Array<{ key: string; version: number }> } };
    assert.equal(out.subRefresh.ttl, 6);
    assert.equal(out.subRefresh.items[0]!.key, 'k');
    assert.equal(out.subRefresh.items[0]!.version, 1);
  });
});
