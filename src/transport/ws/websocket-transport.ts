import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { ConnectionRequest, Transport } from '../../node/index.js';
import type { ProtocolName } from '../../protocol/index.js';
import { MAX_SHARED_FRAME, sharedFrame, sharedSplitFrames } from './shared-frame.js';

const NEWLINE = 0x0a;

/** A Client's view of one WebSocket. */
export class WebSocketTransport implements Transport {
  /**
   * permessage-deflate was negotiated: ws compresses each message for this socket alone, on
   * zlib's thread pool, and queues later frames behind it, so every frame must go through
   * ws to keep its place (none can be written straight to the socket).
   */
  private readonly deflate: boolean;

  /** `socket` is the one under `ws`. */
  constructor(
    protected readonly ws: WebSocket,
    private readonly socket: Socket,
    readonly protocol: ProtocolName,
    readonly request: ConnectionRequest,
  ) {
    this.deflate = ws.extensions.includes('permessage-deflate');
  }

  /** From the socket, which keeps it once read (the upgrade did): no copy per connection here. */
  get remoteAddr(): string {
    return this.socket.remoteAddress ?? '';
  }

  /** Dispatched bytes minus those whose write has not completed: what the kernel took. */
  sentBytes(): number {
    return this.socket.bytesWritten - this.socket.writableLength;
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

  /**
   * With deflate, only the socket's own buffer: it holds compressed bytes, as `sentBytes`
   * counts them, where ws's figure adds the uncompressed size of frames waiting for zlib.
   * Those wait for the CPU, not for the peer, so they say nothing about a slow reader.
   */
  bufferedAmount(): number {
    return this.deflate ? this.socket.writableLength : this.ws.bufferedAmount;
  }

  /**
   * Several JSON messages joined by newlines, each as a frame of its own (for clients that
   * take one message per frame). Written as one buffer built once per fan-out, except where
   * deflate must see each message.
   */
  protected writeSplit(joined: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (!this.deflate && joined.length <= MAX_SHARED_FRAME) {
      this.socket.write(sharedSplitFrames(joined));
      return;
    }
    let start = 0;
    for (let i = joined.indexOf(NEWLINE); i >= 0; i = joined.indexOf(NEWLINE, start)) {
      this.ws.send(joined.subarray(start, i), { binary: false });
      start = i + 1;
    }
    this.ws.send(joined.subarray(start), { binary: false });
  }

  write(frame: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.deflate || frame.length > MAX_SHARED_FRAME) {
      this.ws.send(frame, { binary: this.binary });
      return;
    }
    // One write of a frame built once per fan-out, instead of ws framing it again for
    // every socket and writing header and payload as two buffers (a writev each).
    this.socket.write(sharedFrame(frame, this.binary));
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.CLOSING || this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(code, reason);
  }

  abort(): void {
    // Also after close(): a peer that reads nothing never answers the close frame.
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.terminate();
  }
}
