import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyDelta } from 'fossil-delta';
import protobuf from 'protobufjs';
import { PublicationFanout } from '../../../src/node/channels/publication-fanout.js';
import { jsonCodec, protoPath, protobufCodec } from '../../../src/protocol/index.js';
import { checkProperty } from '../../helpers/property.js';

/**
 * Delta delivery as a subscriber sees it: whatever the fan-out sends (a patch or the full
 * payload), applying it to the payload the subscriber already holds gives the new payload
 * byte for byte, in JSON (patch and payload as JSON strings) and in protobuf (raw bytes).
 */

const ReplyType = protobuf.loadSync(protoPath('client.proto')).lookupType('centrifugal.centrifuge.protocol.Reply');

interface SeenPub {
  data: Uint8Array;
  delta: boolean;
}

function readJson(frame: Uint8Array): SeenPub {
  const pub = (JSON.parse(Buffer.from(frame).toString('utf8')) as { push: { pub: { data: string; delta?: boolean } } }).push.pub;
  // Delta-negotiated JSON clients receive data as a string: the payload text or the patch text.
  return { data: Buffer.from(pub.data, 'utf8'), delta: pub.delta === true };
}

function readProtobuf(frame: Uint8Array): SeenPub {
  const r = ReplyType.toObject(ReplyType.decodeDelimited(frame)) as { push: { pub: { data?: Uint8Array; delta?: boolean } } };
  return { data: r.push.pub.data ?? new Uint8Array(0), delta: r.push.pub.delta === true };
}

/** JSON payloads that share much of their text, so that patches are often smaller than the payload. */
const payload = fc
  .record({ id: fc.nat(50), name: fc.constantFrom('alpha', 'beta', 'gamma'), items: fc.array(fc.nat(9), { maxLength: 30 }), note: fc.string({ maxLength: 40, unit: 'grapheme' }) })
  .map((v) => Buffer.from(JSON.stringify(v)));

describe('delta properties', () => {
  it('a subscriber rebuilds every payload from what it receives, in JSON and in protobuf', () => {
    let patches = 0;
    checkProperty(
      fc.property(fc.array(payload, { minLength: 2, maxLength: 6 }), (payloads) => {
        for (const [codec, read] of [[jsonCodec, readJson], [protobufCodec, readProtobuf]] as const) {
          let held: Uint8Array | undefined;
          payloads.forEach((data, i) => {
            const offset = i + 1;
            const fanout = new PublicationFanout('ch', { data, offset }, held ? { offset: offset - 1, data: payloads[i - 1]! } : undefined, true);
            const frame = fanout.delta(codec, false) ?? fanout.fullForDelta(codec, false);
            assert.ok(frame, 'a JSON payload is never refused');
            const seen = read(frame);
            if (seen.delta) patches++;
            const now = seen.delta ? Uint8Array.from(applyDelta(held!, seen.data)) : seen.data;
            assert.deepEqual(Buffer.from(now), data, `${codec.name} publication ${offset}`);
            held = now;
          });
        }
      }),
      300,
    );
    assert.ok(patches > 100, `patches were sent ${patches} times`);
  });

  it('no patch is sent across a gap in offsets', () =>
    checkProperty(
      fc.property(payload, payload, fc.integer({ min: 2, max: 5 }), (before, after, gap) => {
        const fanout = new PublicationFanout('ch', { data: after, offset: 10 }, { offset: 10 - gap, data: before }, true);
        assert.equal(fanout.delta(protobufCodec, false), undefined);
        assert.equal(fanout.delta(jsonCodec, false), undefined);
      }),
      100,
    ));
});
