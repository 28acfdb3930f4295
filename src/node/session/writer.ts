import type { TimerHandle, TimerWheel } from '../../lib/index.js';
import type { ProtocolCodec } from '../../protocol/index.js';
import type { Transport } from '../transport.js';

/**
 * Writers with pending messages, flushed together once per event-loop turn: a
 * fan-out to 10k clients schedules one task, not 10k.
 */
const pending = new Set<ClientWriter>();
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  for (const w of pending) w.flush();
  pending.clear();
  lastJoin = undefined;
}

/**
 * The last frame joined from several messages. Writers flushed one after another after
 * a fan-out usually hold the very same messages (shared encoded buffers), so they share
 * one joined frame too: the transport then frames it once for all of them.
 */
let lastJoin: { codec: ProtocolCodec; messages: Uint8Array[]; frame: Uint8Array } | undefined;

function sameMessages(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function joinShared(codec: ProtocolCodec, messages: Uint8Array[]): Uint8Array {
  if (messages.length === 1) return messages[0]!;
  if (lastJoin && lastJoin.codec === codec && sameMessages(lastJoin.messages, messages)) return lastJoin.frame;
  const frame = codec.joinFrame(messages);
  lastJoin = { codec, messages: messages.slice(), frame };
  return frame;
}

/** The session a writer belongs to: where it writes, how, and whom to tell when it overflows. */
export interface WriterOwner {
  readonly transport: Transport;
  readonly codec: ProtocolCodec;
  /** Bound on queued and unsent bytes. */
  readonly maxQueueBytes: number;
  /** How long a write may wait for the socket to take it, ms. */
  readonly writeTimeout: number;
  /** Where the write deadline is checked: one shared timer, not one per write. */
  readonly wheel: TimerWheel;
  onWriterOverflow(): void;
  /** A write was not taken by the socket within `writeTimeout`: the peer stopped reading. */
  onWriteTimeout(): void;
}

/**
 * One client's outbound queue. Messages queued within a turn are joined into one
 * frame (newline-joined JSON, concatenated varint-delimited protobuf). The queue is
 * bounded in bytes, counting what the socket has not sent yet: a slow reader
 * overflows it and is disconnected instead of growing memory without limit.
 *
 * Writes are bounded in time too. A reader that stops altogether may stay under the byte
 * bound for ever (little traffic, or a large bound) while its socket holds the node's memory.
 * When a write leaves bytes in the socket's buffer, the writer notes where that write ends in
 * the socket's byte count and checks on the timer wheel, `writeTimeout` later, that the kernel
 * has taken the stream past it. Sockets the kernel drains at once (nearly all) arm nothing, and
 * a backed-up one holds one wheel timer however many writes it gets; a write queued while a
 * check is pending is measured from that check, so its bound is up to twice `writeTimeout`.
 */
export class ClientWriter {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private closed = false;
  /** The socket byte count the write being timed ends at. */
  private pendingEnd = 0;
  private writeCheck: TimerHandle | undefined;

  /** The owner is kept rather than its transport, codec, limit and a callback: fewer fields, no closure per session. */
  constructor(private readonly owner: WriterOwner) {}

  /** Queues one encoded message; returns false when the queue overflowed. */
  enqueue(message: Uint8Array): boolean {
    if (this.closed) return false;
    this.queuedBytes += message.length;
    const { owner } = this;
    if (this.queuedBytes + owner.transport.bufferedAmount() > owner.maxQueueBytes) {
      this.closed = true;
      this.queue = [];
      owner.onWriterOverflow();
      return false;
    }
    this.queue.push(message);
    pending.add(this);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushAll);
    }
    return true;
  }

  /** Writes everything queued now, as one frame. */
  flush(): void {
    if (this.queue.length === 0) return;
    const { owner } = this;
    const frame = joinShared(owner.codec, this.queue);
    // The array is reused: no allocation per client per flush.
    this.queue.length = 0;
    this.queuedBytes = 0;
    owner.transport.write(frame);
    if (this.writeCheck === undefined) this.timeWrite();
  }

  /** Flushes what is queued and refuses further messages. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    pending.delete(this);
    this.writeCheck?.cancel();
    this.writeCheck = undefined;
  }

  /** Arms a deadline for what the socket still buffers; nothing when it took everything. */
  private timeWrite(): void {
    const { transport, wheel, writeTimeout } = this.owner;
    const buffered = transport.bufferedAmount();
    if (buffered === 0) return;
    this.pendingEnd = transport.sentBytes() + buffered;
    this.writeCheck = wheel.schedule(writeTimeout, this.checkWrite, this);
  }

  private checkWrite(): void {
    this.writeCheck = undefined;
    if (this.closed) return;
    if (this.owner.transport.sentBytes() >= this.pendingEnd) {
      // That write went out; time whatever the socket holds now.
      this.timeWrite();
      return;
    }
    this.closed = true;
    this.queue = [];
    pending.delete(this);
    this.owner.onWriteTimeout();
  }
}
