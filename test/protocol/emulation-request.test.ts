import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { FrameDecodeError, decodeEmulationRequest, protoPath } from '../../src/protocol/index.js';

const root = protobuf.loadSync(protoPath('client.proto'));
const EmulationRequest = root.lookupType('centrifugal.centrifuge.protocol.EmulationRequest');

describe('EmulationRequest decoding', () => {
  it('reads JSON with the commands as a JSON string', () => {
    const body = Buffer.from(JSON.stringify({ node: 'n1', session: 's1', data: '{"id":2,"subscribe":{"channel":"a"}}\n{}' }));
    const req = decodeEmulationRequest(body, 'json');
    assert.equal(req.node, 'n1');
    assert.equal(req.session, 's1');
    assert.equal(Buffer.from(req.data).toString(), '{"id":2,"subscribe":{"channel":"a"}}\n{}');
  });

  it('reads a plain protobuf message with raw command bytes', () => {
    const body = EmulationRequest.encode({ node: 'n1', session: 's1', data: Buffer.from([1, 2, 3]) }).finish();
    const req = decodeEmulationRequest(body, 'protobuf');
    assert.deepEqual({ node: req.node, session: req.session, data: [...req.data] }, { node: 'n1', session: 's1', data: [1, 2, 3] });
  });

  it('fills absent fields with empty values', () => {
    const req = decodeEmulationRequest(Buffer.from('{}'), 'json');
    assert.deepEqual({ node: req.node, session: req.session, size: req.data.length }, { node: '', session: '', size: 0 });
  });

  it('refuses anything else with FrameDecodeError', () => {
    const bad: Array<[string, 'json' | 'protobuf']> = [
      ['nope', 'json'],
      ['[]', 'json'],
      ['null', 'json'],
      ['{"data":{"id":1}}', 'json'],
      ['{"node":1}', 'json'],
      ['\xff\xff\xff', 'protobuf'],
    ];
    for (const [text, enc] of bad) {
      assert.throws(() => decodeEmulationRequest(Buffer.from(text, 'latin1'), enc), FrameDecodeError, text);
    }
  });
});
