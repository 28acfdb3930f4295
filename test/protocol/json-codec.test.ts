import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecodeError, PayloadNotJsonError, jsonCodec, protobufCodec, type Reply } from '../../src/protocol/index.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString();

describe('JSON codec', () => {
  it('decodes every command of a newline-joined frame, skipping blank lines', () => {
    const frame = Buffer.from('{"id":1,"connect":{"token":"t","name":"js"}}\n\n{"id":2,"subscribe":{"channel":"a","recover":true,"offset":5,"epoch":"e","join_leave":true}}\n{}');
    const cmds = jsonCodec.decodeCommands(frame);
    assert.equal(cmds.length, 3);
    assert.equal(cmds[0]!.connect?.token, 't');
    // Fields the frame does not carry decode as undefined.
    const given = Object.fromEntries(Object.entries(cmds[1]!.subscribe!).filter(([, v]) => v !== undefined));
    assert.deepEqual(given, { channel: 'a', recover: true, epoch: 'e', offset: 5, joinLeave: true });
    assert.equal(cmds[2]!.id, 0);
  });

  it('keeps payloads as compact JSON bytes', () => {
    const [cmd] = jsonCodec.decodeCommands(Buffer.from('{"id":3,"publish":{"channel":"c","data":{"a": [1, 2]}}}'));
    assert.equal(text(cmd!.publish!.data!), '{"a":[1,2]}');
  });

  it('ignores unknown fields but rejects wrong types', () => {
    const [cmd] = jsonCodec.decodeCommands(Buffer.from('{"id":1,"subscribe":{"channel":"x","type":0,"future":true}}'));
    assert.equal(cmd!.subscribe!.channel, 'x');
    assert.throws(() => jsonCodec.decodeCommands(Buffer.from('{"id":"one"}')), FrameDecodeError);
    assert.throws(() => jsonCodec.decodeCommands(Buffer.from('{"id":1,"history":{"channel":"x","limit":1.5}}')), FrameDecodeError);
    assert.throws(() => jsonCodec.decodeCommands(Buffer.from('[1]')), FrameDecodeError);
    assert.throws(() => jsonCodec.decodeCommands(Buffer.from('{')), FrameDecodeError);
  });

  it('embeds raw payload bytes and omits zero values', () => {
    const data = Buffer.from('{"text":"hi"}');
    const out = text(jsonCodec.encodeReply({ push: { channel: 'news', pub: { data, offset: 7, info: { user: '', client: 'c1' } } } }));
    assert.equal(out, '{"push":{"channel":"news","pub":{"data":{"text":"hi"},"info":{"user":"","client":"c1"},"offset":7}}}');
    assert.equal(text(jsonCodec.encodeReply({})), '{}');
    assert.equal(text(jsonCodec.encodeReply({ id: 3, publish: {} })), '{"id":3,"publish":{}}');
  });

  it('always includes the fields SDKs dereference', () => {
    assert.equal(text(jsonCodec.encodeReply({ id: 1, history: { publications: [], epoch: '', offset: 0 } })), '{"id":1,"history":{"publications":[],"epoch":"","offset":0}}');
    assert.equal(text(jsonCodec.encodeReply({ id: 1, presence: { presence: {} } })), '{"id":1,"presence":{"presence":{}}}');
    assert.equal(
      text(jsonCodec.encodeReply({ id: 1, presenceStats: { numClients: 0, numUsers: 0 } })),
      '{"id":1,"presence_stats":{"num_clients":0,"num_users":0}}',
    );
  });

  it('carries the channel compaction id in a subscribe result and, in place of the name, in a push', () => {
    assert.equal(text(jsonCodec.encodeReply({ id: 2, subscribe: { id: 5 } })), '{"id":2,"subscribe":{"id":5}}');
    assert.equal(text(jsonCodec.encodeReply({ push: { id: 5, pub: { data: Buffer.from('1') } } })), '{"push":{"id":5,"pub":{"data":1}}}');
  });

  it('refuses payloads that are not JSON, naming the field, where protobuf carries them', () => {
    const binary = Uint8Array.from([0x08, 0x96, 0x01, 0xff]);
    const cases: Array<[Reply, string]> = [
      [{ push: { channel: 'c', pub: { data: binary } } }, 'data'],
      [{ push: { channel: 'c', join: { info: { user: 'u', client: 'c1', connInfo: Buffer.from('not json') } } } }, 'conn_info'],
      [{ id: 1, presence: { presence: { c1: { user: 'u', client: 'c1', chanInfo: Buffer.from('{"cut":') } } } }, 'chan_info'],
      [{ id: 2, history: { publications: [{ data: Buffer.from('{}') }, { data: binary }], epoch: 'e', offset: 2 } }, 'data'],
      [{ id: 3, rpc: { data: Buffer.from('"unterminated') } }, 'data'],
      [{ id: 4, subscribe: { data: binary } }, 'data'],
      [{ id: 5, connect: { client: 'c1', version: '1', data: binary } }, 'data'],
      [{ push: { channel: 'c', message: { data: binary } } }, 'data'],
    ];
    for (const [reply, field] of cases) {
      assert.throws(
        () => jsonCodec.encodeReply(reply),
        (err) => err instanceof PayloadNotJsonError && err.field === field,
        JSON.stringify(Object.keys(reply)),
      );
      assert.ok(protobufCodec.encodeReply(reply).length > 0);
    }
  });

  it('strips raw newlines from payloads so a frame stays one line per reply', () => {
    const out = text(jsonCodec.encodeReply({ push: { channel: 'c', pub: { data: Buffer.from('{\n"a":1\n}') } } }));
    assert.ok(!out.includes('\n'));
    assert.deepEqual(JSON.parse(out).push.pub.data, { a: 1 });
  });

  it('joins messages of one frame with newlines', () => {
    const frame = jsonCodec.joinFrame([Buffer.from('{}'), Buffer.from('{"id":1}')]);
    assert.equal(text(frame), '{}\n{"id":1}');
  });
});
