import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import type { Transport } from '../../src/node/transport.js';
import { ClientWriter } from '../../src/node/writer.js';
import { jsonCodec, protobufCodec, type ProtocolCodec } from '../../src/protocol/index.js';

/** A transport that keeps what it was given, the way a socket would take it. */
class RecordingTransport implements Transport {
  readonly name = 'test';
  readonly protocol = 'json' as const;
  readonly emulation = false;
  readonly pong = true;
  readonly remoteAddr = '';
  readonly request = { headers: {}, ip: '' };
  frames: Uint8Array[] = [];
  bufferedAmount(): number {
    return 0;
  }
  write(frame: Uint8Array): void {
    this.frames.push(frame);
  }
  close(): void {}
}

/** A writer for a transport, as a session would own it. */
function writerFor(transport: Transport, codec: ProtocolCodec, maxQueueBytes: number, onWriterOverflow: () => void): ClientWriter {
  return new ClientWriter({ transport, codec, maxQueueBytes, onWriterOverflow });
}

const text = (b: Uint8Array): string => Buffer.from(b).toString();

describe('ClientWriter', () => {
  it('joins what one turn queued into one newline-separated frame', async () => {
    const t = new RecordingTransport();
    const w = writerFor(t, jsonCodec, 1 << 20, () => assert.fail('overflow'));
    w.enqueue(Buffer.from('{"a":1}'));
    w.enqueue(Buffer.from('{"b":2}'));
    await turn();
    assert.deepEqual(t.frames.map(text), ['{"a":1}\n{"b":2}']);
  });

  it('hands writers holding the same shared messages the same joined frame', async () => {
    const one = Buffer.from('{"push":1}');
    const two = Buffer.from('{"push":2}');
    const transports = [new RecordingTransport(), new RecordingTransport(), new RecordingTransport()];
    const writers = transports.map((t) => writerFor(t, jsonCodec, 1 << 20, () => assert.fail('overflow')));
    for (const w of writers) {
      w.enqueue(one);
      w.enqueue(two);
    }
    const other = new RecordingTransport();
    const odd = writerFor(other, jsonCodec, 1 << 20, () => assert.fail('overflow'));
    odd.enqueue(one);
    odd.enqueue(Buffer.from('{"own":3}'));
    await turn();
    const [first] = transports[0]!.frames;
    assert.equal(text(first!), '{"push":1}\n{"push":2}');
    // One joined buffer for every writer with the same queue: the transport can frame it once.
    for (const t of transports) assert.equal(t.frames[0], first);
    assert.equal(text(other.frames[0]!), '{"push":1}\n{"own":3}');
  });

  it('passes a single message through as the same buffer, and keeps protocols apart', async () => {
    const msg = Buffer.from([1, 2, 3]);
    const json = new RecordingTransport();
    const binary = new RecordingTransport();
    writerFor(json, jsonCodec, 1 << 20, () => {}).enqueue(msg);
    const wb = writerFor(binary, protobufCodec, 1 << 20, () => {});
    wb.enqueue(msg);
    wb.enqueue(msg);
    await turn();
    assert.equal(json.frames[0], msg);
    assert.deepEqual([...binary.frames[0]!], [1, 2, 3, 1, 2, 3]);
  });

  it('refuses and reports a queue over its byte limit', async () => {
    const t = new RecordingTransport();
    let overflowed = 0;
    const w = writerFor(t, jsonCodec, 10, () => overflowed++);
    assert.equal(w.enqueue(Buffer.from('12345')), true);
    assert.equal(w.enqueue(Buffer.from('1234567')), false);
    assert.equal(overflowed, 1);
    await turn();
    assert.deepEqual(t.frames, []);
  });
});
