import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { newClientId } from '../../lib/index.js';
import { Client, connectUnidirectional, type ConnectionRequest, type Node } from '../../node/index.js';
import { DisconnectCode, DisconnectError, FrameDecodeError, decodeJsonConnectRequest, type ConnectRequest } from '../../protocol/index.js';
import { OriginCheck } from '../origin.js';
import { rejectUpgrade } from '../reject.js';
import { RequestReader } from '../request-info.js';
import { refusedUpgrade } from '../upgrade-gate.js';
import { perMessageDeflate } from '../ws/deflate-options.js';
import { UniWebSocketTransport, uniWebSocketOptions, type UniWebSocketOptions } from './uni-websocket-transport.js';

/** One open socket: its session, and whether its first message is still to be the connect request. */
interface UniSocket {
  client: Client;
  transport: UniWebSocketTransport;
  awaitingConnect: boolean;
}

/**
 * `uni_websocket`: the connect request comes in the `cf_connect` URL parameter or as the first
 * message (JSON); after it the server only writes. Messages the client sends later are read
 * and dropped (they count as signs of life, as pongs do).
 */
export class UniWebSocketHandler {
  readonly path: string;
  private readonly wss: WebSocketServer;
  private readonly origins: OriginCheck;
  private readonly requests: RequestReader;
  private readonly log: Logger;
  private readonly opts: UniWebSocketOptions;
  private readonly sockets = new Map<WebSocket, UniSocket>();
  private readonly listeners = this.socketListeners();

  constructor(private readonly node: Node) {
    const cfg = node.config.uniWebsocket;
    this.path = cfg.handlerPrefix;
    this.origins = new OriginCheck(node.config.client.allowedOrigins);
    this.requests = new RequestReader(node);
    this.log = node.deps.logger.child({ component: 'uni_websocket' });
    this.opts = uniWebSocketOptions(node.config, node.deps.wheel);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: cfg.messageSizeLimit, perMessageDeflate: perMessageDeflate(cfg), clientTracking: false });
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
    // http.Server hands 'upgrade' a net.Socket; its type says Duplex only because anyone may emit the event.
    const netSocket = socket as Socket;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, netSocket, request, connect));
    return true;
  }

  private accept(ws: WebSocket, socket: Socket, request: ConnectionRequest, connect: ConnectRequest | undefined): void {
    const transport = new UniWebSocketTransport(ws, socket, request, this.opts);
    const client = new Client(this.node, transport, newClientId());
    this.sockets.set(ws, { client, transport, awaitingConnect: connect === undefined });
    ws.on('message', this.listeners.message);
    ws.on('pong', this.listeners.pong);
    ws.on('close', this.listeners.close);
    ws.on('error', this.listeners.error);
    if (connect) void connectUnidirectional(client, connect, true);
  }

  /** Listeners shared by every socket (called with the socket as `this`): no closures per connection. */
  private socketListeners() {
    // Built as a field initialiser, before the constructor sets the logger: read it at call time.
    const { sockets } = this;
    const log = (): Logger => this.log;
    return {
      message(this: WebSocket, data: Buffer): void {
        const s = sockets.get(this);
        if (!s) return;
        s.transport.heardFromPeer();
        if (!s.awaitingConnect) return;
        s.awaitingConnect = false;
        let connect: ConnectRequest;
        try {
          connect = decodeJsonConnectRequest(data);
        } catch (err) {
          if (!(err instanceof FrameDecodeError)) throw err;
          log().info({ err: err.message }, 'bad connect request');
          // Nothing was connected, so there is nothing to tell in a push: the close frame says it.
          const bad = new DisconnectError(DisconnectCode.badRequest);
          s.transport.close(bad.code, bad.reason);
          s.client.handleTransportClose();
          return;
        }
        void connectUnidirectional(s.client, connect, true);
      },
      pong(this: WebSocket): void {
        sockets.get(this)?.transport.heardFromPeer();
      },
      close(this: WebSocket): void {
        const s = sockets.get(this);
        sockets.delete(this);
        s?.transport.stopPings();
        s?.client.handleTransportClose();
      },
      error(this: WebSocket, err: Error): void {
        sockets.get(this)?.client.logDebug({ err: err.message }, 'websocket error');
      },
    };
  }

  /** Drops sockets that did not finish their close handshake in time. */
  terminateAll(): void {
    for (const ws of this.sockets.keys()) ws.terminate();
  }

  close(): void {
    this.terminateAll();
    this.wss.close();
  }
}
