import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { FrameDecodeError, protoPath, protobufCodec } from '../../src/protocol/index.js';

const root = protobuf.loadSync(protoPath('client.proto'));
const Command = root.lookupType('centrifugal.centrifuge.protocol.Command');
const Reply = root.lookupType('centrifugal.centrifuge.protocol.Reply');

describe('protobuf codec', () => {
  it('decodes varint-delimited commands, several per frame', () => {
    const frame = Buffer.concat([
      Command.encodeDelimited({ id: 1, connect: { token: 'tok', name: 'js' } }).finish(),
      Command.encodeDelimited({ id: 2, subscribe: { channel: 'ch', recover: true, offset: 9, epoch: 'e' } }).finish(),
      Command.encodeDelimited({}).finish(),
    ]);
    const cmds = protobufCodec.decodeCommands(frame);
    assert.equal(cmds.length, 3);
    assert.equal(cmds[0]!.connect!.token, 'tok');
    assert.equal(cmds[1]!.subscribe!.offset, 9);
    assert.equal(cmds[1]!.subscribe!.recover, true);
    assert.equal(cmds[2]!.id, 0);
  });

  it('encodes a ping as a single zero byte', () => {
    assert.deepEqual([...protobufCodec.encodeReply({})], [0]);
  });

  it('round-trips a publication push with raw bytes', () => {
    const bytes = protobufCodec.encodeReply({ push: { channel: 'c', pub: { data: Buffer.from([0, 1, 2]), offset: 3 } } });
    const decoded = Reply.toObject(Reply.decodeDelimited(bytes), { longs: Number }) as { push: { channel: string; pub: { data: Uint8Array; offset: number } } };
    assert.equal(decoded.push.channel, 'c');
    assert.deepEqual([...decoded.push.pub.data], [0, 1, 2]);
    assert.equal(decoded.push.pub.offset, 3);
  });

  it('rejects a truncated frame', () => {
    const full = Command.encodeDelimited({ id: 1, connect: { token: 'abcdef' } }).finish();
    assert.throws(() => protobufCodec.decodeCommands(full.subarray(0, full.length - 2)), FrameDecodeError);
  });
});
