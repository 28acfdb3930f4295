import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import type { TimerHandle, TimerWheel } from '../../lib/index.js';
import type { WebSocketConnection, WebSocketSink } from './connection.js';
import { Opcode, frameParts, opcodeFrame } from './shared-frame.js';

/** What every lean connection of one endpoint shares: one object, not fields per connection. */
export interface LeanOptions {
  /** Largest message (all its fragments together) taken; a bigger one closes with 1009. */
  readonly maxPayload: number;
  /** Drives the wait for the peer's close frame: no timer per connection until it closes. */
  readonly wheel: TimerWheel;
  /** ms a closing connection waits for the peer before the socket is dropped (ws: 30 s). */
  readonly closeTimeout: number;
}

/** RFC 6455 §7.4.1 close codes sent for the peer's protocol errors. */
const PROTOCOL_ERROR = 1002;
const INVALID_DATA = 1007;
const POLICY_VIOLATION = 1008;
const TOO_BIG = 1009;

/**
 * ws's defaults for what one message may hold: frames, and socket chunks waiting to make up
 * a frame. Empty fragments or one-byte reads would otherwise grow a list without bound.
 */
const MAX_FRAGMENTS = 16 * 1024;
const MAX_BUFFERED_CHUNKS = 256 * 1024;

/** No more frames may be written: a close frame went either way, the peer ended or erred. */
const CLOSING = 1;
/** Nothing more is parsed: after a close frame, a protocol error or the peer's FIN. */
const READ_STOPPED = 2;
/** The socket closed. */
const GONE = 4;

/** Leftovers shorter than this are copied, so a waiting frame does not pin the socket's whole read buffer. */
const COPY_BELOW = 1024;
/** Largest high 32 bits of a 64-bit length that keep it a safe integer (2^53 - 1). */
const MAX_HIGH_LENGTH = 2 ** 21 - 1;

/** The bytes of a frame that has not fully arrived, kept as they came and joined once it has. */
interface PartialFrame {
  readonly chunks: Buffer[];
  bytes: number;
  /** Bytes needed before parsing is worth another try. */
  need: number;
}

/** A fragmented message being put together. */
interface Fragments {
  readonly opcode: number;
  readonly parts: Buffer[];
  bytes: number;
  /** Frames so far, empty ones included. */
  frames: number;
}

/** The same empty ping for every connection: frames written are never changed. */
const PING_FRAME = opcodeFrame(Buffer.alloc(0), Opcode.ping);

/** Taken by a connection until its session exists (which is before any frame is read). */
const NO_SINK: WebSocketSink = {
  handleFrame() {},
  handleTransportClose() {},
  logDebug() {},
};

/** Close codes a peer may send (ws's `isValidStatusCode`). */
function isValidStatusCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** XORs a client frame's payload with its 4-byte key, in place (the buffer is ours). */
function unmask(payload: Buffer, mask: Buffer, at: number): void {
  const m0 = mask[at]!;
  const m1 = mask[at + 1]!;
  const m2 = mask[at + 2]!;
  const m3 = mask[at + 3]!;
  if ((m0 | m1 | m2 | m3) === 0) return;
  const n = payload.length;
  let i = 0;
  for (const end = n & ~3; i < end; i += 4) {
    payload[i] ^= m0;
    payload[i + 1] ^= m1;
    payload[i + 2] ^= m2;
    payload[i + 3] ^= m3;
  }
  for (; i < n; i++) payload[i] ^= mask[at + (i & 3)]!;
}

/**
 * A server-side RFC 6455 connection without extensions, for the sessions that negotiate no
 * compression. ws gives each socket a WebSocket, a Receiver (a Writable stream) and a Sender,
 * about 1.5 KB of heap on every idle connection; this is one object of a few fields, its
 * parser state allocated only while a frame or a fragmented message is incomplete. Frames
 * are checked as ws's Receiver checks them, with the same close codes.
 */
export class LeanWebSocket implements WebSocketConnection {
  /** Set by the acceptor once the session is built, before the first byte is read. */
  sink: WebSocketSink = NO_SINK;
  private flags = 0;
  private partial: PartialFrame | undefined = undefined;
  private message: Fragments | undefined = undefined;
  private closeTimer: TimerHandle | undefined = undefined;

  constructor(
    readonly socket: Socket,
    private readonly opts: LeanOptions,
    /** Called once the socket closed (the per-address connection count, say). */
    private readonly onGone: (() => void) | undefined = undefined,
  ) {}

  get open(): boolean {
    return (this.flags & (CLOSING | GONE)) === 0;
  }

  get deflate(): boolean {
    return false;
  }

  bufferedAmount(): number {
    return this.socket.writableLength;
  }

  send(data: Uint8Array, binary: boolean): void {
    // Header and payload as two buffers in one writev: a big payload is not copied.
    const [header, payload] = frameParts(data, binary ? Opcode.binary : Opcode.text);
    this.socket.cork();
    this.socket.write(header!);
    this.socket.write(payload!);
    this.socket.uncork();
  }

  ping(): void {
    if (this.open) this.socket.write(PING_FRAME);
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    const payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.sendClose(payload);
  }

  terminate(): void {
    if (this.flags & GONE) return;
    this.flags |= CLOSING | READ_STOPPED;
    this.socket.destroy();
  }

  /** Bytes from the socket (or the upgrade's `head`): every whole frame in them is handled, in order. */
  read(chunk: Buffer): void {
    if (this.flags & READ_STOPPED) return;
    let buf = chunk;
    const partial = this.partial;
    if (partial !== undefined) {
      if (partial.chunks.length >= MAX_BUFFERED_CHUNKS) {
        this.fail(POLICY_VIOLATION, 'Too many buffered chunks');
        return;
      }
      partial.chunks.push(chunk);
      partial.bytes += chunk.length;
      if (partial.bytes < partial.need) return;
      buf = Buffer.concat(partial.chunks, partial.bytes);
      this.partial = undefined;
    }
    let at = 0;
    while (at < buf.length) {
      const used = this.frame(buf, at);
      if (this.flags & READ_STOPPED) return;
      if (used < 0) {
        const rest = buf.subarray(at);
        this.partial = { chunks: [rest.length < COPY_BELOW ? Buffer.from(rest) : rest], bytes: rest.length, need: -used };
        return;
      }
      at += used;
    }
  }

  /** The socket closed: the session learns it once. */
  gone(): void {
    if (this.flags & GONE) return;
    this.flags |= GONE | CLOSING | READ_STOPPED;
    this.closeTimer?.cancel();
    this.closeTimer = undefined;
    this.partial = undefined;
    this.message = undefined;
    this.onGone?.();
    this.sink.handleTransportClose();
  }

  /** The peer sent FIN: nothing more will come, so the write side ends too (as ws does). */
  ended(): void {
    this.flags |= CLOSING | READ_STOPPED;
    this.socket.end();
  }

  /**
   * Parses and handles the frame at `at`. Returns the bytes it took; or, when the frame has
   * not fully arrived, minus the bytes needed from `at` to go on; or 0 after an error.
   */
  private frame(buf: Buffer, at: number): number {
    const avail = buf.length - at;
    if (avail < 2) return -2;
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    // No extension is negotiated on this path: RSV1 as well as RSV2/3 must be clear.
    if ((b0 & 0x70) !== 0) return this.fail(PROTOCOL_ERROR, 'RSV bits must be clear');
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    let length = b1 & 0x7f;
    if (opcode >= Opcode.close) {
      if (opcode > Opcode.pong) return this.fail(PROTOCOL_ERROR, `invalid opcode ${opcode}`);
      if (!fin) return this.fail(PROTOCOL_ERROR, 'FIN must be set');
      if (length > 125 || (opcode === Opcode.close && length === 1)) return this.fail(PROTOCOL_ERROR, `invalid payload length ${length}`);
    } else if (opcode === Opcode.continuation) {
      if (this.message === undefined) return this.fail(PROTOCOL_ERROR, 'invalid opcode 0');
    } else if (opcode === Opcode.text || opcode === Opcode.binary) {
      if (this.message !== undefined) return this.fail(PROTOCOL_ERROR, `invalid opcode ${opcode}`);
    } else {
      return this.fail(PROTOCOL_ERROR, `invalid opcode ${opcode}`);
    }
    if ((b1 & 0x80) === 0) return this.fail(PROTOCOL_ERROR, 'MASK must be set');
    let header = 2;
    if (length === 126) {
      if (avail < 4) return -4;
      length = buf.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (avail < 10) return -10;
      const high = buf.readUInt32BE(at + 2);
      if (high > MAX_HIGH_LENGTH) return this.fail(TOO_BIG, 'payload length > 2^53 - 1');
      length = high * 2 ** 32 + buf.readUInt32BE(at + 6);
      header = 10;
    }
    // Checked before the payload arrives, as ws does: a peer cannot make us buffer past the limit.
    if (opcode < Opcode.close && length > 0 && (this.message?.bytes ?? 0) + length > this.opts.maxPayload) {
      return this.fail(TOO_BIG, 'Max payload size exceeded');
    }
    const start = at + header + 4;
    const end = start + length;
    if (buf.length < end) return -(end - at);
    const payload = buf.subarray(start, end);
    unmask(payload, buf, start - 4);
    if (opcode >= Opcode.close) this.control(opcode, payload);
    else this.data(opcode, fin, payload);
    return end - at;
  }

  private data(opcode: number, fin: boolean, payload: Buffer): void {
    const message = this.message;
    if (message === undefined) {
      if (fin) this.deliver(opcode, payload);
      else this.message = { opcode, parts: [payload], bytes: payload.length, frames: 1 };
      return;
    }
    if (++message.frames > MAX_FRAGMENTS) {
      this.fail(POLICY_VIOLATION, 'Too many message fragments');
      return;
    }
    if (payload.length > 0) message.parts.push(payload);
    message.bytes += payload.length;
    if (!fin) return;
    this.message = undefined;
    this.deliver(message.opcode, Buffer.concat(message.parts, message.bytes));
  }

  private deliver(opcode: number, data: Buffer): void {
    if (opcode === Opcode.text && !isUtf8(data)) {
      this.fail(INVALID_DATA, 'invalid UTF-8 sequence');
      return;
    }
    this.sink.handleFrame(data);
  }

  private control(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.ping) {
      if (this.open) this.socket.write(opcodeFrame(payload, Opcode.pong));
      return;
    }
    if (opcode === Opcode.pong) {
      this.sink.pongFrame?.();
      return;
    }
    if (payload.length > 0) {
      const code = payload.readUInt16BE(0);
      if (!isValidStatusCode(code)) {
        this.fail(PROTOCOL_ERROR, `invalid status code ${code}`);
        return;
      }
      if (!isUtf8(payload.subarray(2))) {
        this.fail(INVALID_DATA, 'invalid UTF-8 sequence');
        return;
      }
    }
    this.flags |= READ_STOPPED;
    // The peer's close: echoed with its code and reason (an empty one empty), unless ours went first.
    if (this.open) this.sendClose(payload);
    this.socket.end();
  }

  /** A protocol error: close with its code, and read nothing more. */
  private fail(code: number, message: string): 0 {
    this.flags |= READ_STOPPED;
    this.partial = undefined;
    this.message = undefined;
    this.sink.logDebug({ err: `Invalid WebSocket frame: ${message}`, code }, 'websocket error');
    if (this.open) {
      const payload = Buffer.allocUnsafe(2);
      payload.writeUInt16BE(code, 0);
      this.sendClose(payload);
    }
    // The peer broke the protocol: its close frame is not waited for (ws ends at once too).
    this.socket.end();
    return 0;
  }

  /** Writes a close frame and gives the peer `closeTimeout` to finish before the socket is dropped. */
  private sendClose(payload: Buffer): void {
    this.flags |= CLOSING;
    this.socket.write(opcodeFrame(payload, Opcode.close));
    this.closeTimer = this.opts.wheel.schedule(this.opts.closeTimeout, this.terminate, this);
  }
}
