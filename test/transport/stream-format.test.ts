import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonCodec } from '../../src/protocol/index.js';
import { jsonLines, protobufDelimited, sseEvents } from '../../src/transport/emulation/stream-format.js';

const joined = (...replies: string[]): Uint8Array => jsonCodec.joinFrame(replies.map((r) => Buffer.from(r)));
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('stream formats', () => {
  it('ends every JSON line, the last one too', () => {
    assert.equal(text(jsonLines.frame(joined('{"id":1}'))), '{"id":1}\n');
    assert.equal(text(jsonLines.frame(joined('{"id":1}', '{}'))), '{"id":1}\n{}\n');
  });

  it('passes varint-delimited protobuf through', () => {
    const frame = Buffer.from([2, 8, 1, 0]);
    assert.equal(protobufDelimited.frame(frame), frame);
  });

  it('gives every reply its own SSE event, and drops raw carriage returns', () => {
    assert.equal(text(sseEvents.frame(joined('{"id":1}'))), 'data: {"id":1}\n\n');
    assert.equal(text(sseEvents.frame(joined('{"id":1}', '{}', '{"push":{"pub":{"data":{"a":\r1}}}}'))),
      'data: {"id":1}\n\ndata: {}\n\ndata: {"push":{"pub":{"data":{"a":1}}}}\n\n');
    assert.equal(text(sseEvents.preamble!), '\r\n');
  });

  it('keeps multi-byte text intact', () => {
    assert.equal(text(sseEvents.frame(joined('{"t":"héllo ✓"}'))), 'data: {"t":"héllo ✓"}\n\n');
  });
});
