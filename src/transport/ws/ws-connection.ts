import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { WebSocketConnection } from './connection.js';

/** A ws WebSocket as a `WebSocketConnection`: the path of sessions that negotiate permessage-deflate. */
export class WsConnection implements WebSocketConnection {
  readonly deflate: boolean;

  /** `socket` is the one under `ws`. */
  constructor(
    private readonly ws: WebSocket,
    readonly socket: Socket,
  ) {
    this.deflate = ws.extensions.includes('permessage-deflate');
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * With deflate, only the socket's own buffer: it holds compressed bytes, as `sentBytes`
   * counts them, where ws's figure adds the uncompressed size of frames waiting for zlib.
   * Those wait for the CPU, not for the peer, so they say nothing about a slow reader.
   */
  bufferedAmount(): number {
    return this.deflate ? this.socket.writableLength : this.ws.bufferedAmount;
  }

  send(data: Uint8Array, binary: boolean): void {
    this.ws.send(data, { binary });
  }

  ping(): void {
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.CLOSING || this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(code, reason);
  }

  terminate(): void {
    // Also after close(): a peer that reads nothing never answers the close frame.
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.terminate();
  }
}
