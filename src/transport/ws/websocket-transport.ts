import { peerAddress } from '../../lib/index.js';
import type { ConnectionRequest, Transport } from '../../node/index.js';
import type { ProtocolName } from '../../protocol/index.js';
import type { WebSocketConnection } from './connection.js';
import { MAX_SHARED_FRAME, sharedFrame, sharedSplitFrames } from './shared-frame.js';

const NEWLINE = 0x0a;

/** A Client's view of one WebSocket, Parsec's own or ws's (see `WebSocketConnection`). */
export class WebSocketTransport implements Transport {
  constructor(
    protected readonly conn: WebSocketConnection,
    readonly protocol: ProtocolName,
    readonly request: ConnectionRequest,
  ) {}

  /** From the socket, which keeps it once read (the upgrade did): no copy per connection here. */
  get remoteAddr(): string {
    return peerAddress(this.conn.socket);
  }

  /** Dispatched bytes minus those whose write has not completed: what the kernel took. */
  sentBytes(): number {
    const socket = this.conn.socket;
    return socket.bytesWritten - socket.writableLength;
  }

  // Constants as getters, not fields: one copy on the prototype instead of one per connection.
  get name(): string {
    return 'websocket';
  }

  get emulation(): boolean {
    return false;
  }

  get unidirectional(): boolean {
    return false;
  }

  get pong(): boolean {
    return true;
  }

  get pings(): boolean {
    return true;
  }

  /** The close frame carries code and reason. */
  get disconnectPush(): boolean {
    return false;
  }

  private get binary(): boolean {
    return this.protocol === 'protobuf';
  }

  bufferedAmount(): number {
    return this.conn.bufferedAmount();
  }

  /**
   * Several JSON messages joined by newlines, each as a frame of its own (for clients that
   * take one message per frame). Written as one buffer built once per fan-out, except where
   * deflate must see each message.
   */
  protected writeSplit(joined: Uint8Array): void {
    const conn = this.conn;
    if (!conn.open) return;
    if (!conn.deflate && joined.length <= MAX_SHARED_FRAME) {
      conn.socket.write(sharedSplitFrames(joined));
      return;
    }
    let start = 0;
    for (let i = joined.indexOf(NEWLINE); i >= 0; i = joined.indexOf(NEWLINE, start)) {
      conn.send(joined.subarray(start, i), false);
      start = i + 1;
    }
    conn.send(joined.subarray(start), false);
  }

  write(frame: Uint8Array): void {
    const conn = this.conn;
    if (!conn.open) return;
    if (conn.deflate || frame.length > MAX_SHARED_FRAME) {
      conn.send(frame, this.binary);
      return;
    }
    // One write of a frame built once per fan-out, instead of framing it again for every
    // socket and writing header and payload as two buffers (a writev each).
    conn.socket.write(sharedFrame(frame, this.binary));
  }

  close(code: number, reason: string): void {
    this.conn.close(code, reason);
  }

  abort(): void {
    this.conn.terminate();
  }
}
