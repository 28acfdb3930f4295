import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { ConnectionRequest, Transport } from '../../node/index.js';
import type { ProtocolName } from '../../protocol/index.js';
import { MAX_SHARED_FRAME, sharedFrame } from './shared-frame.js';

/** A Client's view of one WebSocket. */
export class WebSocketTransport implements Transport {

  /** `socket` is the one under `ws` (permessage-deflate is off, so ws never holds frames back). */
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    readonly protocol: ProtocolName,
    readonly request: ConnectionRequest,
  ) {}

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

  get pong(): boolean {
    return true;
  }

  private get binary(): boolean {
    return this.protocol === 'protobuf';
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  write(frame: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (frame.length > MAX_SHARED_FRAME) {
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
