import { NO_HEADERS, type ChannelListing, type ConnectionRequest, type Transport } from '../../node/index.js';
import type { ProtocolName } from '../../protocol/index.js';

/** The byte stream under an MQTT connection: a TCP/TLS socket, or a WebSocket as a stream. */
export interface MqttStream {
  readonly writableLength: number;
  write(chunk: Uint8Array): boolean;
  end(): void;
  destroy(): void;
}

/** What the transport asks of the connection it belongs to. */
export interface NodeCloseTarget {
  /** The node ended the session (revocation, fleet disconnect, expiry, shutdown). */
  closeByNode(code: number, reason: string): void;
  /** Bytes the stream has handed to the kernel so far. */
  sentBytes(): number;
  /** The session's topic filters in channel form (see MqttTransport.listedChannels). */
  subscribedChannels(): string[];
}

/**
 * A Client's view of an MQTT connection. The node's Client keeps the session's identity,
 * expiry and place in the hub; MQTT packets go out through the connection itself, so
 * the Client's own frames (its keepalive pings) have nowhere to go and are dropped.
 */
export class MqttTransport implements Transport, ChannelListing {
  readonly request: ConnectionRequest;

  constructor(
    private readonly stream: MqttStream,
    private readonly target: NodeCloseTarget,
    readonly remoteAddr: string,
  ) {
    this.request = { headers: NO_HEADERS, ip: remoteAddr, headerUser: '' };
  }

  get name(): string {
    return 'mqtt';
  }

  /** Never on the wire; the Client encodes its own few frames with it. */
  get protocol(): ProtocolName {
    return 'protobuf';
  }

  get emulation(): boolean {
    return false;
  }

  get pong(): boolean {
    return false;
  }

  /** MQTT clients send packets of their own; only the connect goes through the Client. */
  get unidirectional(): boolean {
    return false;
  }

  /** Keepalive is MQTT's own (PINGREQ from the client), not the Client's app-level pings. */
  get pings(): boolean {
    return false;
  }

  /** A disconnect is told with an MQTT 5 DISCONNECT packet by the connection, not a push. */
  get disconnectPush(): boolean {
    return false;
  }

  bufferedAmount(): number {
    return this.stream.writableLength;
  }

  sentBytes(): number {
    return this.target.sentBytes();
  }

  /**
   * For connection listings: each topic filter of the session as `<namespace>:<filter>`,
   * an exact topic as its channel, a wildcard filter with its `+`/`#` kept
   * (`mqtt:sensors/+/temp`).
   */
  listedChannels(): string[] {
    return this.target.subscribedChannels();
  }

  write(): void {
    // Centrifugo frames (pings) mean nothing to an MQTT client.
  }

  close(code: number, reason: string): void {
    this.target.closeByNode(code, reason);
  }

  abort(): void {
    this.stream.destroy();
  }
}
