import type { Config } from '../../config/types.js';
import type { TimerHandle, TimerWheel } from '../../lib/index.js';
import type { ConnectionRequest } from '../../node/index.js';
import type { WebSocketConnection } from '../ws/connection.js';
import { WebSocketTransport } from '../ws/websocket-transport.js';

const NEWLINE = 0x0a;

/** Frame-level keepalive of a unidirectional WebSocket: Centrifugo's defaults where the client section turns pings off. */
const DEFAULT_FRAME_PING_INTERVAL = 25_000;
const DEFAULT_FRAME_PONG_TIMEOUT = 10_000;

/** What every uni_websocket connection shares: one object, not fields per connection. */
export interface UniWebSocketOptions {
  readonly cfg: Config['uniWebsocket'];
  readonly wheel: TimerWheel;
  /** ms between WebSocket ping frames, and how long the pong (or any frame) may take. */
  readonly framePingInterval: number;
  readonly framePongTimeout: number;
}

export function uniWebSocketOptions(config: Config, wheel: TimerWheel): UniWebSocketOptions {
  return {
    cfg: config.uniWebsocket,
    wheel,
    framePingInterval: config.client.pingInterval > 0 ? config.client.pingInterval : DEFAULT_FRAME_PING_INTERVAL,
    framePongTimeout: config.client.pongTimeout > 0 ? config.client.pongTimeout : DEFAULT_FRAME_PONG_TIMEOUT,
  };
}

/**
 * A unidirectional WebSocket: pushes out, one per frame unless `join_push_messages`; nothing
 * read after the connect request. Besides the app-level `{}` pings, WebSocket ping frames
 * (which browsers answer by themselves) find peers that went away: a socket that sent
 * neither a pong nor any frame within the pong timeout is dropped.
 */
export class UniWebSocketTransport extends WebSocketTransport {
  private pingTimer: TimerHandle | undefined;
  /** Something arrived since the last ping frame. */
  private heard = true;

  constructor(
    conn: WebSocketConnection,
    request: ConnectionRequest,
    private readonly opts: UniWebSocketOptions,
  ) {
    super(conn, 'json', request);
    this.pingTimer = opts.wheel.schedule(opts.framePingInterval, this.framePing, this);
  }

  override get name(): string {
    return 'uni_websocket';
  }

  override get unidirectional(): boolean {
    return true;
  }

  override get pong(): boolean {
    return false;
  }

  override get disconnectPush(): boolean {
    return !this.opts.cfg.disableDisconnectPush;
  }

  /** A pong or any frame from the peer. */
  heardFromPeer(): void {
    this.heard = true;
  }

  override write(frame: Uint8Array): void {
    // The writer joined the pushes of one turn with newlines (JSON pushes hold none).
    if (this.opts.cfg.joinPushMessages || frame.indexOf(NEWLINE) < 0) super.write(frame);
    else this.writeSplit(frame);
  }

  override close(code: number, reason: string): void {
    this.stopPings();
    if (this.opts.cfg.disableClosingHandshake) {
      super.abort();
      return;
    }
    super.close(code, reason);
  }

  override abort(): void {
    this.stopPings();
    super.abort();
  }

  stopPings(): void {
    this.pingTimer?.cancel();
    this.pingTimer = undefined;
  }

  private framePing(): void {
    this.heard = false;
    this.conn.ping();
    this.pingTimer = this.opts.wheel.schedule(this.opts.framePongTimeout, this.checkPong, this);
  }

  private checkPong(): void {
    if (!this.heard) {
      this.pingTimer = undefined;
      this.conn.terminate();
      return;
    }
    this.pingTimer = this.opts.wheel.schedule(Math.max(0, this.opts.framePingInterval - this.opts.framePongTimeout), this.framePing, this);
  }
}
