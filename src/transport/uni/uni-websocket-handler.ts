import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { newClientId } from '../../lib/index.js';
import { Client, connectUnidirectional, type ConnectionRequest, type Node } from '../../node/index.js';
import { DisconnectCode, DisconnectError, FrameDecodeError, decodeJsonConnectRequest, type ConnectRequest } from '../../protocol/index.js';
import { OriginCheck } from '../origin.js';
import { rejectUpgrade } from '../reject.js';
import { RequestReader } from '../request-info.js';
import { refusedUpgrade } from '../upgrade-gate.js';
import { WebSocketAcceptor } from '../ws/acceptor.js';
import type { WebSocketConnection, WebSocketSink } from '../ws/connection.js';
import { UniWebSocketTransport, uniWebSocketOptions, type UniWebSocketOptions } from './uni-websocket-transport.js';

/**
 * One connection's session: its first message is the connect request unless `cf_connect`
 * brought it; every message and pong after that only says the peer is alive.
 */
class UniSession implements WebSocketSink {
  constructor(
    private readonly client: Client,
    private readonly transport: UniWebSocketTransport,
    private awaitingConnect: boolean,
    private readonly log: Logger,
  ) {}

  handleFrame(data: Buffer): void {
    this.transport.heardFromPeer();
    if (!this.awaitingConnect) return;
    this.awaitingConnect = false;
    let connect: ConnectRequest;
    try {
      connect = decodeJsonConnectRequest(data);
    } catch (err) {
      if (!(err instanceof FrameDecodeError)) throw err;
      this.log.info({ err: err.message }, 'bad connect request');
      // Nothing was connected, so there is nothing to tell in a push: the close frame says it.
      const bad = new DisconnectError(DisconnectCode.badRequest);
      this.transport.close(bad.code, bad.reason);
      this.client.handleTransportClose();
      return;
    }
    void connectUnidirectional(this.client, connect, true);
  }

  pongFrame(): void {
    this.transport.heardFromPeer();
  }

  handleTransportClose(): void {
    this.transport.stopPings();
    this.client.handleTransportClose();
  }

  logDebug(fields: object, msg: string): void {
    this.client.logDebug(fields, msg);
  }
}

/**
 * `uni_websocket`: the connect request comes in the `cf_connect` URL parameter or as the first
 * message (JSON); after it the server only writes. Messages the client sends later are read
 * and dropped (they count as signs of life, as pongs do).
 */
export class UniWebSocketHandler {
  readonly path: string;
  private readonly acceptor: WebSocketAcceptor;
  private readonly origins: OriginCheck;
  private readonly requests: RequestReader;
  private readonly log: Logger;
  private readonly opts: UniWebSocketOptions;

  constructor(private readonly node: Node) {
    const cfg = node.config.uniWebsocket;
    this.path = cfg.handlerPrefix;
    this.origins = new OriginCheck(node.config.client.allowedOrigins);
    this.requests = new RequestReader(node);
    this.log = node.deps.logger.child({ component: 'uni_websocket' });
    this.opts = uniWebSocketOptions(node.config, node.deps.wheel);
    this.acceptor = new WebSocketAcceptor({ maxPayload: cfg.messageSizeLimit, compression: cfg, wheel: node.deps.wheel });
  }

  /** Handles an upgrade for our path; returns false when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    if (url.pathname !== this.path) return false;
    if (refusedUpgrade(this.node, this.origins, this.log, req, socket)) return true;
    let connect: ConnectRequest | undefined;
    const param = url.searchParams.get('cf_connect');
    if (param) {
      try {
        connect = decodeJsonConnectRequest(Buffer.from(param, 'utf8'));
      } catch (err) {
        if (!(err instanceof FrameDecodeError)) throw err;
        this.log.info({ err: err.message }, 'bad connect request');
        rejectUpgrade(socket, 400, `invalid connect request in cf_connect: ${err.message}`);
        return true;
      }
    }
    const request = this.requests.read(req);
    this.acceptor.upgrade(req, socket, head, (conn) => this.open(conn, request, connect));
    return true;
  }

  private open(conn: WebSocketConnection, request: ConnectionRequest, connect: ConnectRequest | undefined): UniSession {
    const transport = new UniWebSocketTransport(conn, request, this.opts);
    const client = new Client(this.node, transport, newClientId());
    if (connect) void connectUnidirectional(client, connect, true);
    return new UniSession(client, transport, connect === undefined, this.log);
  }

  /** Drops sockets that did not finish their close handshake in time. */
  terminateAll(): void {
    this.acceptor.terminateAll();
  }

  close(): void {
    this.acceptor.close();
  }
}
