import { WebSocket } from 'ws';
import type { ConnectionRequest, Transport } from '../../node/index.js';
import type { ProtocolName } from '../../protocol/index.js';

/** A Client's view of one WebSocket. */
export class WebSocketTransport implements Transport {
  readonly name = 'websocket';
  readonly emulation = false;
  readonly pong = true;
  private readonly binary: boolean;

  constructor(
    private readonly ws: WebSocket,
    readonly protocol: ProtocolName,
    readonly remoteAddr: string,
    readonly request: ConnectionRequest,
  ) {
    this.binary = protocol === 'protobuf';
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  write(frame: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame, { binary: this.binary });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.CLOSING || this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(code, reason);
  }
}
