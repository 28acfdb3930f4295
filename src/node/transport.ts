import type { ProtocolName } from '../protocol/index.js';

/** What the HTTP request that opened a connection said, as far as backends need it. */
export interface ConnectionRequest {
  /** The headers some proxy forwards (lower-case names); nothing else is kept. */
  readonly headers: Readonly<Record<string, string>>;
  /** The client's address: the peer's, or the one a trusted reverse proxy put in X-Forwarded-For. */
  readonly ip: string;
  /**
   * The user id a reverse proxy authenticated, from `client.user_id_http_header`; '' = none.
   * Already checked against `parsec.trusted_proxies`; used only when nothing else names the user.
   */
  readonly headerUser: string;
}

/** No headers: one frozen object shared by every connection that keeps none (the usual case). */
export const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** What a session needs from the connection under it; `transport/` implements it per kind. */
export interface Transport {
  /** `websocket`, `http_stream`, `sse`… for logs and metrics. */
  readonly name: string;
  readonly protocol: ProtocolName;
  /** Emulated transports take commands over `/emulation` and need `session`/`node` in the connect result. */
  readonly emulation: boolean;
  /**
   * Unidirectional transports (`uni_*`) carry bare pushes to a client that sends no commands
   * after its connect request: connect result, publications, pings and disconnect all arrive
   * as pushes, and a refused connect ends the session with a disconnect.
   */
  readonly unidirectional: boolean;
  /** Whether the client answers app-level pings with pongs (bidirectional transports). */
  readonly pong: boolean;
  /** Whether the server sends app-level pings at all (`uni_grpc` leaves keepalive to HTTP/2). */
  readonly pings: boolean;
  /** Whether a disconnect is told as a `disconnect` push before the close (streams have no close code). */
  readonly disconnectPush: boolean;
  /** The peer's IP address as the socket sees it ('' when unknown). */
  readonly remoteAddr: string;
  readonly request: ConnectionRequest;
  /** Bytes handed to the transport and not yet written to the socket. */
  bufferedAmount(): number;
  /**
   * Bytes the socket has handed to the kernel so far; only grows. With `bufferedAmount` it
   * tells whether a given write has gone out: everything queued before it has once this
   * count passes what it was plus what was buffered.
   */
  sentBytes(): number;
  /** Sends one frame; never throws (a failed write closes the transport). */
  write(frame: Uint8Array): void;
  /** Closes with a disconnect code and reason; idempotent. */
  close(code: number, reason: string): void;
  /**
   * Drops the connection at once, with nothing more sent: for a peer that stopped reading,
   * which would never take a close frame or the end of a response. Idempotent.
   */
  abort(): void;
}

/**
 * A transport whose session listens on channels of its own, outside the Client's
 * subscriptions (an MQTT session's topic filters), so listings can show them.
 */
export interface ChannelListing {
  /** The channels (or channel-form filters) the connection's session is subscribed to. */
  listedChannels(): string[];
}

export function listsChannels(t: Transport): t is Transport & ChannelListing {
  return typeof (t as Partial<ChannelListing>).listedChannels === 'function';
}
