import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { newClientId } from '../../lib/index.js';
import { Client, type ConnectionRequest, type Node } from '../../node/index.js';
import type { ProtocolName } from '../../protocol/index.js';
import { OriginCheck } from '../origin.js';
import { RequestReader } from '../request-info.js';
import { refusedUpgrade } from '../upgrade-gate.js';
import { perMessageDeflate } from './deflate-options.js';
import { WebSocketTransport } from './websocket-transport.js';

const PROTOBUF_SUBPROTOCOL = 'centrifuge-protobuf';
const JSON_SUBPROTOCOL = 'centrifuge-json';

/** Picks the protocol: negotiated subprotocol first, then `?cf_protocol=` (or legacy `?format=`). */
function protocolOf(req: IncomingMessage, url: URL): ProtocolName {
  const header = req.headers['sec-websocket-protocol'];
  if (header !== undefined) {
    const offered = header.split(',').map((s) => s.trim());
    if (offered.includes(PROTOBUF_SUBPROTOCOL)) return 'protobuf';
    if (offered.includes(JSON_SUBPROTOCOL)) return 'json';
  }
  // Most clients send no query: reading `searchParams` would build one per connection.
  if (url.search === '') return 'json';
  const q = url.searchParams.get('cf_protocol') ?? url.searchParams.get('format');
  return q === 'protobuf' ? 'protobuf' : 'json';
}

/**
 * Socket event listeners shared by every socket of one handler: an emitter calls them
 * with the socket as `this`, and the socket finds its session in `sockets`. One closure
 * per socket and event would cost memory on every idle connection.
 */
function socketListeners(sockets: Map<WebSocket, Client>) {
  return {
    message(this: WebSocket, data: Buffer): void {
      // The frame opcode is not checked: each frame is decoded by the negotiated protocol.
      sockets.get(this)?.handleFrame(data);
    },
    close(this: WebSocket): void {
      const client = sockets.get(this);
      sockets.delete(this);
      client?.handleTransportClose();
    },
    error(this: WebSocket, err: Error): void {
      // ws closes the socket itself after protocol errors (e.g. 1009 for an oversized frame).
      sockets.get(this)?.logDebug({ err: err.message }, 'websocket error');
    },
  };
}

/** Accepts WebSocket upgrades on the configured path and turns each socket into a Client. */
export class WebSocketHandler {
  private readonly wss: WebSocketServer;
  private readonly origins: OriginCheck;
  private readonly log: Logger;
  /** Open sockets and their sessions: the shared listeners below find a socket's session here. */
  private readonly sockets = new Map<WebSocket, Client>();
  private readonly requests: RequestReader;
  private readonly listeners = socketListeners(this.sockets);
  readonly path: string;

  constructor(private readonly node: Node) {
    const cfg = node.config;
    this.path = cfg.websocket.handlerPrefix;
    this.origins = new OriginCheck(cfg.client.allowedOrigins);
    this.requests = new RequestReader(node);
    this.log = node.deps.logger.child({ component: 'websocket' });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: cfg.websocket.messageSizeLimit,
      perMessageDeflate: perMessageDeflate(cfg.websocket),
      clientTracking: false,
      handleProtocols: (protocols) => {
        if (protocols.has(PROTOBUF_SUBPROTOCOL)) return PROTOBUF_SUBPROTOCOL;
        if (protocols.has(JSON_SUBPROTOCOL)) return JSON_SUBPROTOCOL;
        return false;
      },
    });
  }

  /** Handles an upgrade for our path; returns false when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    if (url.pathname !== this.path) return false;
    if (refusedUpgrade(this.node, this.origins, this.log, req, socket)) return true;
    const protocol = protocolOf(req, url);
    const request = this.requests.read(req);
    // http.Server hands 'upgrade' a net.Socket; its type says Duplex only because anyone may emit the event.
    const netSocket = socket as Socket;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, netSocket, protocol, request));
    return true;
  }

  private accept(ws: WebSocket, socket: Socket, protocol: ProtocolName, request: ConnectionRequest): void {
    const transport = new WebSocketTransport(ws, socket, protocol, request);
    const client = new Client(this.node, transport, newClientId());
    this.sockets.set(ws, client);
    // The same three listeners for every socket (emitters call them with the socket as
    // `this`): closures per connection would cost memory on every idle session.
    ws.on('message', this.listeners.message);
    ws.on('close', this.listeners.close);
    ws.on('error', this.listeners.error);
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
