import type { Socket } from 'node:net';

/**
 * One server-side WebSocket as a transport writes to it: Parsec's own connection
 * (`LeanWebSocket`) or, where permessage-deflate was negotiated, ws's.
 */
export interface WebSocketConnection {
  /** The TCP socket under it: shared frames are written straight to it. */
  readonly socket: Socket;
  /** No close frame sent or received and the socket not gone: frames may be written. */
  readonly open: boolean;
  /** permessage-deflate was negotiated: every message must go through `send`, in order. */
  readonly deflate: boolean;
  /** Bytes written and not yet taken by the kernel (or, for ws, by zlib). */
  bufferedAmount(): number;
  /** Sends one message framed here: for payloads too big to share, and for deflate. */
  send(data: Uint8Array, binary: boolean): void;
  /** Sends an empty ping frame. */
  ping(): void;
  /** Starts the closing handshake; later calls do nothing. */
  close(code: number, reason: string): void;
  /** Drops the socket at once; idempotent. */
  terminate(): void;
}

/**
 * What a WebSocket connection tells the session above it. `Client` is one as it is; the
 * calls come in the order the peer's frames arrived.
 */
export interface WebSocketSink {
  /** One whole message; its opcode is not passed on: the negotiated protocol decodes it. */
  handleFrame(data: Buffer): void;
  /** The connection is gone, whichever side ended it; called once. */
  handleTransportClose(): void;
  /** A protocol or socket error, for the session's debug log. */
  logDebug(fields: object, msg: string): void;
  /**
   * A pong frame arrived. Optional: only sessions that send ping frames listen (`Client`'s
   * `handlePong` is the protocol's own pong message, not this).
   */
  pongFrame?(): void;
}
