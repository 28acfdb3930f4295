import type { ProtocolName } from '../protocol/index.js';

/** What a session needs from the connection under it; `transport/` implements it per kind. */
export interface Transport {
  /** `websocket`, `http_stream`, `sse`… for logs and metrics. */
  readonly name: string;
  readonly protocol: ProtocolName;
  /** Emulated transports deliver disconnects as a push and need `session`/`node` in the connect result. */
  readonly emulation: boolean;
  /** Whether the client answers app-level pings with pongs (bidirectional transports). */
  readonly pong: boolean;
  /** The peer's IP address as the socket sees it ('' when unknown). */
  readonly remoteAddr: string;
  /** Bytes handed to the transport and not yet written to the socket. */
  bufferedAmount(): number;
  /** Sends one frame; never throws (a failed write closes the transport). */
  write(frame: Uint8Array): void;
  /** Closes with a disconnect code and reason; idempotent. */
  close(code: number, reason: string): void;
}
