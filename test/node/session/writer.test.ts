import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { until } from '../../helpers/until.js';
import { setImmediate as turn } from 'node:timers/promises';
import { TimerWheel, systemClock } from '../../../src/lib/index.js';
import type { Transport } from '../../../src/node/transport.js';
import { ClientWriter, type WriterOwner } from '../../../src/node/session/writer.js';
import { WriteBatches, type BatchTimers } from '../../../src/node/session/write-batches.js';
import { jsonCodec, protobufCodec, type ProtocolCodec } from '../../../src/protocol/index.js';

/** A transport that keeps what it was given, the way a socket would take it. */
class RecordingTransport implements Transport {
  readonly name = 'test';
  readonly protocol = 'json' as const;
  readonly emulation = false;
  readonly unidirectional = false;
  readonly pong = true;
  readonly pings = true;
  readonly disconnectPush = false;
  readonly remoteAddr = '';
  readonly request = { headers: {}, ip: '', headerUser: '' };
  frames: Uint8Array[] = [];
  /** What a socket would still hold and what the kernel took: the tests move bytes from one to the other. */
  buffered = 0;
  sent = 0;
  /** How much of each write the socket keeps buffered. */
  holdOnWrite = 0;
  /** How often the writer looked at the byte count: once per armed or run check. */
  sentLookups = 0;
  bufferedAmount(): number {
    return this.buffered;
  }
  sentBytes(): number {
    this.sentLookups++;
    return this.sent;
  }
  write(frame: Uint8Array): void {
    this.frames.push(frame);
    this.buffered += Math.min(frame.length, this.holdOnWrite);
    this.sent += frame.length - Math.min(frame.length, this.holdOnWrite);
  }
  /** The kernel takes `n` buffered bytes. */
  drain(n: number): void {
    this.buffered -= n;
    this.sent += n;
  }
  close(): void {}
  abort(): void {}
}

/** A wheel no writer here arms unless its socket holds bytes back. */
const idleWheel = new TimerWheel({ clock: systemClock });

/** A writer for a transport, as a session would own it. */
function writerFor(transport: Transport, codec: ProtocolCodec, maxQueueBytes: number, onWriterOverflow: () => void, timing?: Partial<WriterOwner>): ClientWriter {
  return new ClientWriter({
    transport,
    codec,
    maxQueueBytes,
    onWriterOverflow,
    writeTimeout: 1000,
    wheel: idleWheel,
    onWriteTimeout: () => assert.fail('write timeout'),
    maxMessagesInFrame: 0,
    writeBatches: undefined,
    ...timing,
  });
}

/** A clock the test moves, and a wheel on it that checks often. */
function manualWheel(t: TestContext): { wheel: TimerWheel; advance(ms: number): void } {
  let now = 1_000_000;
  const wheel = new TimerWheel({ clock: { now: () => now }, resolution: 5 });
  t.after(() => wheel.close());
  return { wheel, advance: (ms) => (now += ms) };
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

  it('gives up on a write the socket has not taken within writeTimeout, once', async (t) => {
    const { wheel, advance } = manualWheel(t);
    const tr = new RecordingTransport();
    tr.holdOnWrite = 4;
    let timeouts = 0;
    const w = writerFor(tr, jsonCodec, 1 << 20, () => assert.fail('overflow'), { wheel, writeTimeout: 100, onWriteTimeout: () => timeouts++ });
    w.enqueue(Buffer.from('{"a":1}'));
    await turn();
    w.enqueue(Buffer.from('{"b":2}'));
    await turn();
    assert.equal(wheel.pending, 1, 'one check for a backed-up socket, not one per write');
    assert.equal(timeouts, 0);
    advance(110);
    await until(() => timeouts === 1);
    assert.equal(w.enqueue(Buffer.from('{"c":3}')), false);
    assert.equal(wheel.pending, 0);
  });

  it('keeps a writer whose socket takes each write in time, though never empty', async (t) => {
    const { wheel, advance } = manualWheel(t);
    const tr = new RecordingTransport();
    // Every frame below is 7 bytes and stays in the socket until the test drains it.
    tr.holdOnWrite = 7;
    const w = writerFor(tr, jsonCodec, 1 << 20, () => assert.fail('overflow'), { wheel, writeTimeout: 100 });
    w.enqueue(Buffer.from('{"n":0}'));
    await turn();
    for (let i = 1; i < 5; i++) {
      w.enqueue(Buffer.from(`{"n":${i}}`));
      await turn();
      // The write being timed went out; the newer one is still buffered when the check runs.
      tr.drain(tr.buffered - 7);
      const lookups = tr.sentLookups;
      advance(110);
      await until(() => tr.sentLookups === lookups + 2);
      assert.equal(wheel.pending, 1);
    }
    tr.drain(tr.buffered);
    advance(110);
    await until(() => wheel.pending === 0);
    w.close();
  });

  it('cancels its check when closed', async (t) => {
    const { wheel } = manualWheel(t);
    const tr = new RecordingTransport();
    tr.holdOnWrite = 3;
    const w = writerFor(tr, jsonCodec, 1 << 20, () => assert.fail('overflow'), { wheel, writeTimeout: 100 });
    w.enqueue(Buffer.from('{"a":1}'));
    await turn();
    assert.equal(wheel.pending, 1);
    w.close();
    assert.equal(wheel.pending, 0);
  });

  it('puts at most maxMessagesInFrame messages in a frame, in order, and shares each frame between writers', async () => {
    const msgs = Array.from({ length: 7 }, (_, n) => Buffer.from(`{"n":${n}}`));
    const transports = [new RecordingTransport(), new RecordingTransport()];
    for (const t of transports) {
      const w = writerFor(t, jsonCodec, 1 << 20, () => assert.fail('overflow'), { maxMessagesInFrame: 3 });
      for (const m of msgs) w.enqueue(m);
    }
    await turn();
    const [a, b] = transports;
    assert.deepEqual(a!.frames.map(text), ['{"n":0}\n{"n":1}\n{"n":2}', '{"n":3}\n{"n":4}\n{"n":5}', '{"n":6}']);
    // The second writer got the very same frames: each was joined once.
    for (let i = 0; i < 3; i++) assert.equal(b!.frames[i], a!.frames[i]);
  });

  it('splits protobuf queues into length-delimited frames the same way', async () => {
    const t = new RecordingTransport();
    const w = writerFor(t, protobufCodec, 1 << 20, () => assert.fail('overflow'), { maxMessagesInFrame: 2 });
    for (const n of [1, 2, 3]) w.enqueue(Buffer.from([n]));
    await turn();
    assert.deepEqual(
      t.frames.map((f) => [...f]),
      [[1, 2], [3]],
    );
  });

  describe('with a write delay', () => {
    /** Write batches on a clock the test moves: moving it runs the batches that came due. */
    function delayed(t: TestContext, delay: number): { batches: WriteBatches; advance(ms: number): void } {
      let now = 5_000_000;
      const due = new Map<() => void, number>();
      const timers: BatchTimers = (run, ms) => {
        const timer = { refresh: () => due.set(run, now + ms), close: () => due.delete(run) };
        timer.refresh();
        return timer;
      };
      const batches = new WriteBatches({ now: () => now }, delay, timers);
      t.after(() => batches.close());
      const advance = (ms: number): void => {
        now += ms;
        for (const [run, at] of [...due]) {
          if (at > now) continue;
          due.delete(run);
          run();
        }
      };
      return { batches, advance };
    }

    it('holds pushes until the delay is up, then sends them as one frame', async (t) => {
      const { batches, advance } = delayed(t, 20);
      const tr = new RecordingTransport();
      const w = writerFor(tr, jsonCodec, 1 << 20, () => assert.fail('overflow'), { writeBatches: batches });
      w.enqueue(Buffer.from('{"a":1}'));
      await turn();
      advance(10);
      w.enqueue(Buffer.from('{"b":2}'));
      await turn();
      // Two turns went by: without a delay each push would have left in its own.
      assert.deepEqual(tr.frames, []);
      advance(15);
      await until(() => tr.frames.length === 1);
      assert.deepEqual(tr.frames.map(text), ['{"a":1}\n{"b":2}']);
    });

    it('keeps the first push for the whole delay, and no longer', async (t) => {
      const { batches, advance } = delayed(t, 20);
      const tr = new RecordingTransport();
      const w = writerFor(tr, jsonCodec, 1 << 20, () => assert.fail('overflow'), { writeBatches: batches });
      w.enqueue(Buffer.from('{"a":1}'));
      advance(19);
      await turn();
      assert.deepEqual(tr.frames, []);
      advance(1);
      assert.deepEqual(tr.frames.map(text), ['{"a":1}']);
    });

    it('sends an urgent message at once, with what was waiting before it, in order', async (t) => {
      const { batches } = delayed(t, 20);
      const tr = new RecordingTransport();
      const w = writerFor(tr, jsonCodec, 1 << 20, () => assert.fail('overflow'), { writeBatches: batches });
      w.enqueue(Buffer.from('{"push":1}'));
      w.enqueue(Buffer.from('{"id":1}'), true);
      await turn();
      assert.deepEqual(tr.frames.map(text), ['{"push":1}\n{"id":1}']);
    });

    it('sends full frames when the delay is up and keeps a short rest for the next one', async (t) => {
      const { batches, advance } = delayed(t, 20);
      const tr = new RecordingTransport();
      const w = writerFor(tr, jsonCodec, 1 << 20, () => assert.fail('overflow'), { writeBatches: batches, maxMessagesInFrame: 2 });
      for (let n = 0; n < 5; n++) w.enqueue(Buffer.from(`{"n":${n}}`));
      advance(25);
      await until(() => tr.frames.length === 2);
      assert.deepEqual(tr.frames.map(text), ['{"n":0}\n{"n":1}', '{"n":2}\n{"n":3}']);
      w.enqueue(Buffer.from('{"n":5}'));
      advance(25);
      await until(() => tr.frames.length === 3);
      assert.deepEqual(text(tr.frames[2]!), '{"n":4}\n{"n":5}');
    });

    it('flushes what waits when closed', async (t) => {
      const { batches } = delayed(t, 20);
      const tr = new RecordingTransport();
      const w = writerFor(tr, jsonCodec, 1 << 20, () => assert.fail('overflow'), { writeBatches: batches });
      w.enqueue(Buffer.from('{"a":1}'));
      w.close();
      assert.deepEqual(tr.frames.map(text), ['{"a":1}']);
    });
  });
});
