import type { TimerHandle, TimerWheel } from '../../lib/index.js';
import type { Transport } from '../transport.js';
import { forgetJoins, joinShared, type FrameJoiner } from './frame-join.js';
import type { BatchedWriter, WriteBatches } from './write-batches.js';

/**
 * Writers with messages to send this turn, flushed together once per event-loop turn: a
 * fan-out to 10k clients schedules one task, not 10k. An array and a flag on each writer
 * rather than a Set: no hashing per push.
 */
const thisTurn: ClientWriter[] = [];
let scheduled = false;

function flushTurn(): void {
  // By index: a write may queue for a writer not seen yet, which then goes in this pass.
  for (let i = 0; i < thisTurn.length; i++) thisTurn[i]!.flushTurn();
  thisTurn.length = 0;
  scheduled = false;
  forgetJoins();
}

const CLOSED = 1;
/** In `thisTurn`. */
const IN_TURN = 2;
/** In a write batch (`client.write_delay`). */
const IN_BATCH = 4;

/** What a writer writes to: a session's transport, or any byte stream (MQTT). */
export type WriterOutput = Pick<Transport, 'write' | 'bufferedAmount' | 'sentBytes'>;

/** The session a writer belongs to: where it writes, how, and whom to tell when it overflows. */
export interface WriterOwner {
  readonly transport: WriterOutput;
  readonly codec: FrameJoiner;
  /** Bound on queued and unsent bytes. */
  readonly maxQueueBytes: number;
  /** How long a write may wait for the socket to take it, ms; 0 = no time bound (the byte bound still holds). */
  readonly writeTimeout: number;
  /** Where the write deadline is checked: one shared timer, not one per write. */
  readonly wheel: TimerWheel;
  /** Messages joined into one frame at most; 0 = no limit. */
  readonly maxMessagesInFrame: number;
  /** Where pushes wait for `client.write_delay`; undefined = they leave in the turn they were queued. */
  readonly writeBatches: WriteBatches | undefined;
  onWriterOverflow(): void;
  /** A write was not taken by the socket within `writeTimeout`: the peer stopped reading. */
  onWriteTimeout(): void;
}

/**
 * One client's outbound queue. Messages queued within a turn are joined into one frame
 * (newline-joined JSON, concatenated varint-delimited protobuf), at most `maxMessagesInFrame`
 * to a frame. With a write delay, pushes wait up to it in a write batch instead, so that more
 * of them share a frame; a reply marked urgent (`client.reply_without_queue`) leaves in its
 * turn, with whatever was queued before it, so the order on the wire is always the order queued.
 * The queue is bounded in bytes, counting what the socket has not sent yet: a slow reader
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
export class ClientWriter implements BatchedWriter {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** CLOSED, IN_TURN, IN_BATCH: one small integer instead of a field each. */
  private flags = 0;
  /** The socket byte count the write being timed ends at. */
  private pendingEnd = 0;
  private writeCheck: TimerHandle | undefined;

  /** The owner is kept rather than its transport, codec, limit and a callback: fewer fields, no closure per session. */
  constructor(private readonly owner: WriterOwner) {}

  /**
   * Queues one encoded message; returns false when the queue overflowed. An `urgent` one
   * does not wait for the write delay.
   */
  enqueue(message: Uint8Array, urgent = false): boolean {
    if (this.flags & CLOSED) return false;
    this.queuedBytes += message.length;
    const { owner } = this;
    if (this.queuedBytes + this.socketBuffered() > owner.maxQueueBytes) {
      this.flags |= CLOSED;
      this.queue = [];
      owner.onWriterOverflow();
      return false;
    }
    this.queue.push(message);
    const batches = owner.writeBatches;
    if (batches === undefined || urgent) {
      if (this.flags & IN_TURN) return true;
      this.flags |= IN_TURN;
      thisTurn.push(this);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushTurn);
      }
    } else if ((this.flags & (IN_TURN | IN_BATCH)) === 0) {
      this.flags |= IN_BATCH;
      batches.add(this);
    }
    return true;
  }

  /** The turn's pass: everything queued goes out. */
  flushTurn(): void {
    this.flags &= ~IN_TURN;
    this.write(true);
  }

  /**
   * The write delay is up: full frames go out, and so does a queue that fits one frame. The
   * rest of a longer queue (fewer than `maxMessagesInFrame`) waits one more delay for company,
   * as in Centrifugo, which bounds the frames a connection gets per delay.
   */
  flushBatch(): void {
    this.flags &= ~IN_BATCH;
    if (this.flags & CLOSED) return;
    this.write(false);
    if (this.queue.length > 0 && (this.flags & (IN_TURN | IN_BATCH)) === 0) {
      this.flags |= IN_BATCH;
      this.owner.writeBatches?.add(this);
    }
  }

  /** Writes what is queued as frames of at most `maxMessagesInFrame`; `all` = a short last frame too. */
  private write(all: boolean): void {
    const { queue, owner } = this;
    const n = queue.length;
    if (n === 0) return;
    const max = owner.maxMessagesInFrame;
    const { codec, transport } = owner;
    if (n === 1) {
      // The usual case at a moderate rate: one push, no join. pop() rather than setting the
      // length, which the profile shows as a runtime call per client per flush.
      this.queuedBytes = 0;
      transport.write(queue.pop()!);
    } else if (max === 0 || n <= max) {
      const frame = joinShared(codec, queue, 0, n, 0);
      // The array is reused: no allocation per client per flush.
      queue.length = 0;
      this.queuedBytes = 0;
      transport.write(frame);
    } else {
      const end = all ? n : n - (n % max);
      for (let start = 0, slot = 0; start < end; start += max, slot++) {
        transport.write(joinShared(codec, queue, start, Math.min(start + max, end), slot));
      }
      queue.copyWithin(0, end);
      queue.length = n - end;
      let bytes = 0;
      for (const m of queue) bytes += m.length;
      this.queuedBytes = bytes;
    }
    if (this.writeCheck === undefined) this.timeWrite();
  }

  /** Flushes what is queued and refuses further messages. */
  close(): void {
    if (this.flags & CLOSED) return;
    this.write(true);
    this.flags |= CLOSED;
    this.writeCheck?.cancel();
    this.writeCheck = undefined;
  }

  /**
   * What the socket still holds. With no write being timed, the socket took all of the last
   * write, and what it holds can only have shrunk since (other frames, pongs and closes, are a
   * few bytes): 0, without reading the transport. That read goes a few objects deep into each
   * connection, the costliest step of a fan-out's per-subscriber work at thousands of them.
   * A frame that reaches the socket after its write (compressed on zlib's pool) is seen by
   * the next write's check, which then arms the timing and with it the exact count here.
   */
  private socketBuffered(): number {
    const { owner } = this;
    return this.writeCheck === undefined && owner.writeTimeout > 0 ? 0 : owner.transport.bufferedAmount();
  }

  /** Arms a deadline for what the socket still buffers; nothing when it took everything. */
  private timeWrite(): void {
    const { owner } = this;
    const { transport } = owner;
    const buffered = transport.bufferedAmount();
    // Nearly every write is taken at once: nothing else of the owner is read then.
    if (buffered === 0) return;
    const { writeTimeout } = owner;
    if (writeTimeout <= 0) return;
    this.pendingEnd = transport.sentBytes() + buffered;
    this.writeCheck = owner.wheel.schedule(writeTimeout, this.checkWrite, this);
  }

  private checkWrite(): void {
    this.writeCheck = undefined;
    if (this.flags & CLOSED) return;
    if (this.owner.transport.sentBytes() >= this.pendingEnd) {
      // That write went out; time whatever the socket holds now.
      this.timeWrite();
      return;
    }
    this.flags |= CLOSED;
    this.queue = [];
    this.owner.onWriteTimeout();
  }
}
