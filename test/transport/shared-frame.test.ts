import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedFrame, sharedSplitFrames, wholeFrame } from '../../src/transport/ws/shared-frame.js';

describe('WebSocket frames built once', () => {
  it('builds an unmasked final frame, header and payload in one buffer', () => {
    const small = wholeFrame(Buffer.from('hello'), false);
    assert.deepEqual([...small.subarray(0, 2)], [0x81, 5]);
    assert.equal(small.subarray(2).toString(), 'hello');
    const binary = wholeFrame(Buffer.alloc(200, 7), true);
    // 126 announces a 16-bit length.
    assert.deepEqual([...binary.subarray(0, 4)], [0x82, 126, 0, 200]);
    assert.equal(binary.length, 204);
  });

  it('reuses the frame for the same payload object, and only for it', () => {
    const payload = Buffer.from('{"push":{}}');
    const a = sharedFrame(payload, false);
    assert.equal(sharedFrame(payload, false), a);
    const asBinary = sharedFrame(payload, true);
    assert.notEqual(asBinary, a);
    assert.equal(asBinary[0], 0x82);
    const copy = Buffer.from(payload);
    const b = sharedFrame(copy, false);
    assert.notEqual(b, a);
    assert.deepEqual(b, a);
  });

  it('splits newline-joined JSON into one frame per message, built once per payload object', () => {
    const joined = Buffer.from('{"a":1}\n{}\n{"b":2}');
    const frames = sharedSplitFrames(joined);
    assert.deepEqual(frames, Buffer.concat([wholeFrame(Buffer.from('{"a":1}'), false), wholeFrame(Buffer.from('{}'), false), wholeFrame(Buffer.from('{"b":2}'), false)]));
    assert.equal(sharedSplitFrames(joined), frames);
    assert.notEqual(sharedSplitFrames(Buffer.from(joined)), frames);
  });
});
